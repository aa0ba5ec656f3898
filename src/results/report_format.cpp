#include "ssdbuild/results/report_format.hpp"

#include <spdlog/fmt/fmt.h>

namespace ssdbuild {

namespace {

std::string median_of(const nlohmann::json& record, const char* device) {
  if (!record.contains("devices") || !record["devices"].contains(device)) return "-";
  const nlohmann::json& entry = record["devices"][device];
  if (entry.value("status", "") != "ok") return "skipped";
  return fmt::format("{:.2f} ms", entry["summary"]["median_ms"].get<double>());
}

std::string speedup_of(const nlohmann::json& record) {
  if (!record.contains("speedup") || !record["speedup"].is_object()) return "-";
  const nlohmann::json& speedup = record["speedup"];
  return fmt::format("{:.2f}x ({:.2f}-{:.2f})", speedup["median_ratio"].get<double>(),
                     speedup["ci95"][0].get<double>(), speedup["ci95"][1].get<double>());
}

}  // namespace

std::string format_bench_table(const nlohmann::json& record) {
  std::string weights = "trained weights";
  if (record.value("weights", "random") == "random") {
    std::string detail =
        record.value("weights_detail", std::string("random"));  // "random (seed 1)"
    weights = "random weights" + (detail.size() > 6 ? detail.substr(6) : std::string()) +
              ": timing only, detections meaningless";
  }
  std::string out = fmt::format("MobileNet-SSD, batch {}, {} timed passes after {} warm-up, {}\n",
                                record.value("batch", 1), record.value("iterations", 0),
                                record.value("warmup", 0), weights);
  out += fmt::format("{:<5} {:<34} {:>9} {:>9} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "", "device",
                     "median", "mean", "stddev", "p10", "p90", "min", "img/s");
  for (const auto& [device, entry] : record["devices"].items()) {
    if (entry.value("status", "") != "ok") {
      out += fmt::format("{:<5} skipped: {}\n", device, entry.value("reason", ""));
      continue;
    }
    const nlohmann::json& harness = entry["harness"];
    const nlohmann::json& summary = entry["summary"];
    std::string name = harness.value("device_name", device);
    if (device == "cpu") name += fmt::format(" ({} thr)", harness.value("cpu_threads", 0));
    if (name.size() > 34) name = name.substr(0, 31) + "...";
    out += fmt::format(
        "{:<5} {:<34} {:>6.2f} ms {:>6.2f} ms {:>8.2f} {:>9.2f} {:>9.2f} {:>9.2f} "
        "{:>8.1f}\n",
        device, name, summary["median_ms"].get<double>(), summary["mean_ms"].get<double>(),
        summary["stddev_ms"].get<double>(), summary["p10_ms"].get<double>(),
        summary["p90_ms"].get<double>(), summary["min_ms"].get<double>(),
        summary["images_per_s"].get<double>());
  }
  if (record.contains("speedup") && record["speedup"].is_object()) {
    const nlohmann::json& speedup = record["speedup"];
    out += fmt::format("GPU speed-up (median CPU / median GPU): {:.2f}x, 95% CI {:.2f}-{:.2f}x\n",
                       speedup["median_ratio"].get<double>(), speedup["ci95"][0].get<double>(),
                       speedup["ci95"][1].get<double>());
  }
  for (const auto& [device, entry] : record["devices"].items()) {
    for (const auto& detection : entry.value("detections", nlohmann::json::array())) {
      out += fmt::format("{} detection: {} {:.2f} at [{}]\n", device, detection.value("label", "?"),
                         detection.value("score", 0.0),
                         detection.contains("box") ? detection["box"].dump() : "?");
    }
  }
  return out;
}

std::string format_bench_history(const std::vector<nlohmann::json>& records) {
  std::string out = fmt::format("{:<21} {:<8} {:>5} {:>12} {:>12} {:>22}\n", "time", "weights",
                                "batch", "CPU median", "GPU median", "speed-up (95% CI)");
  for (const auto& record : records) {
    out += fmt::format("{:<21} {:<8} {:>5} {:>12} {:>12} {:>22}\n", record.value("time", "?"),
                       record.value("weights", "?"), record.value("batch", 1),
                       median_of(record, "cpu"), median_of(record, "gpu"), speedup_of(record));
  }
  return out;
}

}  // namespace ssdbuild
