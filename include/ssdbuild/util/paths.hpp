#pragma once
#include <string>
#include <vector>

namespace ssdbuild {

/// Whether `pattern` exists: a plain path, or a glob (*, ?, [) that matches something.
bool path_or_glob_exists(const std::string& pattern);

/// The files matching `pattern`, an absolute path where `*` and `?` match within one folder
/// name and `**` matches any number of folders; names starting with `.` match only a
/// pattern part that starts with `.`. Sorted. A pattern without wildcards gives itself
/// when it exists.
std::vector<std::string> expand_file_glob(const std::string& pattern);

}  // namespace ssdbuild
