#include "ssdbuild/results/svg_chart.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/results/svg_document.hpp"

namespace ssdbuild {
namespace {

using svg::escape_xml;
using svg::px;
using svg::utf8_length;
using svg::utf8_prefix;
using svg::write_text;

// Layout, in px. The label column is wide enough for "CPU: AMD EPYC 7B13, 2 threads".
constexpr double kWidth = 760;
constexpr double kLabelX = 16;
constexpr double kPlotLeft = 250;
constexpr double kPlotRight = 736;
constexpr double kPlotInset = 12;  // so that dots on the outer ticks are not cut in half
constexpr double kRowHeight = 66;
constexpr double kBoxHalfHeight = 11;
constexpr double kJitter = 9;
constexpr double kLabelLineHeight = 15;
constexpr size_t kLabelChars = 30;  // per line, at 13 px
constexpr size_t kLabelLines = 3;
constexpr size_t kMaxTicks = 10;
constexpr size_t kEnoughTicks = 5;
constexpr const char* kAxisTitle = "time per forward pass (ms, log scale)";

std::string format_ms(double ms) {
  if (ms >= 100) return fmt::format("{:.1f}", ms);
  if (ms >= 1) return fmt::format("{:.2f}", ms);
  return fmt::format("{:.3g}", ms);
}

std::string format_ratio(double ratio) {
  return ratio >= 10 ? fmt::format("{:.1f}", ratio) : fmt::format("{:.2f}", ratio);
}

// Long labels wrap at spaces into at most kLabelLines lines, the last one cut with an
// ellipsis, so that they stay left of the plot.
std::vector<std::string> wrap_label(std::string_view label) {
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start <= label.size()) {
    size_t end = std::min(label.find(' ', start), label.size());
    std::string_view word = label.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (line.empty()) {
      line = word;
    } else if (utf8_length(line) + 1 + utf8_length(word) <= kLabelChars) {
      line += ' ';
      line += word;
    } else {
      lines.push_back(line);
      line = word;
    }
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  if (lines.size() > kLabelLines) {
    std::string rest = lines[kLabelLines - 1];
    for (size_t i = kLabelLines; i < lines.size(); ++i) rest += ' ' + lines[i];
    lines.resize(kLabelLines);
    lines.back() = utf8_prefix(rest, kLabelChars - 1) + "\xE2\x80\xA6";  // U+2026
  }
  return lines;
}

// A fixed jitter in [-1, 1) for pass `index` (splitmix64's finalizer): the same chart for
// the same data, and neighbouring passes spread apart.
double jitter(std::uint64_t index) {
  std::uint64_t z = index + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53 * 2 - 1;
}

struct LogAxis {
  std::vector<double> ticks;  // ascending; the first and last are the axis's ends
  size_t label_stride = 1;    // label every n-th tick when there are too many

