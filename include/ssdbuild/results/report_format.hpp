#pragma once
// Benchmark records as text for the console: one run's table, and earlier runs side by side.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssdbuild {

/// The table of one record: a line per device (median, mean, stddev, p10, p90, min,
/// images/s), skipped devices with their reason, and the speed-up with its interval.
std::string format_bench_table(const nlohmann::json& record);

/// One line per record (time, weights, batch, CPU and GPU medians, speed-up), oldest first.
std::string format_bench_history(const std::vector<nlohmann::json>& records);

}  // namespace ssdbuild
