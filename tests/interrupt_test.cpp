// Crashes, signals, timeouts and retries, with real child processes killed mid-step.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// The long step records its process group (bash's $$) so the test can check for leftovers.
const char* kLongRecipe = R"(name: long
stages:
  - name: work
    steps:
      - name: quick
        run: echo quick >> counter
      - name: slow
        run: |
          echo $$ > pgid.part && mv pgid.part pgid  # whole: the test reads it once it exists
          echo slow >> counter
          if [ ! -e allow ]; then sleep 60 & sleep 60; wait; fi
          echo finished >> counter
      - name: after
        run: echo after >> counter
)";

nlohmann::json read_state(const TempDir& dir) {
  return nlohmann::json::parse(read_text(dir / "state/state.json"));
}

int read_pgid(const TempDir& dir) {
  return std::stoi(read_text(dir / "pgid"));
}

// Killed processes linger as zombies until their reaper collects them: allow a moment.
bool group_ends(int pgid) {
  return wait_until([&] { return !process_group_alive(pgid); }, std::chrono::seconds(3));
}

const std::vector<std::string> kRun = {"run", "recipe.yaml", "--state-dir", "state"};

TEST(Interrupt, SigkilledRunIsRunAgainAndStateStaysValid) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kLongRecipe);
  int pid = spawn_ssdbuild(kRun, dir.path(), {}, dir / "first.out");
  // Read state.json over and over while the run writes it: it must parse every time.
  std::atomic<bool> watching{true};
  std::atomic<int> reads{0}, invalid{0};
  std::thread watcher([&] {
    while (watching) {
      std::error_code error;
      if (std::filesystem::exists(dir / "state/state.json", error)) {
        std::string text = read_text(dir / "state/state.json");
        if (!nlohmann::json::accept(text)) ++invalid;
        ++reads;
      }
    }
  });
  // Joined however the test ends: a failed ASSERT or an exception must not leave the thread
  // joinable, which would abort the whole binary (terminate) instead of failing this test.
  struct Joiner {
    std::atomic<bool>& watching;
    std::thread& thread;
    ~Joiner() {
      watching = false;
      if (thread.joinable()) thread.join();
    }
  } joiner{watching, watcher};
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "pgid"); }));
  ASSERT_TRUE(wait_until([&] { return read_state(dir)["steps"].contains("work/slow"); }));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_for_exit(pid), 128 + SIGKILL);
  int pgid = read_pgid(dir);
  EXPECT_EQ(read_state(dir)["steps"]["work/slow"]["status"], "running");
  ::kill(-pgid, SIGKILL);  // the orphaned sleeps of the killed run

  write_text(dir / "allow", "");
  auto second = run_ssdbuild(kRun, dir.path());
  watching = false;
  watcher.join();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("took over the lock"));
  EXPECT_THAT(second.output, HasSubstr("stopped without finishing"));
  EXPECT_EQ(read_text(dir / "counter"), "quick\nslow\nslow\nfinished\nafter\n");
  EXPECT_EQ(read_state(dir)["steps"]["work/slow"]["status"], "done");
  EXPECT_GT(reads.load(), 10);
  EXPECT_EQ(invalid.load(), 0);
}

TEST(Interrupt, SigintRecordsInterruptedExits130AndLeavesNoProcess) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kLongRecipe);
  int pid = spawn_ssdbuild(kRun, dir.path(), {}, dir / "out");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "pgid"); }));
  int pgid = read_pgid(dir);
  ASSERT_TRUE(process_group_alive(pgid));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for_exit(pid), 130) << read_text(dir / "out");
  EXPECT_TRUE(group_ends(pgid));
  auto state = read_state(dir);
  EXPECT_EQ(state["steps"]["work/slow"]["status"], "interrupted");
  EXPECT_EQ(state["steps"]["work/slow"]["failure"], "interrupted (SIGINT)");
  EXPECT_FALSE(state["steps"].contains("work/after"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state/lock.json"));
  EXPECT_THAT(read_text(dir / "out"), HasSubstr("interrupted"));
}

// SIGTERM (what `ssdbuild stop` and a dying notebook send) and SIGHUP (a closed terminal)
// end a run the way SIGINT does.
class InterruptBySignal : public ::testing::TestWithParam<int> {};

TEST_P(InterruptBySignal, RecordsInterruptedExits130AndLeavesNoProcess) {
  TempDir dir;
  write_text(dir / "recipe.yaml", kLongRecipe);
  int pid = spawn_ssdbuild(kRun, dir.path(), {}, dir / "out");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "pgid"); }));
  int pgid = read_pgid(dir);
  ::kill(pid, GetParam());
  EXPECT_EQ(wait_for_exit(pid), 130) << read_text(dir / "out");
  EXPECT_TRUE(group_ends(pgid));
  auto state = read_state(dir);
  EXPECT_EQ(state["steps"]["work/slow"]["status"], "interrupted");
  EXPECT_EQ(state["steps"]["work/slow"]["failure"],
            "interrupted (" + std::string(GetParam() == SIGHUP ? "SIGHUP" : "SIGTERM") + ")");
  EXPECT_FALSE(std::filesystem::exists(dir / "state/lock.json"));
}

