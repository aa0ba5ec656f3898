#include "ssdbuild/results/timeline_chart.hpp"

#include <algorithm>
#include <iterator>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/results/svg_document.hpp"
#include "ssdbuild/results/timeline_format.hpp"
#include "ssdbuild/util/duration.hpp"

namespace ssdbuild {
namespace {

using svg::px;
using svg::write_text;

// Layout, in px: the same width and margins as the benchmark chart; the label column takes
// what the longest label needs, up to kMaxLabel characters of about 6.6 px at 12 px.
constexpr double kWidth = 760;
constexpr double kLabelX = 16;
constexpr double kCharWidth = 6.6;
constexpr size_t kMaxLabel = 40;
constexpr double kPlotRight = 690;
constexpr double kDurationRight = 752;
constexpr double kRowHeight = 20;
constexpr double kBarHalfHeight = 6;
constexpr double kMinBarWidth = 2;  // a skipped step takes no time, but shows
constexpr size_t kMaxTicks = 6;

const char* color_of(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::ran:
      return svg::kGreen;
    case StepOutcome::restored:
      return svg::kBlue;
    case StepOutcome::skipped:
      return svg::kGrey;
    case StepOutcome::failed:
      return svg::kRed;
    case StepOutcome::interrupted:
      return svg::kOrange;
  }
  return svg::kGreen;
}

struct TimeAxis {
  std::vector<double> ticks;  // from 0; the last is the axis's end
  double left = 0;
  double x(double seconds) const {
    return left + std::clamp(seconds / ticks.back(), 0.0, 1.0) * (kPlotRight - left);
  }
};

void write_legend(std::string& out, double y) {
  auto to = std::back_inserter(out);
  out += "<g class=\"legend\" font-size=\"12\" fill=\"#333\">\n";
  double x = kLabelX;
  for (StepOutcome outcome : {StepOutcome::ran, StepOutcome::restored, StepOutcome::skipped,
                              StepOutcome::failed, StepOutcome::interrupted}) {
    fmt::format_to(to, "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\n", px(x),
                   px(y - 10), color_of(outcome));
    write_text(out, x + 16, y, "", to_string(outcome));
    x += 16 + kCharWidth * static_cast<double>(to_string(outcome).size()) + 18;
  }
  out += "</g>\n";
}

void write_bar(std::string& out, const Timeline& timeline, const TimelineBar& bar,
               double row_center, const TimeAxis& axis) {
  auto to = std::back_inserter(out);
  const std::string outcome = to_string(bar.outcome);
  const std::string label = bar_label(timeline, bar);
  const std::string duration = duration_text(bar);
  fmt::format_to(to, "<g class=\"row {}\">\n", bar.is_step ? "step" : "cache");
  write_text(out, kLabelX, row_center + 4, "class=\"label\" font-size=\"12\" fill=\"#222\"",
             svg::shorten(label, kMaxLabel));
  const double left = axis.x(bar.start_s);
  const double width = std::max(axis.x(bar.start_s + bar.duration_s) - left, kMinBarWidth);
  std::string tooltip =
      label + ": " + outcome + (bar.ended && duration != "-" ? ", " + duration : "");
  if (!bar.detail.empty()) tooltip += " (" + bar.detail + ")";
  fmt::format_to(
      to,
      "<rect class=\"bar {}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}>"
      "<title>{}</title></rect>\n",
      outcome, px(left), px(row_center - kBarHalfHeight), px(width), px(2 * kBarHalfHeight),
      color_of(bar.outcome),
      bar.ended ? "" : " fill-opacity=\"0.5\" stroke=\"#333\" stroke-dasharray=\"3 2\"",
      svg::escape_xml(tooltip));
  write_text(out, kDurationRight, row_center + 4,
             "class=\"duration\" font-size=\"11\" fill=\"#333\" text-anchor=\"end\"", duration);
  out += "</g>\n";
}

void write_axis(std::string& out, const TimeAxis& axis, double top, double axis_y) {
  auto to = std::back_inserter(out);
  for (double tick : axis.ticks) {
    fmt::format_to(to,
                   "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                   "stroke=\"{3}\" stroke-width=\"1\"/>\n",
                   px(axis.x(tick)), px(top), px(axis_y), svg::kGrid);
  }
  out += "<g class=\"axis\" font-size=\"11\" fill=\"#333\">\n";
  fmt::format_to(to,
                 "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#333\" "
                 "stroke-width=\"1\"/>\n",
                 px(axis.left), px(axis_y), px(kPlotRight));
  for (double tick : axis.ticks) {
    const double x = axis.x(tick);
    fmt::format_to(to, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>\n",
                   px(x), px(axis_y), px(axis_y + 5));
    write_text(out, x, axis_y + 18, "text-anchor=\"middle\"", tick_label(tick));
  }
  write_text(out, (axis.left + kPlotRight) / 2, axis_y + 36,
             "class=\"axis-title\" font-size=\"12\" text-anchor=\"middle\"",
             "time since the run started");
  out += "</g>\n";
}

}  // namespace

std::string render_timeline_svg(const Timeline& timeline) {
  size_t longest = 0;
  for (const auto& bar : timeline.bars) {
    longest = std::max(longest, svg::utf8_length(bar_label(timeline, bar)));
  }
  TimeAxis axis;
  axis.ticks = time_ticks(timeline.duration_s, kMaxTicks);
  axis.left = kLabelX + kCharWidth * static_cast<double>(std::min(longest, kMaxLabel)) + 12;

  const std::string title =
      (timeline.recipe.empty() ? "the run" : timeline.recipe) + ": where the time went";
  std::string note = "the run of " + timeline.started_at + ", " +
                     format_duration(std::chrono::duration<double>(timeline.duration_s)) +
                     (timeline.exit_code ? ", exit " + std::to_string(*timeline.exit_code)
                                         : ", no end recorded (killed, or still running)") +
                     "; " + outcome_counts(timeline);
  std::string header;
  write_text(header, kLabelX, 30, "class=\"title\" font-size=\"18\" font-weight=\"bold\"", title);
  write_text(header, kLabelX, 48, "class=\"note\" font-size=\"12\" fill=\"#666\"", note);
  write_legend(header, 70);
  const double rows_top = 82;
  const size_t rows = std::max<size_t>(timeline.bars.size(), 1);
  const double axis_y = rows_top + kRowHeight * static_cast<double>(rows) + 4;
  const double height = axis_y + 48;

  std::string out = svg::header(kWidth, height, title);
  auto to = std::back_inserter(out);
  out += header;
  for (size_t i = 1; i < rows; i += 2) {
    fmt::format_to(to, "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
                   px(rows_top + kRowHeight * static_cast<double>(i)), px(kWidth), px(kRowHeight),
                   svg::kBand);
  }
  write_axis(out, axis, rows_top, axis_y);
  if (timeline.bars.empty()) {
    write_text(out, axis.left, rows_top + kRowHeight / 2 + 4, "font-size=\"12\" fill=\"#666\"",
               "no step reached");
  }
  for (size_t i = 0; i < timeline.bars.size(); ++i) {
    const double row_center = rows_top + kRowHeight * (static_cast<double>(i) + 0.5);
    write_bar(out, timeline, timeline.bars[i], row_center, axis);
  }
  out += svg::kFooter;
  return out;
}

}  // namespace ssdbuild
