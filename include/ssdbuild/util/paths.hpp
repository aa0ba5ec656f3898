#pragma once
#include <filesystem>
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

/// Whether `path` is `folder` or inside it, comparing whole components of the two as
/// written (lexically normal absolute paths; no file system access).
bool is_within(const std::filesystem::path& path, const std::filesystem::path& folder);

/// The folders of $PATH in order (/usr/local/bin:/usr/bin:/bin when PATH is unset).
std::vector<std::filesystem::path> search_path_folders();

/// The first executable `program` in search_path_folders(), or "" when there is none.
std::string find_on_path(const std::string& program);

/// This binary's path (from /proc/self/exe), so that a script calls the ssdbuild that wrote
/// it; "ssdbuild" when it cannot be read.
std::string ssdbuild_executable();

/// Where a file installed with this binary can be, in order: beside it (a build folder),
/// then ../lib/ssdbuild/ (an install or a bundle). Empty when /proc/self/exe cannot be read.
std::vector<std::filesystem::path> companion_file_paths(const std::string& file);

/// The first of companion_file_paths(file) that exists, or "" when none does.
std::filesystem::path find_companion_file(const std::string& file);

}  // namespace ssdbuild
