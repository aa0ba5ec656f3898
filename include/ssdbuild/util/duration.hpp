#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ssdbuild {

/// Parses "90s", "30m", "2h", "1h30m" or a bare number of seconds; nullopt if malformed.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);

/// Formats a duration for people: "850ms", "12.3s", "12m30s", "2h05m".
std::string format_duration(std::chrono::duration<double> duration);

/// "just now", "5m ago", "2h ago", "3d ago".
std::string format_age(std::chrono::seconds age);

}  // namespace ssdbuild
