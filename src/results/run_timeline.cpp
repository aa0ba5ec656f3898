#include "ssdbuild/results/run_timeline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {
namespace {

// When `event` happened, in seconds since the run started: its `elapsed_s`, or for events
// written before that field existed, its `time` against the run_start's.
double elapsed_of(const nlohmann::json& event, const std::optional<SystemTime>& run_time) {
  auto elapsed = event.find("elapsed_s");
  if (elapsed != event.end() && elapsed->is_number()) return std::max(0.0, elapsed->get<double>());
  if (!run_time) return 0;
  auto time = parse_utc(event.value("time", ""));
  if (!time) return 0;
  return std::max(0.0, std::chrono::duration<double>(*time - *run_time).count());
}

double number_or(const nlohmann::json& event, const char* key, double fallback) {
  auto found = event.find(key);
  return found != event.end() && found->is_number() ? found->get<double>() : fallback;
}

// A count or index from a file that may have been edited or cut: never negative, never past
// what a size_t holds (casting such a double would be undefined).
size_t count_or_zero(double value) {
  return std::isfinite(value) ? static_cast<size_t>(std::clamp(value, 0.0, 1e15)) : 0;
}

std::string string_or_empty(const nlohmann::json& event, const char* key) {
  auto found = event.find(key);
  return found != event.end() && found->is_string() ? found->get<std::string>() : "";
}

StepOutcome outcome_of_status(const std::string& status) {
  if (status == "done") return StepOutcome::ran;
  if (status == "interrupted") return StepOutcome::interrupted;
  return StepOutcome::failed;
}

TimelineBar step_bar(const nlohmann::json& event, StepOutcome outcome, double at) {
  TimelineBar bar;
  bar.name = string_or_empty(event, "step");
  bar.index = count_or_zero(number_or(event, "index", 0));
  bar.outcome = outcome;
  bar.start_s = at;
  bar.detail = string_or_empty(event, "reason");
  return bar;
}

// cache_restore, cache_download, cache_pack, cache_upload: each is written when it ends,
// with its duration.
TimelineBar cache_bar(const nlohmann::json& event, const std::string& operation, double at) {
  TimelineBar bar;
  bar.is_step = false;
  bar.name = "cache: " + operation + " " + string_or_empty(event, "stage");
  bar.duration_s = std::max(0.0, number_or(event, "duration_s", 0));
  bar.start_s = std::max(0.0, at - bar.duration_s);
  bool ok = event.value("ok", true);
  bool brings_back = operation == "restore" || operation == "download";
  bar.outcome = !ok ? StepOutcome::failed : brings_back ? StepOutcome::restored : StepOutcome::ran;
  bar.detail = string_or_empty(event, "message");
  return bar;
}

}  // namespace

std::string to_string(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::ran:
      return "ran";
    case StepOutcome::skipped:
      return "skipped";
    case StepOutcome::restored:
      return "restored";
    case StepOutcome::failed:
      return "failed";
    case StepOutcome::interrupted:
      return "interrupted";
  }
  return "ran";
}

size_t Timeline::count(StepOutcome outcome) const {
  return static_cast<size_t>(std::count_if(bars.begin(), bars.end(), [&](const TimelineBar& bar) {
    return bar.is_step && bar.outcome == outcome;
  }));
}

size_t Timeline::steps() const {
  return static_cast<size_t>(
      std::count_if(bars.begin(), bars.end(), [](const TimelineBar& bar) { return bar.is_step; }));
}

RunEvents last_run_events(const std::string& text) {
  RunEvents run;
  std::vector<std::string> lines = split_lines(text);
  for (size_t number = 1; number <= lines.size(); ++number) {
    const std::string& line = lines[number - 1];
    if (trim(line).empty()) continue;
    nlohmann::json event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object()) {
      // A line cut short (a full disk, a killed writer) loses one event, not the timeline.
      run.problems.push_back("line " + std::to_string(number) +
                             ": not a JSON object: " + line.substr(0, 60));
      continue;
    }
    if (event.value("event", "") == "run_start") {
      run.events.clear();
      run.problems.clear();
    }
    run.events.push_back(std::move(event));
  }
  return run;
}