INSTANTIATE_TEST_SUITE_P(Interrupt, InterruptBySignal, ::testing::Values(SIGTERM, SIGHUP));

TEST(Interrupt, StepThatIgnoresSigintIsKilledAfterTheGracePeriod) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"(name: stubborn
stages:
  - name: work
    steps:
      - name: stubborn
        run: |
          trap '' INT TERM
          echo $$ > pgid.part && mv pgid.part pgid
          sleep 60
)");
  int pid = spawn_ssdbuild(kRun, dir.path(), {{"SSDBUILD_KILL_GRACE_MS", "300"}}, dir / "out");
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "pgid"); }));
  int pgid = read_pgid(dir);
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for_exit(pid), 130);
  EXPECT_TRUE(group_ends(pgid));
}

TEST(Interrupt, DeathOfTheParentShellStopsTheRun) {
  // Colab's stop button kills the cell's bash, never its children: ssdbuild must notice.
  TempDir dir;
  write_text(dir / "recipe.yaml", kLongRecipe);
  std::string command = ssdbuild_binary() + " run recipe.yaml --state-dir state > out 2>&1";
  pid_t shell = ::fork();
  if (shell == 0) {
    ::chdir(dir.path().c_str());
    ::setenv("SSDBUILD_BOOT_ID", "test-boot-1", 1);
    ::execl("/bin/bash", "bash", "-c", (command + "; echo never").c_str(), nullptr);
    ::_exit(127);
  }
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir / "pgid"); }));
  int pgid = read_pgid(dir);
  ::kill(shell, SIGKILL);
  wait_for_exit(shell);
  ASSERT_TRUE(wait_until([&] { return !std::filesystem::exists(dir / "state/lock.json"); }));
  EXPECT_EQ(read_state(dir)["steps"]["work/slow"]["status"], "interrupted");
  EXPECT_TRUE(group_ends(pgid));
}

TEST(Interrupt, TimeoutKillsTheStepAndRecordsIt) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"(name: slow
stages:
  - name: work
    steps:
      - name: sleepy
        timeout: 1s
        run: |
          echo $$ > pgid
          sleep 60
)");
  auto result = run_ssdbuild(kRun, dir.path(), {{"SSDBUILD_KILL_GRACE_MS", "300"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("FAILED: work/sleepy (timeout after 1.0s)"));
  EXPECT_EQ(read_state(dir)["steps"]["work/sleepy"]["status"], "failed");
  EXPECT_EQ(read_state(dir)["steps"]["work/sleepy"]["failure"], "timeout");
  EXPECT_TRUE(group_ends(read_pgid(dir)));
}

TEST(Interrupt, RetriesRunAgainAndEveryAttemptIsLogged) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"yaml(name: flaky
stages:
  - name: work
    steps:
      - name: flaky
        retries: 2
        run: |
          echo try >> tries
          echo "attempt $(wc -l < tries)"
          [ "$(wc -l < tries)" -ge 3 ]
)yaml");
  auto result = run_ssdbuild(kRun, dir.path(), {{"SSDBUILD_RETRY_BACKOFF_MS", "10"}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("retrying in"));
  EXPECT_EQ(read_state(dir)["steps"]["work/flaky"]["attempts"], 3);
  auto second = run_ssdbuild(
      {"log", "work/flaky", "--recipe", "recipe.yaml", "--state-dir", "state", "--attempt", "2"},
      dir.path());
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("attempt 2 ===="));
  EXPECT_THAT(second.output, HasSubstr("attempt 2\n"));
  EXPECT_THAT(second.output, Not(HasSubstr("attempt 3")));
  EXPECT_THAT(second.output, HasSubstr("==== exit 1 after"));
}

TEST(Interrupt, FailureReportShowsTheTailTheLogAndTheRerunCommand) {
  TempDir dir;
  write_text(dir / "recipe.yaml", R"(name: failing
stages:
  - name: build
    steps:
      - name: compile
        run: |
          for i in $(seq 1 40); do echo "line $i"; done
          echo "fatal: it broke" >&2
          exit 2
      - name: never
        run: echo never > never
)");
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("FAILED: build/compile (exit 2)"));
  EXPECT_THAT(result.output, HasSubstr("    fatal: it broke"));
  EXPECT_THAT(result.output, HasSubstr("    line 12\n"));  // the last 30 lines
  EXPECT_THAT(result.output, Not(HasSubstr("    line 11\n")));
  EXPECT_THAT(result.output, HasSubstr("state/logs/build/compile.log"));
  EXPECT_THAT(result.output, HasSubstr("--from build/compile --to build/compile"));
  EXPECT_FALSE(std::filesystem::exists(dir / "never"));
  // The saved script re-runs the step by hand.
  auto by_hand = run_shell("bash state/logs/build/compile.sh", dir.path());
  EXPECT_EQ(by_hand.exit_code, 2);
  EXPECT_THAT(by_hand.output, HasSubstr("fatal: it broke"));
}

}  // namespace
}  // namespace ssdbuild::testing
