// Child processes: output line by line, exit codes, deadlines that end the whole process
// group, and children that will not go quietly.
#include "ssdbuild/exec/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "test_support.hpp"

namespace ssdbuild {
namespace {

using testing::process_group_alive;
using testing::TempDir;
using testing::wait_until;

struct Lines : LineSink {
  std::vector<std::string> lines;
  void on_line(std::string_view line) override { lines.emplace_back(line); }
};

ProcessOptions bash(const std::string& script) {
  ProcessOptions options;
  options.argv = {"bash", "-c", script};
  // A safety net so that a broken run_process cannot hang the suite; no test relies on it.
  options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  options.kill_grace = std::chrono::milliseconds(500);
  return options;
}

TEST(RunProcess, DeliversLinesInOrder) {
  Lines sink;
  ProcessResult result = run_process(bash("for i in 1 2 3; do echo line$i; done"), sink, nullptr);
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(result.started);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"line1", "line2", "line3"}));
}

TEST(RunProcess, DeliversManyLinesWithoutLosingAny) {
  Lines sink;
  ProcessResult result = run_process(bash("seq 1 20000"), sink, nullptr);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(sink.lines.size(), 20000u);
  EXPECT_EQ(sink.lines.front(), "1");
  EXPECT_EQ(sink.lines[9999], "10000");
  EXPECT_EQ(sink.lines.back(), "20000");
}

TEST(RunProcess, MergesStderrIntoTheLinesInOrder) {
  Lines sink;
  run_process(bash("echo out1; echo err1 >&2; echo out2; echo err2 >&2"), sink, nullptr);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"out1", "err1", "out2", "err2"}));
}

TEST(RunProcess, DropsStderrWhenNotMerged) {
  Lines sink;
  ProcessOptions options = bash("echo out; echo err >&2");
  options.merge_stderr = false;
  run_process(options, sink, nullptr);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"out"}));
}

TEST(RunProcess, ReportsTheExitCode) {
  Lines sink;
  ProcessResult result = run_process(bash("echo before; exit 3"), sink, nullptr);
  EXPECT_TRUE(result.started);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.describe(), "exit 3");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"before"}));
}

TEST(RunProcess, ReportsTheSignalThatEndedTheChild) {
  Lines sink;
  ProcessResult result = run_process(bash("kill -SEGV $$"), sink, nullptr);
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.describe(), "killed by SIGSEGV");
}

TEST(RunProcess, AMissingProgramCouldNotStart) {
  Lines sink;
  ProcessOptions options;
  options.argv = {"ssdbuild-no-such-program-xyz", "--version"};
  ProcessResult result = run_process(options, sink, nullptr);
  EXPECT_FALSE(result.started);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.error, "No such file or directory: ssdbuild-no-such-program-xyz");
  EXPECT_EQ(result.describe(),
            "could not start: No such file or directory: ssdbuild-no-such-program-xyz");
  EXPECT_TRUE(sink.lines.empty());
}

TEST(RunProcess, AMissingFolderCouldNotStartAndSaysWhichFolder) {
  TempDir dir;
  Lines sink;
  ProcessOptions options = bash("echo should not run");
  options.cwd = dir / "missing";
  ProcessResult result = run_process(options, sink, nullptr);
  EXPECT_FALSE(result.started);
  EXPECT_EQ(result.error,
            "No such file or directory: bash (in " + (dir / "missing").string() + ")");
  EXPECT_TRUE(sink.lines.empty());
}