Timeline timeline_of(const std::vector<nlohmann::json>& events) {
  Timeline timeline;
  std::optional<SystemTime> run_time;
  std::map<std::string, size_t> running;  // step -> its bar, between step_start and step_end
  double last = 0;
  for (const auto& event : events) {
    const std::string kind = event.value("event", "");
    const double at = elapsed_of(event, run_time);
    last = std::max(last, at);
    if (kind == "run_start") {
      timeline.recipe = string_or_empty(event, "recipe");
      timeline.started_at = string_or_empty(event, "time");
      run_time = parse_utc(timeline.started_at);
      timeline.total =
          count_or_zero(number_or(event, "total",
                                  number_or(event, "to_run", 0) + number_or(event, "to_skip", 0) +
                                      number_or(event, "to_restore", 0)));
    } else if (kind == "step_start") {
      TimelineBar bar = step_bar(event, StepOutcome::interrupted, at);
      bar.ended = false;
      running[bar.name] = timeline.bars.size();
      timeline.bars.push_back(std::move(bar));
    } else if (kind == "step_end") {
      std::string step = string_or_empty(event, "step");
      double duration = std::max(0.0, number_or(event, "duration_s", 0));
      auto open = running.find(step);
      if (open == running.end()) {  // its start was lost: place it by its end
        timeline.bars.push_back(step_bar(event, StepOutcome::ran, std::max(0.0, at - duration)));
        open = running.emplace(step, timeline.bars.size() - 1).first;
      }
      TimelineBar& bar = timeline.bars[open->second];
      running.erase(open);
      bar.outcome = outcome_of_status(string_or_empty(event, "status"));
      bar.duration_s = duration;
      bar.ended = true;
      if (bar.outcome != StepOutcome::ran) bar.detail = string_or_empty(event, "failure");
      bar.results = string_or_empty(event, "results");
    } else if (kind == "step_skip") {
      timeline.bars.push_back(step_bar(event, StepOutcome::skipped, at));
    } else if (kind == "step_restore") {
      timeline.bars.push_back(step_bar(event, StepOutcome::restored, at));
    } else if (kind.rfind("cache_", 0) == 0) {
      timeline.bars.push_back(cache_bar(event, kind.substr(6), at));
    } else if (kind == "run_end") {
      timeline.exit_code =
          static_cast<int>(std::clamp(number_or(event, "exit_code", 1), 0.0, 255.0));
    }
  }
  timeline.duration_s = last;
  for (const auto& bar : timeline.bars) {
    timeline.duration_s = std::max(timeline.duration_s, bar.start_s + bar.duration_s);
  }
  for (const auto& [step, index] : running) {
    TimelineBar& bar = timeline.bars[index];
    bar.duration_s = timeline.duration_s - bar.start_s;
    bar.detail = timeline.exit_code ? "no end recorded"
                                    : "no end recorded: the run was killed (or is still running)";
  }
  return timeline;
}

nlohmann::json timeline_json(const Timeline& timeline) {
  nlohmann::json bars = nlohmann::json::array();
  for (const auto& bar : timeline.bars) {
    bars.push_back({{"name", bar.name},
                    {"kind", bar.is_step ? "step" : "cache"},
                    {"index", bar.index},
                    {"outcome", to_string(bar.outcome)},
                    {"start_s", bar.start_s},
                    {"duration_s", bar.duration_s},
                    {"ended", bar.ended},
                    {"detail", bar.detail},
                    {"results", bar.results}});
  }
  nlohmann::json out = {{"recipe", timeline.recipe},         {"started_at", timeline.started_at},
                        {"duration_s", timeline.duration_s}, {"exit_code", nullptr},
                        {"total", timeline.total},           {"bars", bars},
                        {"problems", timeline.problems}};
  if (timeline.exit_code) out["exit_code"] = *timeline.exit_code;
  return out;
}

std::vector<double> time_ticks(double end_s, size_t max_ticks) {
  static constexpr std::array<double, 20> kSteps = {0.1,  0.2,  0.5,  1,     2,     5,    10,
                                                    15,   30,   60,   120,   300,   600,  900,
                                                    1800, 3600, 7200, 10800, 21600, 43200};
  end_s = std::max(end_s, 1e-3);
  max_ticks = std::max<size_t>(max_ticks, 1);
  double step = kSteps.back();
  for (double candidate : kSteps) {
    if (std::ceil(end_s / candidate - 1e-9) <= static_cast<double>(max_ticks)) {
      step = candidate;
      break;
    }
  }
  auto count = static_cast<size_t>(std::max(1.0, std::ceil(end_s / step - 1e-9)));
  std::vector<double> ticks;
  for (size_t i = 0; i <= count; ++i) ticks.push_back(static_cast<double>(i) * step);
  return ticks;
}

std::string tick_label(double seconds) {
  if (seconds <= 0) return "0";
  if (seconds < 60) return fmt::format("{:g}s", seconds);
  auto whole = static_cast<long long>(std::llround(seconds));
  if (whole < 3600) {
    return whole % 60 == 0 ? fmt::format("{}m", whole / 60)
                           : fmt::format("{}m{}s", whole / 60, whole % 60);
  }
  long long minutes = (whole % 3600) / 60;
  return minutes == 0 ? fmt::format("{}h", whole / 3600)
                      : fmt::format("{}h{}m", whole / 3600, minutes);
}

}  // namespace ssdbuild
