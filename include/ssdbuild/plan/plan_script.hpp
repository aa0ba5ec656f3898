#pragma once
// The plan as a bash script: what `ssdbuild plan` prints and what each step's .sh holds.
// Both come from step_commands(), so a script run by hand does what `run` does.
#include <filesystem>
#include <string>

#include "ssdbuild/plan/planner.hpp"

namespace ssdbuild {

/// The commands of `action` (the step's own, or PlannedStep::for_restored) with the step's
/// `cd` and `export`s written out, so they do not depend on the caller's folder or
/// environment.
std::string step_commands(const PlannedStep& step, const Action& action);

/// The content of logs/<stage>/<step>.sh: a standalone script (`bash FILE` re-runs it).
std::string step_script_file(const PlannedStep& step, const Action& action,
                             const std::string& recipe_name);

/// The whole plan: `set -euo pipefail`, then each step in order under a comment with its
/// decision, in a subshell so that its cd and exports stay its own. Skipped steps appear
/// as comments, or as code with `include_skipped`.
std::string render_plan_script(const Plan& plan, const Recipe& recipe,
                               const std::filesystem::path& state_folder, bool include_skipped);

}  // namespace ssdbuild
