// A run read back from its events, and its text forms: the timeline's bars and the summary
// table. The CLI-level tests (run_output_test) read real runs; these pin each rule.
#include "ssdbuild/results/run_timeline.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/results/timeline_format.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

using ::testing::HasSubstr;

using nlohmann::json;

json run_start(size_t total) {
  return {{"event", "run_start"}, {"recipe", "r"},  {"time", "2026-12-01T10:00:00Z"},
          {"elapsed_s", 0},       {"total", total}, {"to_run", total},
          {"to_skip", 0},         {"to_restore", 0}};
}

json step(const std::string& kind, const std::string& id, size_t index, double at) {
  return {{"event", kind},   {"step", id},
          {"index", index},  {"total", 4},
          {"elapsed_s", at}, {"reason", kind == "step_skip" ? "skip: done" : "run: never ran"}};
}

json step_end(const std::string& id, size_t index, const std::string& status, double at,
              double duration) {
  return {{"event", "step_end"},    {"step", id},
          {"index", index},         {"total", 4},
          {"elapsed_s", at},        {"status", status},
          {"duration_s", duration}, {"failure", status == "done" ? "" : "exit 2"}};
}

TEST(RunTimeline, StepsGetTheirOutcomesPlacesAndDurations) {
  std::vector<json> events = {run_start(4),
                              step("step_skip", "a/one", 1, 0.1),
                              step("step_restore", "a/two", 2, 0.2),
                              step("step_start", "b/three", 3, 0.3),
                              step_end("b/three", 3, "done", 60.3, 60),
                              step("step_start", "b/four", 4, 60.4),
                              step_end("b/four", 4, "failed", 70.4, 10),
                              {{"event", "run_end"}, {"exit_code", 1}, {"elapsed_s", 70.5}}};
  Timeline timeline = timeline_of(events);
  EXPECT_EQ(timeline.recipe, "r");
  EXPECT_EQ(timeline.started_at, "2026-12-01T10:00:00Z");
  EXPECT_EQ(timeline.total, 4u);
  EXPECT_EQ(timeline.exit_code, 1);
  EXPECT_DOUBLE_EQ(timeline.duration_s, 70.5);
  ASSERT_EQ(timeline.bars.size(), 4u);
  EXPECT_EQ(timeline.bars[0].outcome, StepOutcome::skipped);
  EXPECT_EQ(timeline.bars[1].outcome, StepOutcome::restored);
  EXPECT_EQ(timeline.bars[2].outcome, StepOutcome::ran);
  EXPECT_DOUBLE_EQ(timeline.bars[2].start_s, 0.3);
  EXPECT_DOUBLE_EQ(timeline.bars[2].duration_s, 60);
  EXPECT_EQ(timeline.bars[3].outcome, StepOutcome::failed);
  EXPECT_EQ(timeline.bars[3].detail, "exit 2");
  EXPECT_EQ(timeline.count(StepOutcome::ran), 1u);
  EXPECT_EQ(outcome_counts(timeline), "1 ran, 1 restored, 1 skipped, 1 failed");
}

TEST(RunTimeline, AStepWithNoEndReachesTheLastEventAndSaysTheRunWasKilled) {
  std::vector<json> events = {run_start(4), step("step_start", "a/one", 1, 0.1),
                              step_end("a/one", 1, "done", 5.1, 5),
                              step("step_start", "a/two", 2, 5.2)};
  Timeline timeline = timeline_of(events);
  EXPECT_FALSE(timeline.exit_code.has_value());
  ASSERT_EQ(timeline.bars.size(), 2u);
  const TimelineBar& killed = timeline.bars[1];
  EXPECT_FALSE(killed.ended);
  EXPECT_EQ(killed.outcome, StepOutcome::interrupted);
  EXPECT_DOUBLE_EQ(killed.start_s, 5.2);
  EXPECT_THAT(killed.detail, HasSubstr("killed"));
  std::string text = format_timeline(timeline);
  EXPECT_THAT(text, HasSubstr("no end recorded (killed, or still running)"));
}

TEST(RunTimeline, CacheOperationsAreBarsThatEndWhenTheirEventIsWritten) {
  std::vector<json> events = {run_start(1),
                              {{"event", "cache_restore"},
                               {"stage", "app"},
                               {"ok", true},
                               {"duration_s", 2.5},
                               {"elapsed_s", 3.0},
                               {"message", "12 files"},
                               {"key", "k"}},
                              {{"event", "cache_pack"},
                               {"stage", "lib"},
                               {"ok", false},
                               {"duration_s", 1},
                               {"elapsed_s", 9.0},
                               {"message", "disk full"},
                               {"key", "k"}}};
  Timeline timeline = timeline_of(events);
  ASSERT_EQ(timeline.bars.size(), 2u);
  EXPECT_FALSE(timeline.bars[0].is_step);
  EXPECT_EQ(timeline.bars[0].name, "cache: restore app");
  EXPECT_EQ(timeline.bars[0].outcome, StepOutcome::restored);
  EXPECT_DOUBLE_EQ(timeline.bars[0].start_s, 0.5);
  EXPECT_EQ(timeline.bars[1].name, "cache: pack lib");
  EXPECT_EQ(timeline.bars[1].outcome, StepOutcome::failed);
  EXPECT_EQ(timeline.steps(), 0u);
}

