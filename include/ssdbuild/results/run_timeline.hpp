#pragma once
// One run, read back from its events (events.jsonl, or what `run` appended itself): a bar
// per step it reached, ran, skipped, restored, failed or interrupted, and one per stage
// cache operation (a restore, a pack, a download, an upload), placed on the run's time
// axis. `report --timeline` draws it; the table at the end of `run` lists it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssdbuild {

enum class StepOutcome { ran, skipped, restored, failed, interrupted };

std::string to_string(StepOutcome outcome);

struct TimelineBar {
  std::string name;  // "build/caffe", or "cache: pack build"
  bool is_step = true;
  size_t index = 0;  // the step's 1-based place in the plan; 0 when not known
  StepOutcome outcome = StepOutcome::ran;
  double start_s = 0;  // since the run started
  double duration_s = 0;
  bool ended = true;    // false: it started, and the events end before it did (a killed run)
  std::string detail;   // the reason it ran or was skipped, how it failed
  std::string results;  // a bench step's record file
};

struct Timeline {
  std::string recipe;
  std::string started_at;             // UTC, as the run_start event says
  double duration_s = 0;              // to run_end, or else to the last event
  std::optional<int> exit_code;       // none: the events end before run_end (killed, or running)
  size_t total = 0;                   // the steps in the run's plan; 0 when not known
  std::vector<TimelineBar> bars;      // in the order the run reached them
  std::vector<std::string> problems;  // events.jsonl lines that could not be read

  /// How many step bars (not cache operations) have `outcome`.
  size_t count(StepOutcome outcome) const;
  /// The step bars.
  size_t steps() const;
};

/// The events of the last run in events.jsonl's `text`: its last run_start line and what
/// follows. Lines that are not JSON objects are left out and named ("line 12: ...") in
/// `problems`.
struct RunEvents {
  std::vector<nlohmann::json> events;
  std::vector<std::string> problems;
};
RunEvents last_run_events(const std::string& text);

/// The timeline of one run's events, its run_start first. Events of older versions, with no
/// `elapsed_s`, are placed by their `time` (to the second).
Timeline timeline_of(const std::vector<nlohmann::json>& events);

/// The timeline as JSON (`report --timeline --json`): the run's fields and `bars`, each with
/// name, kind (step or cache), index, outcome, start_s, duration_s, ended, detail, results.
nlohmann::json timeline_json(const Timeline& timeline);

/// Round tick values (seconds) for a time axis from 0 that covers `end_s`: 0 and multiples of
/// 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min or hours, at most `max_ticks` + 1 of
/// them; the last one is at or beyond `end_s`.
std::vector<double> time_ticks(double end_s, size_t max_ticks);

/// A tick's label: "0", "30s", "5m", "1h30m".
std::string tick_label(double seconds);

}  // namespace ssdbuild
