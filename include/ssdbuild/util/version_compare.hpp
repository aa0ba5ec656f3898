#pragma once
#include <string_view>

namespace ssdbuild {

/// Compares versions the way people read them: runs of digits as numbers, so
/// 12.10 > 12.9 and 1.67.0 > 1.7; other characters compare as text. Returns <0, 0, >0.
int compare_versions(std::string_view a, std::string_view b);

/// True when `text` starts with a digit and holds only digits, dots, and the letters,
/// '-', '+' and '~' that package versions use ("12.2.0-14", "3.11.7").
bool looks_like_version(std::string_view text);

}  // namespace ssdbuild
