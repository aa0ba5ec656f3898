// A run's counters and estimates: from the plan and the durations state.json recorded when
// each step last succeeded, taken before the run overwrites them.
#include "ssdbuild/exec/run_progress.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild {
namespace {

using testing::TempDir;

class RunProgressTest : public ::testing::Test {
 protected:
  void add_step(const std::string& id, Decision decision) {
    PlannedStep step;
    step.id = id;
    step.decision = decision;
    plan_.steps.push_back(std::move(step));
  }
  void record(const std::string& id, StepStatus status, double seconds) {
    StepRecord& record = state_.record(id);
    record.status = status;
    record.duration_s = seconds;
  }

  TempDir dir_;
  StateStore state_{StateLayout{dir_.path()}};
  Plan plan_;
};

TEST_F(RunProgressTest, LabelsCountEveryStepOfThePlan) {
  for (const char* id : {"a/one", "a/two", "b/three"}) add_step(id, Decision::run);
  RunProgress progress(plan_, state_);
  EXPECT_EQ(progress.total(), 3u);
  EXPECT_EQ(progress.label(0), "[1/3] a/one");
  EXPECT_EQ(progress.label(2), "[3/3] b/three");
  EXPECT_EQ(progress.event_fields(1), nlohmann::json({{"index", 2}, {"total", 3}}));
}

TEST_F(RunProgressTest, EstimatesComeOnlyFromSuccessesAndSurviveTheRunsOwnWrites) {
  add_step("a/done", Decision::run);
  add_step("a/failed", Decision::run);
  add_step("a/interrupted", Decision::run);
  add_step("a/restored", Decision::run);
  add_step("a/new", Decision::run);
  record("a/done", StepStatus::done, 750);
  record("a/failed", StepStatus::failed, 12);
  record("a/interrupted", StepStatus::interrupted, 30);
  record("a/restored", StepStatus::done, 0);  // a restore records no time of its own
  RunProgress progress(plan_, state_);
  record("a/done", StepStatus::running, 0);  // what the run writes when the step starts
  ASSERT_TRUE(progress.estimate(0).has_value());
  EXPECT_DOUBLE_EQ(progress.estimate(0)->count(), 750);
  EXPECT_FALSE(progress.estimate(1).has_value());
  EXPECT_FALSE(progress.estimate(2).has_value());
  EXPECT_FALSE(progress.estimate(3).has_value());
  EXPECT_FALSE(progress.estimate(4).has_value());
}

TEST_F(RunProgressTest, RemainingWorkCountsOnlyTheStepsThePlanRuns) {
  add_step("a/one", Decision::run);
  add_step("a/skipped", Decision::skip);
  add_step("a/two", Decision::run);
  add_step("a/three", Decision::run);
  record("a/one", StepStatus::done, 10);
  record("a/skipped", StepStatus::done, 1000);
  record("a/two", StepStatus::done, 20);
  RunProgress progress(plan_, state_);
  RemainingWork all = progress.remaining(0);
  EXPECT_DOUBLE_EQ(all.known.count(), 30);
  EXPECT_EQ(all.unknown, 1u);
  RemainingWork last = progress.remaining(3);
  EXPECT_DOUBLE_EQ(last.known.count(), 0);
  EXPECT_EQ(last.unknown, 1u);
}

TEST(StartNote, SaysTheElapsedTimeTheStepsEtaAndTheRunsWhenMoreFollows) {
  EXPECT_EQ(start_note(Seconds(190), std::nullopt, {}), "elapsed 3m10s");
  EXPECT_EQ(start_note(Seconds(190), Seconds(750), {Seconds(750), 0}),
            "elapsed 3m10s, ETA 12m30s (last run)");
  EXPECT_EQ(start_note(Seconds(190), Seconds(750), {Seconds(1500), 0}),
            "elapsed 3m10s, ETA 12m30s (last run), run ETA 25m00s");
  // Steps without a record make the run's figure a lower bound.
  EXPECT_EQ(start_note(Seconds(190), Seconds(750), {Seconds(1500), 2}),
            "elapsed 3m10s, ETA 12m30s (last run), run ETA over 25m00s");
  EXPECT_EQ(start_note(Seconds(5), std::nullopt, {Seconds(60), 1}), "elapsed 5.0s, run ETA 1m00s");
  EXPECT_EQ(start_note(Seconds(5), std::nullopt, {Seconds(60), 3}),
            "elapsed 5.0s, run ETA over 1m00s");
}

TEST(HeartbeatText, CountsDownToTheEstimateThenSaysItIsPastIt) {
  EXPECT_EQ(heartbeat_text(Seconds(300), std::nullopt), "still running: 5m00s");
  EXPECT_EQ(heartbeat_text(Seconds(300), Seconds(750)),
            "still running: 5m00s, ETA 7m30s (took 12m30s last run)");
  EXPECT_EQ(heartbeat_text(Seconds(780), Seconds(750)),
            "still running: 13m00s (took 12m30s last run)");
}

}  // namespace
}  // namespace ssdbuild
