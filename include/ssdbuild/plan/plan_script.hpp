#pragma once
// The plan as a bash script: what `ssdbuild plan` prints and what each step's .sh holds.
// Both call the same shell helpers (actions/shell_helpers) with the same action commands,
// so a script run by hand does what `run` does.
#include <filesystem>
#include <string>

#include "ssdbuild/plan/planner.hpp"

namespace ssdbuild {

/// The commands of `action` (the step's own, or PlannedStep::for_restored) with the step's
/// `cd` and `export`s written out, so they do not depend on the caller's folder or
/// environment.
std::string step_commands(const PlannedStep& step, const Action& action);

/// The content of logs/<stage>/<step>.sh: a standalone script (`bash FILE` re-runs it) that
/// defines the helpers its action calls, then step_commands().
std::string step_script_file(const PlannedStep& step, const Action& action,
                             const std::string& recipe_name);

/// The whole plan: `set -euo pipefail`, the helpers its steps call (each once), the stage
/// cache's restores, then each step in order under a comment with its decision and notes:
/// a top-level `cd` and the `env` steps' exports where they change, then in a subshell the
/// step's own exports, its action's commands and the checks a run makes (creates_of,
/// `check`). Steps whose `when` is false are named on their stage's line; skipped steps
/// appear as comments, or as code with `include_skipped`.
std::string render_plan_script(const Plan& plan, const Recipe& recipe,
                               const std::filesystem::path& state_folder, bool include_skipped);

}  // namespace ssdbuild
