#include "ssdbuild/util/paths.hpp"

#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "ssdbuild/util/environment_settings.hpp"

namespace ssdbuild {

bool path_or_glob_exists(const std::string& pattern) {
  if (pattern.find_first_of("*?[") == std::string::npos) {
    std::error_code error;
    return std::filesystem::exists(pattern, error);
  }
  glob_t matches{};
  bool any = ::glob(pattern.c_str(), 0, nullptr, &matches) == 0 && matches.gl_pathc > 0;
  ::globfree(&matches);
  return any;
}

namespace {

// One pattern part (a folder or file name) as a regular expression.
std::string part_regex(const std::string& part) {
  std::string regex;
  for (size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    if (c == '*') {
      regex += "[^/]*";
    } else if (c == '?') {
      regex += "[^/]";
    } else if (c == '[') {
      size_t close = part.find(']', i + 1);
      if (close == std::string::npos) {
        regex += "\\[";
      } else {
        std::string set = part.substr(i + 1, close - i - 1);
        if (!set.empty() && set[0] == '!') set[0] = '^';
        regex += "[" + set + "]";
        i = close;
      }
    } else {
      if (std::string("\\^$.|+(){}").find(c) != std::string::npos) regex += '\\';
      regex += c;
    }
  }
  return regex;
}

void walk(const std::filesystem::path& folder, const std::vector<std::string>& parts, size_t index,
          std::vector<std::string>& found) {
  std::error_code error;
  if (index == parts.size()) {
    if (std::filesystem::is_regular_file(folder, error)) found.push_back(folder.string());
    return;
  }
  const std::string& part = parts[index];
  if (part == "**") {
    walk(folder, parts, index + 1, found);  // zero folders
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
      std::string name = entry.path().filename().string();
      if (name[0] == '.' || !entry.is_directory(error) || entry.is_symlink(error)) continue;
      walk(entry.path(), parts, index, found);
    }
    return;
  }
  if (part.find_first_of("*?[") == std::string::npos) {
    if (std::filesystem::exists(folder / part, error)) walk(folder / part, parts, index + 1, found);
    return;
  }
  std::regex matcher(part_regex(part));
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    std::string name = entry.path().filename().string();
    if (name[0] == '.' && part[0] != '.') continue;
    if (std::regex_match(name, matcher)) walk(entry.path(), parts, index + 1, found);
  }
}

}  // namespace

std::vector<std::string> expand_file_glob(const std::string& pattern) {
  std::vector<std::string> parts;
  std::filesystem::path root = "/";
  for (const auto& part : std::filesystem::path(pattern).relative_path()) {
    parts.push_back(part.string());
  }
  std::vector<std::string> found;
  walk(root, parts, 0, found);
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

std::vector<std::filesystem::path> search_path_folders() {
  std::string folders =
      setting_value(EnvironmentSetting::path).value_or("/usr/local/bin:/usr/bin:/bin");
  std::vector<std::filesystem::path> result;
  size_t start = 0;
  while (start <= folders.size()) {
    size_t end = folders.find(':', start);
    if (end == std::string::npos) end = folders.size();
    // An empty entry is the current folder, as for execvp.
    result.emplace_back(end == start ? "." : folders.substr(start, end - start));
    start = end + 1;
  }
  return result;
}

std::string find_on_path(const std::string& program) {
  for (const auto& folder : search_path_folders()) {
    std::filesystem::path candidate = folder / program;
    std::error_code error;
    if (::access(candidate.c_str(), X_OK) == 0 &&
        !std::filesystem::is_directory(candidate, error)) {
      return candidate.string();
    }
  }
  return "";
}

bool is_within(const std::filesystem::path& path, const std::filesystem::path& folder) {
  auto [folder_end, path_end] =
      std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  // "/a/b/" ends in an empty component: "/a/b/c" is within it too.
  return folder_end == folder.end() ||
         (std::next(folder_end) == folder.end() && folder_end->empty());
}

std::string ssdbuild_executable() {
  std::error_code error;
  std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "ssdbuild" : binary.string();
}

std::vector<std::filesystem::path> companion_file_paths(const std::string& file) {
  std::error_code error;
  std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  std::filesystem::path folder = binary.parent_path();
  return {folder / file, folder.parent_path() / "lib" / "ssdbuild" / file};
}

std::filesystem::path find_companion_file(const std::string& file) {
  for (const auto& path : companion_file_paths(file)) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) return path;
  }
  return {};
}

}  // namespace ssdbuild
