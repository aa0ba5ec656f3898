// One run per state folder: a live holder refuses a second run (exit 3), a dead or stale
// one is taken over, and `ssdbuild stop` ends the holder.
#include "ssdbuild/state/run_lock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/error.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

const char* kRecipe = R"(name: locked
stages:
  - name: work
    steps:
      - name: wait
        run: |
          echo $$ > started
          while [ ! -e allow ]; do sleep 0.05; done
)";

const std::vector<std::string> kRun = {"run", "recipe.yaml", "--state-dir", "state"};

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_lock(const TempDir& dir, int pid, const std::string& boot, long long heartbeat) {
  nlohmann::json lock = {{"format", 1},
                         {"pid", pid},
                         {"boot_id", boot},
                         {"host", "elsewhere"},
                         {"heartbeat", heartbeat},
                         {"started_at", "2026-01-01T00:00:00Z"},
                         {"token", "old"}};
  write_text(dir / "state/lock.json", lock.dump());
}

int dead_pid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(RunLock, SecondConcurrentRunExits3AndNamesTheHolder) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  int first = spawn_ssdbuild(kRun, dir.path(), {}, dir / "first.out");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "started"); }));
  auto second = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(second.exit_code, 3);
  EXPECT_THAT(second.output, HasSubstr("in use by ssdbuild (pid " + std::to_string(first)));
  EXPECT_THAT(second.output, HasSubstr("ssdbuild stop --state-dir"));
  write_text(dir / "allow", "");
  EXPECT_EQ(wait_for_exit(first), 0);
  EXPECT_FALSE(std::filesystem::exists(dir / "state/lock.json"));
}

TEST(RunLock, StopEndsTheHolderWhichRecordsTheStepInterrupted) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  int first = spawn_ssdbuild(kRun, dir.path(), {}, dir / "first.out");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "started"); }));
  auto stop = run_ssdbuild({"stop", "--recipe", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_THAT(stop.output, HasSubstr("stopped"));
  EXPECT_EQ(wait_for_exit(first), 130);
  auto state = nlohmann::json::parse(read_text(dir / "state/state.json"));
  EXPECT_EQ(state["steps"]["work/wait"]["status"], "interrupted");
  auto nothing =
      run_ssdbuild({"stop", "--recipe", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_THAT(nothing.output, HasSubstr("no run holds"));
}

TEST(RunLock, LockOfADeadProcessIsTakenOver) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "allow", "");
  write_lock(dir, dead_pid(), "test-boot-1", now_seconds());
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("warning: took over the lock"));
  EXPECT_THAT(result.output, HasSubstr("is gone"));
}

TEST(RunLock, LockFromAnotherBootIsTakenOver) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "allow", "");
  write_lock(dir, ::getpid(), "boot-before-reset", now_seconds());
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("before this machine was reset"));
}

TEST(RunLock, LockWithAStaleHeartbeatIsTakenOver) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "allow", "");
  write_lock(dir, ::getpid(), "test-boot-1", now_seconds() - 3600);
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("heartbeat stopped"));
}

TEST(RunLock, LiveHolderInThisProcessRefusesASecondLock) {
  TempDir dir;
  std::filesystem::create_directories(dir / "state");
  RunLock first(dir / "state/lock.json", "boot");
  EXPECT_EQ(first.acquire(), "");
  RunLock second(dir / "state/lock.json", "boot");
  try {
    second.acquire();
    FAIL() << "the second lock was granted";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), 3);
  }
  first.release();
  EXPECT_FALSE(std::filesystem::exists(dir / "state/lock.json"));
  EXPECT_EQ(second.acquire(), "");
}

}  // namespace
}  // namespace ssdbuild::testing

namespace ssdbuild::testing {
namespace {

TEST(RunLock, ARunWhoseLockWasTakenOverStopsBeforeItsNextStep) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"(name: taken
stages:
  - name: work
    steps:
      - name: wait
        run: |
          touch started
          while [ ! -e allow ]; do sleep 0.05; done
      - name: next
        run: touch next-ran
)");
  int first = spawn_ssdbuild(kRun, dir.path(), {}, dir / "first.out");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "started"); }));
  // Another machine sharing the Drive folder judged this run gone and took the lock.
  write_lock(dir, 1, "another-boot", now_seconds());
  write_text(dir / "allow", "");
  EXPECT_EQ(wait_for_exit(first), 3);
  EXPECT_THAT(read_text(dir / "first.out"),
              HasSubstr("another ssdbuild run took over the state folder"));
  EXPECT_FALSE(std::filesystem::exists(dir / "next-ran"));
  // The lock it lost is not removed.
  EXPECT_TRUE(std::filesystem::exists(dir / "state/lock.json"));
}

}  // namespace
}  // namespace ssdbuild::testing
