#pragma once
// What a benchmark harness printed for one device. The harness protocol (documented in
// docs/bench-results.md and recipes/mobilenet_ssd_bench.cpp) is one JSON object per line
// with a "type": header, pass, detection, compare or skip; every other line (the library's own
// logging) is left alone.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssdbuild {

/// The exit code with which a harness says that a device cannot run here.
constexpr int kHarnessSkipExit = 77;

struct HarnessOutput {
  std::string device;                                // "cpu", "gpu"
  nlohmann::json header = nlohmann::json::object();  // the header line, {} when none came
  std::vector<double> times_ms;                      // the pass lines, in order
  nlohmann::json detections = nlohmann::json::array();
  nlohmann::json comparisons = nlohmann::json::array();  // compare lines (--compare-with)
  std::optional<std::string> skip_reason;                // a skip line came

  /// Takes one output line; returns whether it was a harness line. Throws Error for a
  /// harness line that breaks the protocol (a pass without a positive "ms", say).
  bool add_line(std::string_view line);

  /// Why this output cannot be summarised ("no header line", "no pass line", "3 passes of
  /// the 50 announced"), or "" when it can.
  std::string problem() const;
};

}  // namespace ssdbuild
