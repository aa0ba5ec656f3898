// `optional: true` steps, and the outputs of steps whose `when` is false, through the real
// binary and through `plan | bash`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

// `broken` fails halfway until `fixed` exists (its `touch` must not run before); `after`
// counts its runs; `unused`
// is a fetch that is switched off, whose path `report` reads.
const char* kRecipe = R"(name: optional-steps
vars:
  with_fetch: "false"
stages:
  - name: s
    steps:
      - name: broken
        optional: true
        run: |
          test -f fixed
          touch half-done
      - name: after
        run: echo ran >> after.count
      - name: unused
        when: with_fetch == "true"
        fetch: {url: "file:///nonexistent/weights.bin", sha256: first-use}
      - name: report
        run: echo "path=[${steps.unused.path}]" > report.txt
)";

class OptionalStep : public ::testing::Test {
 protected:
  void SetUp() override { write_text(dir_ / "recipe.yaml", kRecipe); }
  CommandResult run() {
    return run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir_.path());
  }
  TempDir dir_;
};

TEST_F(OptionalStep, AFailureIsRecordedAndTheRunGoesOn) {
  auto first = run();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("FAILED: s/broken"));
  EXPECT_THAT(first.output, HasSubstr("s/broken is optional: the run goes on without it"));
  EXPECT_THAT(first.output, HasSubstr("(optional, failed: s/broken)"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "half-done"));
  EXPECT_EQ(read_text(dir_ / "after.count"), "ran\n");
  auto state = nlohmann::json::parse(read_text(dir_ / "state/state.json"));
  EXPECT_EQ(state["steps"]["s/broken"]["status"], "failed") << state.dump(2);
  EXPECT_EQ(state["steps"]["s/after"]["status"], "done");

  // The failed step is tried again; what comes after it is done and stays done.
  auto second = run();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(without_counters(second.output), HasSubstr("==> s/broken"));
  EXPECT_EQ(read_text(dir_ / "after.count"), "ran\n");

  // Once it succeeds, what depends on it runs again, in the same run.
  write_text(dir_ / "fixed", "");
  auto third = run();
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "half-done"));
  EXPECT_THAT(third.output, HasSubstr("s/after  (run: s/broken (optional) succeeded this time)"));
  EXPECT_EQ(read_text(dir_ / "after.count"), "ran\nran\n");
  auto fourth = run();
  ASSERT_EQ(fourth.exit_code, 0) << fourth.output;
  EXPECT_THAT(fourth.output, HasSubstr("0 step(s) ran"));
}

TEST_F(OptionalStep, ASwitchedOffStepGivesEmptyOutputs) {
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(read_text(dir_ / "report.txt"), "path=[]\n");
}

TEST_F(OptionalStep, PlanScriptReportsTheFailureKeepsSetEAndGoesOn) {
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir_.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir_ / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh", dir_.path());
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  EXPECT_THAT(by_hand.output,
              HasSubstr("optional step s/broken failed (exit 1); going on without it"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "half-done"));
  EXPECT_EQ(read_text(dir_ / "after.count"), "ran\n");
  EXPECT_EQ(read_text(dir_ / "report.txt"), "path=[]\n");
}

TEST(OptionalStepValidation, OptionalMustBeABoolean) {
  TempDir dir;
  write_text(
      dir / "recipe.yaml",
      "name: x\nstages:\n  - name: s\n    steps:\n      - run: 'true'\n        optional: maybe\n");
  auto result = run_ssdbuild({"validate", "recipe.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("recipe.yaml:6:19: error: `optional` is true or false, not `maybe`"));
}

}  // namespace
}  // namespace ssdbuild::testing
