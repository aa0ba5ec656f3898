#pragma once
#include <string>

namespace ssdbuild {

/// Whether `pattern` exists: a plain path, or a glob (*, ?, [) that matches something.
bool path_or_glob_exists(const std::string& pattern);

}  // namespace ssdbuild
