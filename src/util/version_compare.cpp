#include "ssdbuild/util/version_compare.hpp"

#include <cctype>

namespace ssdbuild {
namespace {

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    bool a_digit = i < a.size() && is_digit(a[i]);
    bool b_digit = j < b.size() && is_digit(b[j]);
    if (a_digit && b_digit) {
      while (i < a.size() && a[i] == '0') ++i;
      while (j < b.size() && b[j] == '0') ++j;
      size_t a_start = i, b_start = j;
      while (i < a.size() && is_digit(a[i])) ++i;
      while (j < b.size() && is_digit(b[j])) ++j;
      size_t a_length = i - a_start, b_length = j - b_start;
      if (a_length != b_length) return a_length < b_length ? -1 : 1;
      int order = a.substr(a_start, a_length).compare(b.substr(b_start, b_length));
      if (order != 0) return order < 0 ? -1 : 1;
      continue;
    }
    if (i >= a.size()) return -1;  // 12.1 < 12.1.1
    if (j >= b.size()) return 1;
    if (a_digit != b_digit) return a_digit ? 1 : -1;  // 1.0.1 > 1.0~rc
    if (a[i] != b[j]) return a[i] < b[j] ? -1 : 1;
    ++i;
    ++j;
  }
  return 0;
}

bool looks_like_version(std::string_view text) {
  if (text.empty() || !is_digit(text.front())) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+' &&
        c != '~') {
      return false;
    }
  }
  return true;
}

}  // namespace ssdbuild
