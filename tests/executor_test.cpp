// Executor::run_step in-process: a stand-in action and the StepProbe seam decide how each
// attempt ends, so that the bookkeeping (record, retries, how a failure is named) is tested
// without spawning ssdbuild.
#include "ssdbuild/exec/executor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/recipe/loader.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Fails its first `failures` calls with exit 2, then succeeds.
class StandInAction : public Action {
 public:
  explicit StandInAction(int failures) : failures_(failures) {}
  std::string fingerprint_text() const override { return "stand-in"; }
  std::string shell_commands() const override { return "true\n"; }
  ActionOutcome execute(const StepContext& context) const override {
    ++calls;
    context.say("stand-in call " + std::to_string(calls));
    if (calls > failures_) return ActionOutcome::succeeded();
    ActionOutcome outcome;
    outcome.process.started = true;
    outcome.process.exit_code = 2;
    return outcome;
  }
  mutable int calls = 0;

 private:
  int failures_;
};

struct FakeProbe : StepProbe {
  std::vector<std::string> missing;
  bool checks_pass = true;
  std::vector<std::string> missing_creates(const PlannedStep&) const override { return missing; }
  bool check_passes(const PlannedStep&, const SignalWatcher*, LineSink*) const override {
    return checks_pass;
  }
};

class ExecutorTest : public ::testing::Test {
 protected:
  // Plans a one-step recipe and gives the step a stand-in action.
  StandInAction& prepare(int failures, const std::string& extra = "") {
    recipe_ = load_recipe_text(
        "name: demo\nstages:\n  - name: s\n    steps:\n      - name: step\n"
        "        run: make\n" +
            extra,
        "recipe.yaml");
    VariableScope variables(recipe_, {}, facts_, dir_.path());
    plan_ = make_plan(recipe_, variables, state_, "boot-1", {});
    auto action = std::make_unique<StandInAction>(failures);
    StandInAction& handle = *action;
    plan_.steps[0].action = std::move(action);
    return handle;
  }

  int execute() {
    std::filesystem::create_directories(dir_ / "state");
    EventLog events(dir_ / "state" / "events.jsonl");
    ConsoleOptions console_options;
    console_options.out = console_file_;
    Console console(console_options);
    SignalWatcher signals;
    ExecutorOptions options;
    options.retry_backoff = std::chrono::milliseconds(1);
    options.probe = &probe_;
    Executor executor(recipe_, state_, events, console, signals, "boot-1", options);
    int code = executor.execute(plan_);
    std::fflush(console_file_);
    return code;
  }

  std::string console_text() { return read_text(dir_ / "console.txt"); }

  void TearDown() override { std::fclose(console_file_); }

  TempDir dir_;
  std::FILE* console_file_ = std::fopen((dir_ / "console.txt").c_str(), "w");
  Facts facts_;
  StateStore state_{StateLayout{dir_ / "state"}};
  Recipe recipe_;
  Plan plan_;
  FakeProbe probe_;
};

TEST_F(ExecutorTest, ASucceedingStepIsRecordedDone) {
  prepare(0);
  EXPECT_EQ(execute(), kExitOk);
  const StepRecord* record = state_.find("s/step");
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->status, StepStatus::done);
  EXPECT_EQ(record->attempts, 1);
}

TEST_F(ExecutorTest, RetriesUntilTheActionSucceeds) {
  StandInAction& action = prepare(1, "        retries: 2\n");
  EXPECT_EQ(execute(), kExitOk);
  EXPECT_EQ(action.calls, 2);
  EXPECT_EQ(state_.find("s/step")->attempts, 2);
  EXPECT_THAT(console_text(), HasSubstr("exit 2; retrying in"));
}

TEST_F(ExecutorTest, AFailingCheckIsReportedAndRecordedAsAFailedCheck) {
  prepare(0, "        check: test -x app\n");
  probe_.checks_pass = false;
  EXPECT_EQ(execute(), kExitStepFailed);
  const StepRecord* record = state_.find("s/step");
  EXPECT_EQ(record->status, StepStatus::failed);
  EXPECT_EQ(record->failure, "check failed");
  EXPECT_THAT(console_text(), HasSubstr("finished, but its check failed: test -x app"));
  EXPECT_THAT(console_text(), Not(HasSubstr("exit 1")));
}

TEST_F(ExecutorTest, AMissingCreatesIsReportedByName) {
  prepare(0);
  probe_.missing = {"/srv/demo/build/app"};
  EXPECT_EQ(execute(), kExitStepFailed);
  EXPECT_EQ(state_.find("s/step")->failure, "did not create /srv/demo/build/app");
  EXPECT_THAT(console_text(), HasSubstr("finished, but did not create /srv/demo/build/app"));
}

TEST_F(ExecutorTest, AFailedActionKeepsItsExitCode) {
  prepare(5);
  EXPECT_EQ(execute(), kExitStepFailed);
  EXPECT_EQ(state_.find("s/step")->failure, "exit 2");
  EXPECT_EQ(state_.find("s/step")->exit_code, 2);
}

}  // namespace
}  // namespace ssdbuild::testing
