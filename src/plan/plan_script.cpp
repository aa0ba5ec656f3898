#include "ssdbuild/plan/plan_script.hpp"

#include <algorithm>

#include "ssdbuild/actions/shell_helpers.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace {

// The step's own `env:` and its action's commands: its `cd` and inherited changes left out.
std::string action_commands(const PlannedStep& step, const Action& action) {
  std::string text;
  for (const auto& [name, value] : step.env) {
    text += "export " + name + "=" + shell_quote(value) + "\n";
  }
  std::string commands = action.shell_commands();
  if (step.compiler_cache) commands = with_compiler_cache(commands, step.id, *step.compiler_cache);
  text += commands;
  if (!commands.empty() && commands.back() != '\n') text += '\n';
  return text;
}

}  // namespace

std::string step_commands(const PlannedStep& step, const Action& action) {
  return "cd " + shell_quote(step.cwd.string()) + "\n" + env_changes_as_shell(step.inherited_env) +
         action_commands(step, action);
}

std::string step_script_file(const PlannedStep& step, const Action& action,
                             const std::string& recipe_name) {
  return "#!/usr/bin/env bash\n# ssdbuild step " + step.id + " of recipe " + recipe_name +
         ": the exact script the step runs; `bash " +
         "THIS_FILE` runs it again by hand.\nset -euo pipefail\n" +
         shell_helper_definitions(action.shell_helpers()) + step_commands(step, action);
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

// For restored stages, a step may do less (only the packages they load) or nothing.
const Action& shown_action(const PlannedStep& step) {
  return step.action_to_run() ? *step.action_to_run() : *step.action;
}

bool writes_code(const PlannedStep& step, bool include_skipped) {
  return step.enabled && (step.decision == Decision::run || include_skipped);
}

// A step whose code is calls of helpers (its action's, ssdbuild_created, ssdbuild_check)
// leaves no folder or variable behind for the next step: it needs no subshell of its own.
bool calls_only_helpers(const PlannedStep& step) {
  return shown_action(step).one_helper_call() && step.env.empty() && !step.compiler_cache;
}

bool has_checks(const PlannedStep& step) {
  return !creates_of(step).empty() || !step.check.empty();
}

// Every helper the written steps call, defined once at the top.
std::string helper_definitions(const Plan& plan, bool include_skipped) {
  std::vector<std::string> names;
  for (const auto& step : plan.steps) {
    if (!writes_code(step, include_skipped)) continue;
    for (auto& name : shown_action(step).shell_helpers()) names.push_back(std::move(name));
    if (has_checks(step)) names.push_back("step_checks.sh");
  }
  if (names.empty()) return "";
  std::string text = shell_helper_definitions(names);
  if (ends_with(text, "\n\n")) text.pop_back();  // the stage header starts with a blank line
  return "\n# ===== helpers, defined once: ssdbuild's src/actions/shell/ =====\n" + text;
}

// What a run verifies after the step's commands succeed (see exec/executor).
std::string check_commands(const PlannedStep& step) {
  std::string text;
  auto creates = creates_of(step);
  if (!creates.empty())
    text += "ssdbuild_created " + shell_quote(step.id) + " " + shell_words(creates) + "\n";
  if (!step.check.empty()) {
    text += "ssdbuild_check " + shell_quote(step.id) + " " + shell_quote(step.cwd.string()) + " " +
            shell_quote(step.check) + "\n";
  }
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

namespace {

// Writes the plan's steps in order. The script's own folder and environment carry from step
// to step: a `cd` or an `env` step's exports are written once, at the top level, where they
// change, and each step's subshell inherits them (a step's .sh carries its own).
class StepWriter {
 public:
  explicit StepWriter(bool include_skipped) : include_skipped_(include_skipped) {}

  // Writes the steps of one stage: a header naming the steps whose `when` is false, then
  // each other step.
  void add_stage(const std::vector<PlannedStep>& steps, size_t begin, size_t end) {
    std::string off;
    for (size_t i = begin; i < end; ++i) {
      if (!steps[i].enabled) off += " " + steps[i].definition->name;
    }
    text_ += "\n# ===== stage " + steps[begin].stage->name +
             (off.empty() ? "" : " (`when` is false, skipped:" + off + ")") + " =====\n";
    bool first = true;
    for (size_t i = begin; i < end; ++i) {
      if (!steps[i].enabled) continue;
      add_step(steps[i], first);
      first = false;
    }
  }

  const std::string& text() const { return text_; }

 private:
  void add_step(const PlannedStep& step, bool first_of_stage) {
    text_ +=
        std::string(first_of_stage ? "" : "\n") + "# --- " + step.id + ": " + step.reason + "\n";
    for (const auto& note : shown_action(step).plan_notes()) text_ += "#     " + note + "\n";
    if (writes_code(step, include_skipped_)) add_code(step);
  }

  void add_code(const PlannedStep& step) {
    if (step.cwd != folder_) {
      folder_ = step.cwd;
      text_ += "cd " + shell_quote(folder_.string()) + "\n";
    }
    if (step.inherited_env.size() > exported_) {
      std::vector<EnvChange> added(step.inherited_env.begin() + static_cast<long>(exported_),
                                   step.inherited_env.end());
      text_ +=
          "# the `env` steps' changes, for every step after them\n" + env_changes_as_shell(added);
      exported_ = step.inherited_env.size();
    }
    std::string code = action_commands(step, shown_action(step)) + check_commands(step);
    if (step.optional) {
      // Not `if ! (...)`: bash ignores `set -e` inside a condition, so the step would go on
      // past its first failing command.
      text_ += "set +e\n(\nset -e\n" + code + ")\nstatus=$?\nset -e\n" +
               "[ \"$status\" -eq 0 ] || echo \"optional step " + step.id +
               " failed (exit $status); going on without it\" >&2\n";
    } else if (calls_only_helpers(step)) {
      text_ += code;
    } else if (std::count(code.begin(), code.end(), '\n') == 1 &&
               code.find('#') == std::string::npos) {
      text_ += "( " + code.substr(0, code.size() - 1) + " )\n";  // a one-line step
    } else {
      text_ += "(\n" + code + ")\n";
    }
  }

  bool include_skipped_;
  std::string text_;
  const StageDefinition* stage_ = nullptr;
  std::filesystem::path folder_;  // where the script is, at the top level
  size_t exported_ = 0;           // inherited environment changes exported so far
};

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
  // As a run does first: the state folder (apt's once-per-run marker, shell/apt.sh, is
  // written there) and the work folder, where steps run unless they say `cwd`.
  bool runs_any = std::any_of(plan.steps.begin(), plan.steps.end(), [&](const PlannedStep& step) {
    return writes_code(step, include_skipped);
  });
  if (runs_any) {
    std::string workdir = plan.workdir.empty() ? "" : " " + shell_quote(plan.workdir.string());
    text +=
        "mkdir -p " + shell_quote(state_folder.string()) + workdir + "  # as a run does first\n";
  }
  text += helper_definitions(plan, include_skipped);
  text += restore_commands(plan, state_folder);
  StepWriter steps(include_skipped);
  for (size_t begin = 0, end = 0; begin < plan.steps.size(); begin = end) {
    while (end < plan.steps.size() && plan.steps[end].stage == plan.steps[begin].stage) ++end;
    steps.add_stage(plan.steps, begin, end);
  }
  return text + steps.text();
}

}  // namespace ssdbuild
