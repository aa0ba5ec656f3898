#include "ssdbuild/results/timeline_format.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/results/svg_document.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

constexpr size_t kMaxLabel = 40;  // longer step ids are cut with "…"

char bar_char(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::ran:
      return '#';
    case StepOutcome::restored:
      return '=';
    case StepOutcome::skipped:
      return '.';
    case StepOutcome::failed:
      return 'X';
    case StepOutcome::interrupted:
      return '!';
  }
  return '#';
}

std::string pad(std::string text, size_t width) {
  size_t length = svg::utf8_length(text);
  if (length < width) text.append(width - length, ' ');
  return text;
}

size_t label_width(const Timeline& timeline) {
  size_t width = 5;  // "total"
  for (const auto& bar : timeline.bars) {
    width = std::max(width, svg::utf8_length(bar_label(timeline, bar)));
  }
  return std::min(width, kMaxLabel);
}

std::string heading(const Timeline& timeline) {
  std::string line = (timeline.recipe.empty() ? "the run" : timeline.recipe) + ": the run of " +
                     (timeline.started_at.empty() ? "(unknown time)" : timeline.started_at) + ", " +
                     format_duration(std::chrono::duration<double>(timeline.duration_s));
  line += timeline.exit_code ? ", exit " + std::to_string(*timeline.exit_code)
                             : ", no end recorded (killed, or still running)";
  if (timeline.total > 0) {
    line += ", " + std::to_string(timeline.steps()) + " of " + std::to_string(timeline.total) +
            " steps reached";
  }
  return line + "\n";
}

// The tick labels, each starting at its column when there is room for it.
std::string axis_line(const std::vector<double>& ticks, size_t columns) {
  std::string line(columns + 1, ' ');
  const double end = ticks.back();
  size_t free_from = 0;
  for (double tick : ticks) {
    std::string label = tick_label(tick);
    auto column = static_cast<size_t>(std::lround(tick / end * static_cast<double>(columns)));
    if (column < free_from) continue;
    if (column + label.size() > line.size()) line.resize(column + label.size(), ' ');
    line.replace(column, label.size(), label);
    free_from = column + label.size() + 1;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string bar_cells(const TimelineBar& bar, double end, size_t columns) {
  std::string cells(columns, ' ');
  const double scale = static_cast<double>(columns) / end;
  const double width = static_cast<double>(columns);
  auto first = static_cast<size_t>(std::clamp(std::floor(bar.start_s * scale), 0.0, width));
  auto last = static_cast<size_t>(
      std::clamp(std::ceil((bar.start_s + bar.duration_s) * scale), 0.0, width));
  first = std::min(first, columns - 1);
  last = std::clamp(last, first + 1, columns);  // every bar shows, however short
  for (size_t i = first; i < last; ++i) cells[i] = bar_char(bar.outcome);
  return cells;
}

}  // namespace

std::string duration_text(const TimelineBar& bar) {
  if (!bar.ended) return "?";
  if (bar.is_step && (bar.outcome == StepOutcome::skipped || bar.outcome == StepOutcome::restored))
    return "-";
  return format_duration(std::chrono::duration<double>(bar.duration_s));
}

std::string bar_label(const Timeline& timeline, const TimelineBar& bar) {
  if (!bar.is_step || bar.index == 0) return bar.name;
  return counted(bar.index, std::max(timeline.total, bar.index), bar.name);
}

std::string outcome_counts(const Timeline& timeline) {
  std::string text;
  for (StepOutcome outcome : {StepOutcome::ran, StepOutcome::restored, StepOutcome::skipped,
                              StepOutcome::failed, StepOutcome::interrupted}) {
    size_t count = timeline.count(outcome);
    if (count == 0) continue;
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + to_string(outcome);
  }
  return text.empty() ? "no steps" : text;
}

std::string format_timeline(const Timeline& timeline, size_t columns) {
  columns = std::max<size_t>(columns, 10);
  const size_t width = label_width(timeline);
  const std::vector<double> ticks = time_ticks(timeline.duration_s, 4);
  std::string out = heading(timeline);
  out += std::string(width + 2, ' ') + axis_line(ticks, columns) + "\n";
  for (const auto& bar : timeline.bars) {
    std::string line = pad(svg::shorten(bar_label(timeline, bar), kMaxLabel), width) + " |" +
                       bar_cells(bar, ticks.back(), columns) + "| " +
                       pad(to_string(bar.outcome), 11) + " " + duration_text(bar);
    if (!bar.ended) line += " (" + bar.detail + ")";
    out += line + "\n";
  }
  out += "legend: # ran, = restored, . skipped, X failed, ! interrupted; " +
         std::to_string(timeline.bars.size()) + " bars, " + outcome_counts(timeline) + "\n";
  for (const auto& problem : timeline.problems) out += "events.jsonl " + problem + "\n";
  return out;
}

std::string format_run_summary(const Timeline& timeline) {
  const size_t width = label_width(timeline);
  std::string out = pad("step", width) + "  " + pad("outcome", 11) + " time\n";
  for (const auto& bar : timeline.bars) {
    std::string line = pad(svg::shorten(bar_label(timeline, bar), kMaxLabel), width) + "  " +
                       pad(to_string(bar.outcome), 11) + " " + duration_text(bar);
    bool says_why = bar.outcome == StepOutcome::failed || bar.outcome == StepOutcome::interrupted;
    if (says_why && !bar.detail.empty()) line += "  (" + bar.detail + ")";
    out += line + "\n";
  }
  out += pad("total", width) + "  " + outcome_counts(timeline) + "  " +
         format_duration(std::chrono::duration<double>(timeline.duration_s));
  if (timeline.exit_code) out += " (exit " + std::to_string(*timeline.exit_code) + ")";
  return out + "\n";
}

}  // namespace ssdbuild
