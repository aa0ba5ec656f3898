#pragma once
// The benchmark chart: one row per device, each pass a dot (a strip plot) over a box from
// p10 to p90 with the median marked and written, on a shared logarithmic time axis (CPU
// and GPU times differ by an order of magnitude or more), and the speed-up in the title.
// Self-contained SVG (no script, no external font or style), readable in a notebook
// (IPython.display.SVG) and a browser.
#include <optional>
#include <string>
#include <vector>

#include "ssdbuild/results/statistics.hpp"

namespace ssdbuild {

struct ChartSeries {
  std::string label;              // "CPU: AMD EPYC 7B13, 2 threads"
  std::vector<double> values_ms;  // every timed pass
  Summary summary;                // of values_ms
};

struct ChartInput {
  std::string title;               // "MobileNet-SSD inference, batch 1"
  std::vector<std::string> notes;  // lines under the title: "random weights", the date...
  std::vector<ChartSeries> series;
  std::optional<double> speedup;  // median CPU / median GPU
  std::optional<Interval> speedup_interval;
};

/// The chart as an SVG document. Text is XML-escaped.
std::string render_svg_chart(const ChartInput& input);

}  // namespace ssdbuild
