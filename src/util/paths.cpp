#include "ssdbuild/util/paths.hpp"

#include <glob.h>

#include <filesystem>

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

}  // namespace ssdbuild
