#pragma once
#include <chrono>
#include <optional>
#include <string>

namespace ssdbuild {

using SystemTime = std::chrono::system_clock::time_point;

/// "2026-11-23T23:10:00Z" (UTC, seconds).
std::string format_utc(SystemTime time);
/// Parses what format_utc writes; nullopt otherwise.
std::optional<SystemTime> parse_utc(const std::string& text);

}  // namespace ssdbuild
