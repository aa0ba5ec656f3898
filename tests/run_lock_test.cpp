// One run per state folder: a live holder refuses a second run (exit 3), a dead or stale
// one is taken over, and `ssdbuild stop` ends the holder.
#include "ssdbuild/state/run_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/error.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
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
  EXPECT_NE(second.output.find("in use by ssdbuild (pid " + std::to_string(first)),
            std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("ssdbuild stop --state-dir"), std::string::npos);
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
  EXPECT_NE(stop.output.find("stopped"), std::string::npos) << stop.output;
  EXPECT_EQ(wait_for_exit(first), 130);
  auto state = nlohmann::json::parse(read_text(dir / "state/state.json"));
  EXPECT_EQ(state["steps"]["work/wait"]["status"], "interrupted");
  auto nothing =
      run_ssdbuild({"stop", "--recipe", "recipe.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_NE(nothing.output.find("no run holds"), std::string::npos) << nothing.output;
}

TEST(RunLock, LockOfADeadProcessIsTakenOver) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "allow", "");
  write_lock(dir, dead_pid(), "test-boot-1", now_seconds());
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("warning: took over the lock"), std::string::npos);
  EXPECT_NE(result.output.find("is gone"), std::string::npos) << result.output;
}

TEST(RunLock, LockFromAnotherBootIsTakenOver) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "allow", "");
  write_lock(dir, ::getpid(), "boot-before-reset", now_seconds());
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("before this machine was reset"), std::string::npos)
      << result.output;
}

TEST(RunLock, LockWithAStaleHeartbeatIsTakenOver) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kRecipe);
  write_text(dir / "allow", "");
  write_lock(dir, ::getpid(), "test-boot-1", now_seconds() - 3600);
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("heartbeat stopped"), std::string::npos) << result.output;
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
  EXPECT_NE(read_text(dir / "first.out").find("another ssdbuild run took over the state folder"),
            std::string::npos)
      << read_text(dir / "first.out");
  EXPECT_FALSE(std::filesystem::exists(dir / "next-ran"));
  // The lock it lost is not removed.
  EXPECT_TRUE(std::filesystem::exists(dir / "state/lock.json"));
}

}  // namespace
}  // namespace ssdbuild::testing
