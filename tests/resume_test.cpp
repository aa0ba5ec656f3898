// Resume rules, driven through the real binary: what a second run skips and re-runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

// Each step appends its name to `counter`, so the file tells which steps ran.
const char* kRecipe = R"(name: resume
vars:
  message: first
stages:
  - name: setup
    steps:
      - name: a
        run: echo a >> counter
      - name: b
        run: echo b-${message} >> counter
      - name: c
        run: echo c >> counter
  - name: build
    steps:
      - name: d
        scope: persistent
        run: echo d >> counter; touch made-by-d
        creates: made-by-d
      - name: e
        scope: persistent
        run: echo e >> counter
)";

class ResumeTest : public ::testing::Test {
 protected:
  void SetUp() override { write_text(dir_ / "recipe.yaml", kRecipe); }

  CommandResult run(std::vector<std::string> extra = {}, const std::string& boot = "boot-1") {
    std::vector<std::string> arguments = {"run", "recipe.yaml", "--state-dir", "state"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_ssdbuild(arguments, dir_.path(), {{"SSDBUILD_BOOT_ID", boot}});
  }

  // The lines the counter got since the last call.
  std::string ran() {
    std::string all = read_text(dir_ / "counter");
    std::string fresh = all.substr(seen_);
    seen_ = all.size();
    return fresh;
  }

  TempDir dir_;
  size_t seen_ = 0;
};

TEST_F(ResumeTest, FirstRunExecutesEveryStepInOrder) {
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(ran(), "a\nb-first\nc\nd\ne\n");
}

TEST_F(ResumeTest, SecondRunExecutesNothing) {
  ASSERT_EQ(run().exit_code, 0);
  ran();
  auto second = run();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(ran(), "");
  EXPECT_THAT(second.output, HasSubstr("skip: done"));
  EXPECT_THAT(second.output,
              HasSubstr("0 step(s) ran, " + std::to_string(steps_in(kRecipe)) + " skipped"));
}

TEST_F(ResumeTest, ChangedStepRerunsWithEverythingAfterItAndNothingBefore) {
  ASSERT_EQ(run().exit_code, 0);
  ran();
  auto changed = run({"--set", "message=second"});
  ASSERT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_EQ(ran(), "b-second\nc\nd\ne\n");
  EXPECT_THAT(changed.output, HasSubstr("setup/b  (run: definition changed)"));
  EXPECT_THAT(changed.output, HasSubstr("setup/c  (run: a step it depends on changed)"));
}

TEST_F(ResumeTest, EditingTheRecipeFileRerunsTheEditedStep) {
  ASSERT_EQ(run().exit_code, 0);
  ran();
  std::string edited = kRecipe;
  edited.replace(edited.find("echo e >> counter"), 17, "echo E >> counter");
  write_text(dir_ / "recipe.yaml", edited);
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(ran(), "E\n");
}

TEST_F(ResumeTest, NewBootRerunsSystemStepsButNotPersistentOnes) {
  ASSERT_EQ(run({}, "boot-1").exit_code, 0);
  ran();
  auto after_reset = run({}, "boot-2");
  ASSERT_EQ(after_reset.exit_code, 0) << after_reset.output;
  EXPECT_EQ(ran(), "a\nb-first\nc\n");
  EXPECT_THAT(after_reset.output, HasSubstr("run: machine was reset (system scope)"));
  EXPECT_THAT(after_reset.output, HasSubstr("build/d  (skip: done"));
}

TEST_F(ResumeTest, MissingCreatesPathRerunsItsStepAndWhatFollows) {
  ASSERT_EQ(run().exit_code, 0);
  ran();
  std::filesystem::remove(dir_ / "made-by-d");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(ran(), "d\ne\n");
  EXPECT_THAT(result.output,
              HasSubstr("run: creates " + (dir_ / "made-by-d").string() + " missing"));
}

TEST_F(ResumeTest, FailedCheckRerunsTheStep) {
  write_text(dir_ / "recipe.yaml", R"(name: checked
stages:
  - name: only
    steps:
      - name: flag
        run: echo ran >> counter; touch flag
        check: test -e flag
)");
  ASSERT_EQ(run().exit_code, 0);
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(ran(), "ran\n");
  std::filesystem::remove(dir_ / "flag");
  auto result = run();
  EXPECT_EQ(ran(), "ran\n");
  EXPECT_THAT(result.output, HasSubstr("run: check failed"));
}

TEST_F(ResumeTest, ForceRerunsTheStepAndItsDependents) {
  ASSERT_EQ(run().exit_code, 0);
  ran();
  ASSERT_EQ(run({"--force", "setup/c"}).exit_code, 0);
  EXPECT_EQ(ran(), "c\nd\ne\n");
  ASSERT_EQ(run({"--force", "build"}).exit_code, 0);
  EXPECT_EQ(ran(), "d\ne\n");
}

TEST_F(ResumeTest, FromToAndOnlySelectSteps) {
  ASSERT_EQ(run({"--only", "build"}).exit_code, 0);
  EXPECT_EQ(ran(), "d\ne\n");
  ASSERT_EQ(run({"--from", "setup/b", "--to", "setup/b"}).exit_code, 0);
  EXPECT_EQ(ran(), "b-first\n");
  auto bad = run({"--from", "setup/x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output,
              HasSubstr("--from setup/x: no such stage or step (did you mean `setup/a`?)"));
}

TEST_F(ResumeTest, WhenFalseSkipsAndChangingItRunsTheStep) {
  write_text(dir_ / "recipe.yaml", R"(name: conditional
vars:
  enable: "no"
stages:
  - name: only
    steps:
      - name: maybe
        when: enable == "yes" and facts.cpu.count >= 1
        run: echo maybe >> counter
      - name: always
        run: echo always >> counter
)");
  auto first = run();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(ran(), "always\n");
  EXPECT_THAT(first.output, HasSubstr("skip: `when` is false"));
  ASSERT_EQ(run({"--set", "enable=yes"}).exit_code, 0);
  EXPECT_EQ(ran(), "maybe\nalways\n");
}

TEST_F(ResumeTest, StatusJsonDescribesEveryStepAndTheNextRun) {
  ASSERT_EQ(run({"--to", "setup/b"}).exit_code, 0);
  auto status = run_ssdbuild({"status", "recipe.yaml", "--state-dir", "state", "--json"},
                             dir_.path(), {{"SSDBUILD_BOOT_ID", "boot-1"}});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  auto document = nlohmann::json::parse(status.output);
  EXPECT_EQ(document["format"], 1);
  EXPECT_EQ(document["recipe"], "resume");
  ASSERT_EQ(document["steps"].size(), 5u);
  EXPECT_EQ(document["steps"][0]["id"], "setup/a");
  EXPECT_EQ(document["steps"][0]["status"], "done");
  EXPECT_EQ(document["steps"][0]["next"], "skip");
  EXPECT_EQ(document["steps"][2]["status"], "pending");
  EXPECT_EQ(document["steps"][2]["next"], "run");
  EXPECT_EQ(document["steps"][2]["reason"], "run: never ran");
  EXPECT_EQ(document["summary"]["done"], 2);
  EXPECT_EQ(document["summary"]["to_run"], 3);
}

TEST_F(ResumeTest, ResetForgetsAStepAndWhatDependsOnIt) {
  ASSERT_EQ(run().exit_code, 0);
  ran();
  auto reset = run_ssdbuild({"reset", "setup/c", "--recipe", "recipe.yaml", "--state-dir", "state"},
                            dir_.path(), {{"SSDBUILD_BOOT_ID", "boot-1"}});
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(reset.output, HasSubstr("reset 3 step(s): setup/c, build/d, build/e"));
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(ran(), "c\nd\ne\n");
}

}  // namespace
}  // namespace ssdbuild::testing