TEST(RunTimeline, EventsOfOlderVersionsArePlacedByTheirTime) {
  std::vector<json> events = {
      {{"event", "run_start"},
       {"time", "2026-12-01T10:00:00Z"},
       {"to_run", 1},
       {"to_skip", 1},
       {"to_restore", 0}},
      {{"event", "step_skip"}, {"step", "a/one"}, {"time", "2026-12-01T10:00:00Z"}},
      {{"event", "step_start"}, {"step", "a/two"}, {"time", "2026-12-01T10:00:01Z"}},
      {{"event", "step_end"},
       {"step", "a/two"},
       {"status", "done"},
       {"duration_s", 90.0},
       {"time", "2026-12-01T10:01:31Z"}},
      {{"event", "run_end"}, {"exit_code", 0}, {"time", "2026-12-01T10:01:31Z"}}};
  Timeline timeline = timeline_of(events);
  EXPECT_EQ(timeline.total, 2u);  // to_run + to_skip + to_restore
  ASSERT_EQ(timeline.bars.size(), 2u);
  EXPECT_DOUBLE_EQ(timeline.bars[1].start_s, 1);
  EXPECT_DOUBLE_EQ(timeline.duration_s, 91);
  EXPECT_EQ(bar_label(timeline, timeline.bars[1]), "a/two");  // no index: no counter
}

TEST(LastRunEvents, StartAtTheLastRunStartAndNameLinesThatAreNotJson) {
  std::string text = run_start(1).dump() + "\n" + step("step_skip", "a/old", 1, 0).dump() + "\n" +
                     run_start(2).dump() + "\n{\"event\": \"step_sk\n" +
                     step("step_skip", "a/new", 1, 0).dump() + "\n\n";
  RunEvents run = last_run_events(text);
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0]["total"], 2);
  EXPECT_EQ(run.events[1]["step"], "a/new");
  ASSERT_EQ(run.problems.size(), 1u);
  EXPECT_EQ(run.problems[0].rfind("line 4: not a JSON object", 0), 0u) << run.problems[0];
}

TEST(TimeTicks, RoundStepsFromZeroThatCoverTheRun) {
  EXPECT_EQ(time_ticks(1.6, 4), (std::vector<double>{0, 0.5, 1, 1.5, 2}));
  EXPECT_EQ(time_ticks(2400, 4), (std::vector<double>{0, 600, 1200, 1800, 2400}));
  EXPECT_EQ(time_ticks(2401, 4), (std::vector<double>{0, 900, 1800, 2700}));
  EXPECT_EQ(time_ticks(0, 4), (std::vector<double>{0, 0.1}));
  for (double end : {0.05, 7.0, 59.0, 61.0, 3599.0, 9000.0, 86000.0}) {
    std::vector<double> ticks = time_ticks(end, 5);
    EXPECT_LE(ticks.size(), 6u) << end;
    EXPECT_GE(ticks.back(), end) << end;
    EXPECT_LT(ticks[ticks.size() - 2], end) << end;
  }
  EXPECT_EQ(tick_label(0), "0");
  EXPECT_EQ(tick_label(1.5), "1.5s");
  EXPECT_EQ(tick_label(900), "15m");
  EXPECT_EQ(tick_label(90), "1m30s");
  EXPECT_EQ(tick_label(5400), "1h30m");
}

TEST(FormatTimeline, OneLinePerBarWithItsCharactersOnTheAxis) {
  std::vector<json> events = {run_start(2),
                              step("step_skip", "a/one", 1, 0),
                              step("step_start", "a/two", 2, 0),
                              step_end("a/two", 2, "done", 40, 40),
                              {{"event", "run_end"}, {"exit_code", 0}, {"elapsed_s", 40}}};
  Timeline timeline = timeline_of(events);
  std::vector<std::string> lines = split_lines(format_timeline(timeline, 40));
  ASSERT_EQ(lines.size(), 5u) << format_timeline(timeline, 40);
  EXPECT_EQ(lines[0], "r: the run of 2026-12-01T10:00:00Z, 40.0s, exit 0, 2 of 2 steps reached");
  EXPECT_EQ(lines[1], "             0         10s       20s       30s       40s");
  EXPECT_EQ(lines[2], "[1/2] a/one |." + std::string(39, ' ') + "| skipped     -");
  EXPECT_EQ(lines[3], "[2/2] a/two |" + std::string(40, '#') + "| ran         40.0s");
  EXPECT_EQ(lines[4].rfind("legend: # ran", 0), 0u) << lines[4];
}

TEST(FormatRunSummary, ListsEachBarThenTheTotal) {
  std::vector<json> events = {run_start(2),
                              step("step_skip", "a/one", 1, 0),
                              step("step_start", "a/two", 2, 0),
                              step_end("a/two", 2, "interrupted", 3, 3),
                              {{"event", "run_end"}, {"exit_code", 130}, {"elapsed_s", 3.2}}};
  std::vector<std::string> lines = split_lines(format_run_summary(timeline_of(events)));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "step         outcome     time");
  EXPECT_EQ(lines[1], "[1/2] a/one  skipped     -");
  EXPECT_EQ(lines[2], "[2/2] a/two  interrupted 3.0s  (exit 2)");
  EXPECT_EQ(lines[3], "total        1 skipped, 1 interrupted  3.2s (exit 130)");
}

}  // namespace
}  // namespace ssdbuild
