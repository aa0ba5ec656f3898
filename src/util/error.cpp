#include "ssdbuild/util/error.hpp"

#include <cstring>

namespace ssdbuild {

std::string errno_message(const std::string& what, int error_number) {
  return what + ": " + std::strerror(error_number);
}

}  // namespace ssdbuild