TEST(RunProcess, RunsInTheGivenFolderWithTheGivenEnvironment) {
  TempDir dir;
  ::setenv("SSDBUILD_PROCESS_TEST", "inherited", 1);
  Lines sink;
  ProcessOptions options = bash("pwd; echo \"$SSDBUILD_PROCESS_TEST $EXTRA\"; echo \"$HOME\"");
  options.cwd = dir.path();
  options.extra_env = {{"SSDBUILD_PROCESS_TEST", "overridden"}, {"EXTRA", "added"}};
  ASSERT_TRUE(run_process(options, sink, nullptr).ok());
  ::unsetenv("SSDBUILD_PROCESS_TEST");
  ASSERT_EQ(sink.lines.size(), 3u);
  EXPECT_EQ(std::filesystem::canonical(sink.lines[0]), std::filesystem::canonical(dir.path()));
  EXPECT_EQ(sink.lines[1], "overridden added");
  EXPECT_EQ(sink.lines[2], std::getenv("HOME") ? std::getenv("HOME") : "");
}

TEST(RunProcess, StdinIsEmpty) {
  Lines sink;
  ProcessResult result = run_process(bash("cat; echo after-cat"), sink, nullptr);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"after-cat"}));
}

TEST(RunProcess, RunsTheChildInItsOwnProcessGroup) {
  Lines sink;
  run_process(bash("echo $$; ps -o pgid= -p $$"), sink, nullptr);
  ASSERT_EQ(sink.lines.size(), 2u);
  EXPECT_EQ(std::stoi(sink.lines[0]), std::stoi(sink.lines[1]));
  EXPECT_NE(std::stoi(sink.lines[1]), static_cast<int>(::getpgrp()));
}

TEST(RunProcess, DeliversAPartialLastLine) {
  Lines sink;
  run_process(bash("echo first; printf 'no newline at the end'"), sink, nullptr);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"first", "no newline at the end"}));
}

TEST(RunProcess, KeepsEmptyLinesAndDropsCarriageReturnsAtLineEnds) {
  Lines sink;
  run_process(bash("printf 'a\\r\\n\\nb\\r\\n'"), sink, nullptr);
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a", "", "b"}));
}

TEST(RunProcess, PassesAnOverlongLineOnInPieces) {
  Lines sink;
  run_process(bash("head -c 150000 /dev/zero | tr '\\0' x; echo; echo next"), sink, nullptr);
  ASSERT_GE(sink.lines.size(), 3u);
  std::string joined;
  for (size_t i = 0; i + 1 < sink.lines.size(); ++i) {
    EXPECT_LE(sink.lines[i].size(), 64u * 1024) << "piece " << i;
    joined += sink.lines[i];
  }
  EXPECT_EQ(joined, std::string(150000, 'x'));
  EXPECT_EQ(sink.lines.back(), "next");
}

TEST(RunProcess, ADeadlineEndsTheWholeProcessGroup) {
  Lines sink;
  ProcessOptions options = bash("echo $$; sleep 300 & sleep 300 & wait");
  options.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  options.kill_grace = std::chrono::seconds(5);
  ProcessResult result = run_process(options, sink, nullptr);
  EXPECT_TRUE(result.timed_out);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.describe(), "timeout");
  ASSERT_FALSE(sink.lines.empty());
  int pgid = std::stoi(sink.lines[0]);
  // The background sleeps were in the group too; once init has reaped them, none is left.
  EXPECT_TRUE(wait_until([&] { return !process_group_alive(pgid); }));
  errno = 0;
  EXPECT_EQ(::kill(-pgid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST(RunProcess, AChildThatIgnoresSigtermIsKilledAfterTheGracePeriod) {
  Lines sink;
  // The shell survives SIGTERM (its trap says so and it goes on); its sleeps do not.
  ProcessOptions options =
      bash("trap 'echo got SIGTERM' TERM; echo $$; while true; do sleep 0.05; done");
  options.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  options.kill_grace = std::chrono::milliseconds(700);
  ProcessResult result = run_process(options, sink, nullptr);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.signal, SIGKILL);
  ASSERT_GE(sink.lines.size(), 2u);
  EXPECT_NE(std::find(sink.lines.begin(), sink.lines.end(), "got SIGTERM"), sink.lines.end());
  int pgid = std::stoi(sink.lines[0]);
  EXPECT_TRUE(wait_until([&] { return !process_group_alive(pgid); }));
}

TEST(RunProcess, AChildIgnoringSigtermEntirelyIsStillKilled) {
  Lines sink;
  ProcessOptions options = bash("trap '' TERM; echo $$; sleep 300");
  options.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  options.kill_grace = std::chrono::milliseconds(300);
  ProcessResult result = run_process(options, sink, nullptr);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.signal, SIGKILL);
  ASSERT_FALSE(sink.lines.empty());
  int pgid = std::stoi(sink.lines[0]);
  EXPECT_TRUE(wait_until([&] { return !process_group_alive(pgid); }));
}

