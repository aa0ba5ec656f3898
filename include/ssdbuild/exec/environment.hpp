#pragma once
// Environment changes that `env` steps make for the steps after them: set a variable, or
// prepend/append to a colon-separated list (PATH, LD_LIBRARY_PATH, PYTHONPATH). They are
// kept as changes, not values, so a step's fingerprint does not depend on the PATH of the
// cell that started ssdbuild, and the plan writes them as shell that extends $PATH the same way.
#include <string>
#include <utility>
#include <vector>

namespace ssdbuild {

struct EnvChange {
  enum class Mode { set, prepend, append };
  std::string name;
  std::string value;
  Mode mode = Mode::set;
};

/// The values the changes give, applied in order on top of ssdbuild's own environment.
std::vector<std::pair<std::string, std::string>> apply_env_changes(
    const std::vector<EnvChange>& changes);

/// `export` lines that make the same changes in bash (`set -u` safe).
std::string env_changes_as_shell(const std::vector<EnvChange>& changes);

/// "set", "prepend", "append".
std::string to_string(EnvChange::Mode mode);

}  // namespace ssdbuild
