#pragma once
// The shell helpers of the actions: the files in src/actions/shell/ (linted by shellcheck
// and pyflakes, embedded at build time), each defining functions that an action's
// shell_commands() call. A plan defines the helpers its steps use once, at its top; a
// step's .sh defines those of its own action. Actions whose run executes their .sh (copy,
// apt) have no other implementation; git, fetch and extract run through the I/O module's
// libraries and keep their helper for the plan.
#include <string>
#include <string_view>
#include <vector>

#include "ssdbuild/recipe/builtin_recipes.hpp"

namespace ssdbuild {

/// The helper files by file name ("git.sh", "unzip.py"), from the build.
const std::vector<EmbeddedRecipe>& embedded_shell_helpers();

/// Bash that defines the named helpers, each once, in a fixed order, with what they need:
/// "ssdbuild" (the variable $ssdbuild, this binary), "unzip.py" (the variable
/// $ssdbuild_unzip_py), or a file of src/actions/shell/. Throws std::logic_error for an
/// unknown name.
std::string shell_helper_definitions(const std::vector<std::string>& names);

}  // namespace ssdbuild
