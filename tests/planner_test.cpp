// The planner's decisions, made in-process through the StepProbe seam: what a done step
// finds on the machine (its creates, its action's effect, its check) is answered by a fake,
// so that each rule is tested alone, without files or children.
#include "ssdbuild/plan/planner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/recipe/loader.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Answers for every step: these paths are missing, this effect is gone, checks pass or not.
struct FakeProbe : StepProbe {
  std::vector<std::string> missing;
  std::string gone;
  bool checks_pass = true;
  std::vector<std::string> missing_creates(const PlannedStep&) const override { return missing; }
  bool check_passes(const PlannedStep&, const SignalWatcher*, LineSink*) const override {
    return checks_pass;
  }
  std::string effect_missing(const PlannedStep&) const override { return gone; }
};

const char* kRecipe = R"(name: demo
stages:
  - name: build
    steps:
      - name: compile
        run: make
        check: test -x app
      - name: install
        run: make install
)";

class PlannerTest : public ::testing::Test {
 protected:
  Plan plan(const std::string& text = kRecipe) {
    recipe_ = load_recipe_text(text, "recipe.yaml");
    variables_ = std::make_unique<VariableScope>(recipe_, KeyValueList{}, facts_, dir_.path());
    PlanOptions options;
    options.probe = &probe_;
    return make_plan(recipe_, *variables_, state_, "boot-1", options);
  }

  // Records every step of `done_plan` as done on boot-1, as a run would.
  void mark_done(const Plan& done_plan) {
    for (const auto& step : done_plan.steps) {
      start_step_record(state_.record(step.id), step, StepStatus::done, "boot-1");
    }
  }

  std::vector<std::string> reasons(const Plan& planned) {
    std::vector<std::string> result;
    for (const auto& step : planned.steps) result.push_back(step.reason);
    return result;
  }

  TempDir dir_;
  FakeProbe probe_;
  Facts facts_;
  StateStore state_{StateLayout{dir_ / "state"}};
  Recipe recipe_;
  std::unique_ptr<VariableScope> variables_;
};

TEST_F(PlannerTest, NeverRunStepsRun) {
  EXPECT_THAT(reasons(plan()), ElementsAre("run: never ran", "run: never ran"));
}

TEST_F(PlannerTest, DoneStepsWhoseWorkIsThereAreSkipped) {
  mark_done(plan());
  auto again = plan();
  EXPECT_THAT(again.steps, Each(Field(&PlannedStep::decision, Decision::skip)));
  EXPECT_THAT(again.steps[0].reason, StartsWith("skip: done"));
}

TEST_F(PlannerTest, AMissingCreatesRunsTheStepAndWhatComesAfter) {
  mark_done(plan());
  probe_.missing = {"/srv/demo/caffe"};
  EXPECT_THAT(reasons(plan()), ElementsAre("run: creates /srv/demo/caffe missing",
                                           "run: depends on build/compile, which runs"));
}

TEST_F(PlannerTest, AnActionWhoseEffectIsGoneRunsAgain) {
  mark_done(plan());
  probe_.gone = "patch op 1 is no longer applied";
  EXPECT_THAT(plan().steps[0].reason, "run: patch op 1 is no longer applied");
}

TEST_F(PlannerTest, AFailingCheckRunsTheStepAgain) {
  mark_done(plan());
  probe_.checks_pass = false;
  EXPECT_EQ(plan().steps[0].reason, "run: check failed");
}

// The edit is the news: a failed step that was changed says so, not "failed last time".
TEST_F(PlannerTest, AFailedStepThatWasEditedSaysItsDefinitionChanged) {
  Plan first = plan();
  StepRecord& record = state_.record("build/compile");
  start_step_record(record, first.steps[0], StepStatus::failed, "boot-1");
  record.failure = "exit 2";
  EXPECT_EQ(plan().steps[0].reason, "run: failed last time (exit 2)");
  std::string edited = kRecipe;
  edited.replace(edited.find("run: make\n"), 10, "run: make -j2\n");
  EXPECT_EQ(plan(edited).steps[0].reason, "run: definition changed (it failed last time)");
}

TEST_F(PlannerTest, AnActionsOwnOutputCountsAsCreates) {
  Plan planned = plan(R"(name: demo
stages:
  - name: source
    steps:
      - git: {url: "https://example.invalid/caffe.git", ref: ssd, dest: caffe}
      - copy: {from: a, to: b}
      - fetch: {url: "https://example.invalid/boost.tar.gz", sha256: first-use, dest: boost.tar.gz}
      - extract: {archive: boost.tar.gz, dest: boost}
)");
  EXPECT_THAT(creates_of(planned.steps[0]), ElementsAre((dir_ / "caffe").string()));
  EXPECT_THAT(creates_of(planned.steps[1]), ElementsAre((dir_ / "b").string()));
  EXPECT_THAT(creates_of(planned.steps[2]), ElementsAre((dir_ / "boost.tar.gz").string()));
  EXPECT_THAT(creates_of(planned.steps[3]), ElementsAre((dir_ / "boost").string()));
  // Real files this time: the deleted checkout makes the done step run again.
  mark_done(planned);
  std::filesystem::create_directories(dir_ / "b");
  PlanOptions options;
  Plan real = make_plan(recipe_, *variables_, state_, "boot-1", options);
  EXPECT_EQ(real.steps[0].reason, "run: creates " + (dir_ / "caffe").string() + " missing");
  EXPECT_THAT(real.steps[1].reason, HasSubstr("depends on source/git-caffe"));
}

}  // namespace
}  // namespace ssdbuild::testing
