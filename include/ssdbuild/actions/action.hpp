#pragma once
// The action interface. A step holds exactly one action (run, copy, patch, env, fetch, git,
// extract, apt, alternatives, ldconfig, bench: the registry in action.cpp). Each action can
// carry itself out, write itself as the exact shell commands that do the same by hand (for
// `plan` and the step's .sh file), and give the text that goes into the step's fingerprint.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "ssdbuild/exec/process.hpp"
#include "ssdbuild/recipe/config_reader.hpp"
#include "ssdbuild/recipe/recipe.hpp"

namespace ssdbuild {

class SignalWatcher;

/// What an action gets while it runs: where, with what environment, until when, and where
/// its output goes.
struct StepContext {
  std::string step_id;
  std::string recipe_name;
  std::string fingerprint;  // the step's, for records that must say what produced them
  std::filesystem::path cwd;
  KeyValueList env;
  std::filesystem::path script_path;  // the step's .sh, written before execute()
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds kill_grace{10000};
  LineSink* output = nullptr;
  const SignalWatcher* signals = nullptr;
  std::filesystem::path state_folder;
  nlohmann::json* details = nullptr;  // the step's record details, saved in state.json
  nlohmann::json* pins = nullptr;     // first-use download pins, saved in state.json
  std::string run_token;  // unique to this run: lets a helper act once per run (apt update)

  /// Writes a line to the step's output (its log, and the console).
  void say(std::string_view line) const { output->on_line(line); }
  /// Writes a line of the step's result, which the console shows even when condensed.
  void say_result(std::string_view line) const { output->on_result(line); }

  /// Runs a command in the step's folder and environment, output to `output`, bounded by
  /// the deadline and ended by signals.
  ProcessResult run_command(const std::vector<std::string>& argv) const;
  /// Runs the step's .sh with bash; the script sets its own folder and environment, on top
  /// of ssdbuild's and `extra_env`.
  ProcessResult run_script(const KeyValueList& extra_env = {}) const;
};

struct ActionOutcome {
  ProcessResult process;  // how the step's work ended (also for in-process actions)
  std::string message;    // extra detail for a failure
  bool ok() const { return process.ok(); }

  /// For actions that do their work in-process.
  static ActionOutcome succeeded();
  static ActionOutcome failed(std::string message);
};

class Action {
 public:
  virtual ~Action() = default;
  /// Text hashed into the step's fingerprint: equal text must mean an equal effect.
  virtual std::string fingerprint_text() const = 0;
  /// Bash commands, run in the step's folder with its environment under `set -euo
  /// pipefail`, that do by hand exactly what execute() does.
  virtual std::string shell_commands() const = 0;
  /// The shell helpers (actions/shell_helpers.hpp) that shell_commands() call.
  virtual std::vector<std::string> shell_helpers() const { return {}; }
  /// Whether shell_commands() is one command that calls a helper or ssdbuild: it changes
  /// neither the shell's folder nor its variables, so a plan writes it without a subshell.
  virtual bool one_helper_call() const { return false; }
  /// The paths the action itself makes (git's dest, extract's dest, copy's to, fetch's
  /// dest). They count as the step's `creates`: one that is gone makes the step run again.
  virtual std::vector<std::string> created_paths() const { return {}; }
  /// Why the step's effect is gone although it succeeded ("" while it holds): a patch op
  /// that would apply again to a reverted file. The planner runs such a step again.
  virtual std::string effect_missing() const { return ""; }
  /// Carries out the step.
  virtual ActionOutcome execute(const StepContext& context) const = 0;
  /// Values later steps read as ${steps.NAME.KEY}, e.g. {"path", "/state/downloads/x"}.
  virtual KeyValueList outputs() const { return {}; }
  /// The environment changes this step makes for the steps after it (the `env` action).
  virtual std::vector<EnvChange> env_changes() const { return {}; }
  /// Comment lines for `plan` about what the action finds now, without changing anything
  /// (a patch op "already applied", a copy "kept: exists").
  virtual std::vector<std::string> plan_notes() const { return {}; }
  /// Whether a stage's cache archive can stand in for this step: its effect is files. An
  /// action that changes the machine (packages, alternatives, the loader's cache) says no,
  /// and runs again after its stage is restored.
  virtual bool restorable() const { return true; }
  /// What the step does instead when it is `needed_by` stages that all come back from the
  /// stage cache: null, nothing (the default: a compiler or a source tree serves only the
  /// build). `system_packages` are the packages that the restored files load, from their
  /// cache manifests.
  virtual std::unique_ptr<Action> for_restored(
      const std::vector<std::string>& system_packages) const {
    (void)system_packages;
    return nullptr;
  }
};

/// One kind of action, known by its YAML key.
class ActionType {
 public:
  virtual ~ActionType() = default;
  virtual std::string_view key() const = 0;
  /// Builds the action from its YAML value; strings go through `reader`, which resolves
  /// variables. Throws RecipeError at the offending node.
  virtual std::unique_ptr<Action> parse(const YAML::Node& config,
                                        const ConfigReader& reader) const = 0;
  /// The KEYs of ${steps.NAME.KEY} that its actions give.
  virtual std::vector<std::string> output_names() const { return {}; }
  /// A name for a step that has none, from its configuration as written.
  virtual std::string derive_name(const YAML::Node& config) const = 0;
};

/// The action type for a YAML key, or null.
const ActionType* find_action_type(std::string_view key);
/// Every action key, for validation and "did you mean".
std::vector<std::string> action_keys();

/// "KIND-NAME" from the file name of the path under `key` (git's `dest`, copy's `to`), or
/// just KIND when the configuration has no such path.
std::string name_from_path(std::string_view kind, const YAML::Node& config, const char* key);

/// A name made of a command's first words: "make -j8 all" -> "make-j8-all".
std::string slug_from_text(std::string_view text, size_t max_length = 32);

}  // namespace ssdbuild
