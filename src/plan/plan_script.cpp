#include "ssdbuild/plan/plan_script.hpp"

#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::string step_commands(const PlannedStep& step, const Action& action) {
  std::string text = "cd " + shell_quote(step.cwd.string()) + "\n";
  text += env_changes_as_shell(step.inherited_env);
  for (const auto& [name, value] : step.env) {
    text += "export " + name + "=" + shell_quote(value) + "\n";
  }
  std::string commands = action.shell_commands();
  if (step.compiler_cache) commands = with_compiler_cache(commands, step.id, *step.compiler_cache);
  text += commands;
  if (!commands.empty() && commands.back() != '\n') text += '\n';
  return text;
}

std::string step_script_file(const PlannedStep& step, const Action& action,
                             const std::string& recipe_name) {
  return "#!/usr/bin/env bash\n# ssdbuild step " + step.id + " of recipe " + recipe_name +
         ": the exact script the step runs; `bash " +
         "THIS_FILE` runs it again by hand.\nset -euo pipefail\n" + step_commands(step, action);
}

namespace {

// An archive on the remote store: downloaded to a temporary file with curl, checked, restored
// and removed. The credentials stay in the environment: curl reads the header from a pipe
// (`-H @file`), so that it is in neither this script nor curl's command line.
std::string remote_restore_commands(const PlannedStageCache& cache) {
  std::string text = "archive=$(mktemp)\n";
  text += "if [ -n \"${SSDBUILD_CACHE_HEADER:-}\" ]; then\n";
  text +=
      "  curl -fsSL --retry 2 -H @<(printf '%s\\n' \"$SSDBUILD_CACHE_HEADER\") -o \"$archive\" " +
      shell_quote(cache.remote_url) + "\n";
  text +=
      "else\n  curl -fsSL --retry 2 -o \"$archive\" " + shell_quote(cache.remote_url) + "\nfi\n";
  text += "printf '%s  %s\\n' " + shell_quote(cache.available->sha256) +
          " \"$archive\" | sha256sum --check --quiet\n";
  text += "zstd -dc -- \"$archive\" | tar -x -p -f - -C /\n";
  text += "rm -f -- \"$archive\"\n";
  return text;
}

// Restores come first, as in a run (see exec/stage_cache_runner.hpp), with plain tools.
std::string restore_commands(const Plan& plan, const std::filesystem::path& state_folder) {
  std::string text;
  CacheStore store = CacheStore::in_state_folder(state_folder);
  for (const auto& cache : plan.caches) {
    if (!cache.restore) continue;
    if (text.empty()) {
      text +=
          "\n# ===== stage cache: restored before any step runs, so that the steps before "
          "these stages find their work done =====\n";
    }
    text += "# stage " + cache.stage->name + ": " +
            format_bytes(static_cast<double>(cache.available->archive_bytes)) + ", " +
            std::to_string(cache.available->entries) + " entries, packed " +
            cache.available->created_at +
            (cache.source == CacheSource::remote ? ", from the remote store" : "") + "\n";
    if (cache.source == CacheSource::remote) {
      text += remote_restore_commands(cache);
      continue;
    }
    std::string archive = shell_quote(store.archive_path(cache.key).string());
    text += "echo " +
            shell_quote(cache.available->sha256 + "  " + store.archive_path(cache.key).string()) +
            " | sha256sum --check --quiet\n";
    text += "zstd -dc -- " + archive + " | tar -x -p -f - -C /\n";
  }
  return text;
}

}  // namespace

std::string render_plan_script(const Plan& plan, const Recipe& recipe,
                               const std::filesystem::path& state_folder, bool include_skipped) {
  std::string text = "#!/usr/bin/env bash\n";
  text += "# ssdbuild plan for recipe " + recipe.name + " (" + recipe.file + ")\n";
  text += "# state folder: " + state_folder.string() + "\n";
  text += "# " + std::to_string(plan.count(Decision::run)) + " step(s) to run, " +
          (plan.count(Decision::restore) > 0 ? std::to_string(plan.count(Decision::restore)) +
                                                   " to restore from the stage cache, "
                                             : "") +
          std::to_string(plan.count(Decision::skip)) + " to skip" +
          (include_skipped ? " (included here: --all)" : "") + "\n";
  text += "set -euo pipefail\n";
  text += restore_commands(plan, state_folder);
  const StageDefinition* current_stage = nullptr;
  for (const auto& step : plan.steps) {
    if (step.stage != current_stage) {
      current_stage = step.stage;
      text += "\n# ===== stage " + current_stage->name + " =====\n";
    }
    text += "\n# --- " + step.id + ": " + step.reason + "\n";
    // For restored stages, the step may do less (only the packages they load) or nothing.
    const Action* action = step.action_to_run() ? step.action_to_run() : step.action.get();
    if (action) {
      for (const auto& note : action->plan_notes()) text += "#     " + note + "\n";
    }
    bool write_code = step.enabled && (step.decision == Decision::run || include_skipped);
    if (!write_code) continue;
    std::string commands = step_commands(step, *action);
    if (step.optional) {
      // Not `if ! (...)`: bash ignores `set -e` inside a condition, so the step would go on
      // past its first failing command.
      text += "set +e\n(\nset -e\n" + commands + ")\nstatus=$?\nset -e\n" +
              "[ \"$status\" -eq 0 ] || echo \"optional step " + step.id +
              " failed (exit $status); going on without it\" >&2\n";
    } else {
      text += "(\n" + commands + ")\n";
    }
  }
  return text;
}

}  // namespace ssdbuild
