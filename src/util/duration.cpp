#include "ssdbuild/util/duration.hpp"

#include <cctype>
#include <cmath>

#include <spdlog/fmt/fmt.h>

namespace ssdbuild {

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  size_t i = 0;
  bool any_unit = false;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    long long number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > 100000000) return std::nullopt;
      ++i;
    }
    if (i == text.size()) {
      if (any_unit) return std::nullopt;  // "1h30" is ambiguous
      total += number;
      break;
    }
    switch (text[i]) {
      case 's':
        total += number;
        break;
      case 'm':
        total += number * 60;
        break;
      case 'h':
        total += number * 3600;
        break;
      case 'd':
        total += number * 86400;
        break;
      default:
        return std::nullopt;
    }
    any_unit = true;
    ++i;
  }
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::duration<double> duration) {
  double seconds = duration.count();
  if (seconds < 1) return fmt::format("{}ms", static_cast<long long>(std::lround(seconds * 1000)));
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  auto whole = static_cast<long long>(seconds);
  if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
  return fmt::format("{}h{:02}m", whole / 3600, (whole % 3600) / 60);
}

std::string format_age(std::chrono::seconds age) {
  long long s = age.count();
  if (s < 60) return "just now";
  if (s < 3600) return fmt::format("{}m ago", s / 60);
  if (s < 86400) return fmt::format("{}h ago", s / 3600);
  return fmt::format("{}d ago", s / 86400);
}

}  // namespace ssdbuild