TEST(RunProcess, ABackgroundGrandchildHoldingTheOutputOpenDoesNotHangIt) {
  Lines sink;
  ProcessOptions options;
  options.argv = {"bash", "-c", "sleep 300 & echo $!; echo done"};  // no deadline at all
  ProcessResult result = run_process(options, sink, nullptr);
  ASSERT_EQ(sink.lines.size(), 2u);
  int grandchild = std::stoi(sink.lines[0]);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(sink.lines[1], "done");
  EXPECT_FALSE(result.timed_out);
  ::kill(grandchild, SIGKILL);
}

TEST(RunProcess, AFailedChildLeavesNothingOfItsGroupBehind) {
  Lines sink;
  ProcessResult result = run_process(bash("echo $$; sleep 300 & exit 1"), sink, nullptr);
  EXPECT_EQ(result.exit_code, 1);
  ASSERT_FALSE(sink.lines.empty());
  int pgid = std::stoi(sink.lines[0]);
  EXPECT_TRUE(wait_until([&] { return !process_group_alive(pgid); }));
}

TEST(RunProcess, SendsTicksToTheSinkWhileTheChildIsSilent) {
  struct Ticks : LineSink {
    int ticks = 0;
    void on_line(std::string_view) override {}
    void on_tick(std::chrono::steady_clock::time_point) override { ++ticks; }
  } sink;
  run_process(bash("sleep 1"), sink, nullptr);
  EXPECT_GE(sink.ticks, 2);
}

TEST(CaptureOutput, GivesStdoutWithoutStderr) {
  CapturedOutput captured = capture_output({"bash", "-c", "echo one; echo noise >&2; echo two"});
  EXPECT_TRUE(captured.started);
  EXPECT_EQ(captured.exit_code, 0);
  EXPECT_EQ(captured.output, "one\ntwo\n");
}

TEST(CaptureOutput, GivesTheExitCodeOfAFailure) {
  CapturedOutput captured = capture_output({"bash", "-c", "echo partial; exit 4"});
  EXPECT_TRUE(captured.started);
  EXPECT_EQ(captured.exit_code, 4);
  EXPECT_EQ(captured.output, "partial\n");
}

TEST(CaptureOutput, AMissingProgramDidNotStart) {
  CapturedOutput captured = capture_output({"ssdbuild-no-such-program-xyz"});
  EXPECT_FALSE(captured.started);
  EXPECT_NE(captured.exit_code, 0);
  EXPECT_EQ(captured.output, "");
}

TEST(CaptureOutput, ACommandPastItsTimeoutFails) {
  CapturedOutput captured =
      capture_output({"bash", "-c", "echo early; exec sleep 300"}, std::chrono::milliseconds(300));
  EXPECT_TRUE(captured.started);
  EXPECT_NE(captured.exit_code, 0);
  EXPECT_EQ(captured.output, "early\n");
}

TEST(SignalName, NamesCommonSignals) {
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGUSR1), "signal " + std::to_string(SIGUSR1));
}

TEST(ProcessResult, DescribesInterruptionFirst) {
  ProcessResult result;
  result.started = true;
  result.timed_out = true;
  result.interrupted_by = SIGINT;
  EXPECT_EQ(result.describe(), "interrupted (SIGINT)");
  EXPECT_FALSE(result.ok());
}

}  // namespace
}  // namespace ssdbuild