  double x(double ms) const {
    const double low = std::log10(ticks.front()), high = std::log10(ticks.back());
    const double at = std::log10(std::clamp(ms, ticks.front(), ticks.back()));
    const double span = kPlotRight - kPlotLeft - 2 * kPlotInset;
    return kPlotLeft + kPlotInset + (at - low) / (high - low) * span;
  }
};

// The ticks m * 10^k (m from `mantissas`) from the last one at or below `low` to the first
// one at or above `high`.
std::vector<double> ticks_covering(double low, double high, const std::vector<double>& mantissas) {
  const int first_decade = static_cast<int>(std::floor(std::log10(low))) - 1;
  const int last_decade = static_cast<int>(std::floor(std::log10(high))) + 1;
  std::vector<double> all;
  for (int decade = first_decade; decade <= last_decade; ++decade) {
    for (double mantissa : mantissas) all.push_back(mantissa * std::pow(10.0, decade));
  }
  const double slack = 1e-9;  // 100 is a tick of 100, whatever pow rounded to
  auto begin = std::upper_bound(all.begin(), all.end(), low * (1 + slack)) - 1;
  auto end = std::lower_bound(all.begin(), all.end(), high * (1 - slack)) + 1;
  return {begin, end};
}

// Decades when they give enough ticks, else 1-2-5, 1-2-3-..-9, then finer steps: the
// coarsest with kEnoughTicks, or failing that the one with the most that still fit.
LogAxis choose_axis(double low, double high) {
  static const std::vector<std::vector<double>> kSteps = {
      {1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8}};
  if (low == high) {  // one value, or all equal: a range around it
    low /= 1.3;
    high *= 1.3;
  }
  LogAxis axis;
  for (const auto& mantissas : kSteps) {
    std::vector<double> ticks = ticks_covering(low, high, mantissas);
    if (ticks.size() > kMaxTicks) continue;
    if (ticks.size() > axis.ticks.size()) axis.ticks = ticks;
    if (ticks.size() >= kEnoughTicks) break;
  }
  if (axis.ticks.empty()) {  // many decades
    axis.ticks = ticks_covering(low, high, kSteps.front());
    axis.label_stride = (axis.ticks.size() + kMaxTicks - 1) / kMaxTicks;
  }
  return axis;
}

LogAxis axis_for(const std::vector<ChartSeries>& series) {
  double low = HUGE_VAL, high = 0;
  for (const auto& one : series) {
    for (double value : one.values_ms) {
      if (!(value > 0) || !std::isfinite(value)) continue;  // no place on a log axis
      low = std::min(low, value);
      high = std::max(high, value);
    }
  }
  if (high == 0) return choose_axis(1, 1000);  // nothing to show
  return choose_axis(low, high);
}

void write_series(std::string& out, const ChartSeries& series, size_t index, double row_center,
                  const LogAxis& axis) {
  const char* color = svg::kPalette[index % svg::kPalette.size()];
  auto to = std::back_inserter(out);
  fmt::format_to(to, "<g class=\"series\">\n");
  std::vector<std::string> lines = wrap_label(series.label);
  double line_y = row_center + 4.5 - kLabelLineHeight * static_cast<double>(lines.size() - 1) / 2;
  fmt::format_to(to, "<text class=\"label\" x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#222\">",
                 px(kLabelX), px(line_y));
  for (size_t i = 0; i < lines.size(); ++i) {
    fmt::format_to(to, "<tspan x=\"{}\" dy=\"{}\">{}</tspan>", px(kLabelX),
                   i == 0 ? 0 : kLabelLineHeight, escape_xml(lines[i]));
  }
  out += "</text>\n";

  const double box_center = row_center - 6;  // the median's value goes underneath
  if (series.values_ms.empty()) {
    write_text(out, kPlotLeft + kPlotInset, box_center + 4, "font-size=\"12\" fill=\"#666\"",
               "no timed passes");
    out += "</g>\n";
    return;
  }
  const Summary summary = series.summary.count > 0 ? series.summary : summarize(series.values_ms);
  const double box_left = axis.x(summary.p10), box_right = axis.x(summary.p90);
  fmt::format_to(to,
                 "<rect class=\"box\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
                 "fill-opacity=\"0.16\" stroke=\"{}\" stroke-width=\"1\"/>\n",
                 px(box_left), px(box_center - kBoxHalfHeight),
                 px(std::max(box_right - box_left, 1.0)), px(2 * kBoxHalfHeight), color, color);
  for (size_t i = 0; i < series.values_ms.size(); ++i) {
    const double value = series.values_ms[i];
    if (std::isnan(value)) continue;
    fmt::format_to(to,
                   "<circle class=\"pass\" cx=\"{}\" cy=\"{}\" r=\"2.6\" fill=\"{}\" "
                   "fill-opacity=\"0.45\"/>\n",
                   px(axis.x(value)), px(box_center + kJitter * jitter(i)), color);
  }
  const double median_x = axis.x(summary.median);
  fmt::format_to(to,
                 "<line class=\"median\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                 "stroke=\"#1b1b1b\" stroke-width=\"3\"/>\n",
                 px(median_x), px(box_center - kBoxHalfHeight - 4),
                 px(box_center + kBoxHalfHeight + 4));
  // Centred under the median line, but kept inside the chart (about 6 px a character).
  const std::string median_text = "median " + format_ms(summary.median) + " ms";
  const double half_width = 3.1 * static_cast<double>(median_text.size());
  const double text_x = std::clamp(median_x, kPlotLeft + half_width, kWidth - 4 - half_width);
  write_text(out, text_x, box_center + kBoxHalfHeight + 17,
             "class=\"median-label\" font-size=\"11\" fill=\"#333\" text-anchor=\"middle\"",
             median_text);
  out += "</g>\n";
}

void write_axis(std::string& out, const LogAxis& axis, double axis_y) {
  auto to = std::back_inserter(out);
  fmt::format_to(to, "<g class=\"axis\" font-size=\"11\" fill=\"#333\">\n");
  fmt::format_to(to,
                 "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\" "
                 "stroke-width=\"1\"/>\n",
                 px(kPlotLeft), px(axis_y), px(kPlotRight));
  for (size_t i = 0; i < axis.ticks.size(); ++i) {
    const double x = axis.x(axis.ticks[i]);
    fmt::format_to(to, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n",
                   px(x), px(axis_y), px(axis_y + 5));
    if (i % axis.label_stride == 0) {
      write_text(out, x, axis_y + 18, "text-anchor=\"middle\"", fmt::format("{:g}", axis.ticks[i]));
    }
  }
  write_text(out, (kPlotLeft + kPlotRight) / 2, axis_y + 38,
             "class=\"axis-title\" font-size=\"12\" text-anchor=\"middle\"", kAxisTitle);
  out += "</g>\n";
}

}  // namespace

std::string render_svg_chart(const ChartInput& input) {
  const LogAxis axis = axis_for(input.series);
  double y = 30;
  std::string header;
  write_text(header, kLabelX, y, "class=\"title\" font-size=\"18\" font-weight=\"bold\"",
             input.title);
  for (const auto& note : input.notes) {
    y += 18;
    write_text(header, kLabelX, y, "class=\"note\" font-size=\"12\" fill=\"#666\"", note);
  }
  if (input.speedup) {
    y += 28;
    std::string line = "GPU speed-up: " + format_ratio(*input.speedup) + "x";
    if (input.speedup_interval) {
      line += " (95% CI " + format_ratio(input.speedup_interval->low) + "-" +
              format_ratio(input.speedup_interval->high) + "x)";
    }
    write_text(header, kLabelX, y,
               "class=\"speedup\" font-size=\"16\" font-weight=\"bold\" fill=\"#0b5a2a\"", line);
  }
  const double rows_top = y + 18;
  const size_t rows = std::max<size_t>(input.series.size(), 1);
  const double axis_y = rows_top + kRowHeight * static_cast<double>(rows) + 4;
  const double height = axis_y + 52;

  std::string out = svg::header(kWidth, height, input.title);
  auto to = std::back_inserter(out);
  out += header;
  // Banded rows tie each label to its dots; grid lines at every tick help read them.
  for (size_t i = 1; i < rows; i += 2) {
    fmt::format_to(to, "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                   px(rows_top + kRowHeight * static_cast<double>(i)), px(kWidth), px(kRowHeight),
                   svg::kBand);
  }
  for (double tick : axis.ticks) {
    fmt::format_to(to,
                   "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                   "stroke=\"{3}\" stroke-width=\"1\"/>\n",
                   px(axis.x(tick)), px(rows_top), px(axis_y), svg::kGrid);
  }
  for (size_t i = 0; i < input.series.size(); ++i) {
    const double row_center = rows_top + kRowHeight * (static_cast<double>(i) + 0.5);
    write_series(out, input.series[i], i, row_center, axis);
  }
  write_axis(out, axis, axis_y);
  out += svg::kFooter;
  return out;
}

}  // namespace ssdbuild
