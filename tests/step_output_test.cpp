// A running step's output: all of it in the log; on the console, live lines, a flood
// condensed to summaries, heartbeats for silence.
#include "ssdbuild/exec/step_output.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <time.h>

#include <cstdio>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;

namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;
using Clock = std::chrono::steady_clock;

class StepOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    console_file_ = std::tmpfile();
    ASSERT_NE(console_file_, nullptr);
  }
  void TearDown() override { std::fclose(console_file_); }

  ConsoleOptions options(bool quiet = false, bool follow = false) {
    ConsoleOptions result;
    result.style = ProgressStyle::plain;
    result.color = false;
    result.quiet = quiet;
    result.follow = follow;
    result.out = console_file_;
    return result;
  }

  std::vector<std::string> console_lines() {
    std::fflush(console_file_);
    std::rewind(console_file_);
    std::string text;
    char buffer[4096];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, console_file_)) > 0)
      text.append(buffer, got);
    std::fseek(console_file_, 0, SEEK_END);
    return split_lines(text);
  }

  std::filesystem::path log_path() const { return dir_ / "logs/build/make.log"; }

  static std::vector<std::string> numbered(int from, int to) {
    std::vector<std::string> lines;
    for (int i = from; i <= to; ++i) lines.push_back("line " + std::to_string(i));
    return lines;
  }

  TempDir dir_;
  std::FILE* console_file_ = nullptr;
};

TEST_F(StepOutputTest, EveryLineReachesTheLogFileWhoseFolderItCreates) {
  Console console(options());
  {
    StepOutput output("build/make", log_path(), console);
    for (const auto& line : numbered(1, 300)) output.on_line(line);
  }
  EXPECT_EQ(split_lines(read_text(log_path())), numbered(1, 300));
}

TEST_F(StepOutputTest, AppendsToAnExistingLog) {
  write_text(log_path(), "== attempt 1\n");
  Console console(options());
  {
    StepOutput output("build/make", log_path(), console);
    output.log_only("== attempt 2");
    output.on_line("compiling");
  }
  EXPECT_EQ(read_text(log_path()), "== attempt 1\n== attempt 2\ncompiling\n");
}

TEST_F(StepOutputTest, LinesGoToTheConsoleWithTheStepId) {
  Console console(options());
  StepOutput output("build/make", log_path(), console);
  output.on_line("compiling a.cpp");
  output.on_line("");
  output.on_line("linking");
  EXPECT_EQ(console_lines(), (std::vector<std::string>{"[build/make] compiling a.cpp",
                                                       "[build/make] ", "[build/make] linking"}));
}

TEST_F(StepOutputTest, LogOnlyLinesStayOffTheConsoleAndOutOfTheTail) {
  Console console(options());
  StepOutput output("build/make", log_path(), console);
  output.log_only("== attempt 1 of 2");
  output.on_line("real output");
  EXPECT_EQ(console_lines(), (std::vector<std::string>{"[build/make] real output"}));
  EXPECT_EQ(output.tail(), (std::deque<std::string>{"real output"}));
  EXPECT_EQ(read_text(log_path()), "== attempt 1 of 2\nreal output\n");
}

TEST_F(StepOutputTest, AFloodIsCondensedIntoASummaryOnTheConsole) {
  Console console(options());
  StepOutput output("build/make", log_path(), console);
  for (const auto& line : numbered(1, 200)) output.on_line(line);
  std::vector<std::string> shown = console_lines();
  ASSERT_EQ(shown.size(), StepOutput::kFloodLinesPerSecond);
  EXPECT_EQ(shown.back(), "[build/make] line 20");

  output.flush_summary();
  shown = console_lines();
  ASSERT_EQ(shown.size(), StepOutput::kFloodLinesPerSecond + 1);
  EXPECT_EQ(shown.back(), "[build/make] ... 180 more lines in the log; latest: line 200");
  // The log has everything.
  EXPECT_EQ(split_lines(read_text(log_path())), numbered(1, 200));
}

TEST_F(StepOutputTest, ASummaryWithNothingHeldBackPrintsNothing) {
  Console console(options());
  StepOutput output("build/make", log_path(), console);
  output.on_line("just one");
  output.flush_summary();
  EXPECT_EQ(console_lines(), (std::vector<std::string>{"[build/make] just one"}));
}

TEST_F(StepOutputTest, TheSummaryComesOnATickAfterTheIntervalThenLiveLinesResume) {
  Console console(options());
  StepOutput output("build/make", log_path(), console);
  for (const auto& line : numbered(1, 50)) output.on_line(line);
  Clock::time_point later = Clock::now() + StepOutput::kSummaryInterval + std::chrono::seconds(1);
  output.on_tick(later);
  std::vector<std::string> shown = console_lines();
  ASSERT_EQ(shown.size(), 21u);
  EXPECT_EQ(shown.back(), "[build/make] ... 30 more lines in the log; latest: line 50");

  // A second later the flood is over: lines are shown live again.
  struct timespec pause {
    1, 100 * 1000 * 1000
  };
  nanosleep(&pause, nullptr);
  output.on_line("calm again");
  EXPECT_EQ(console_lines().back(), "[build/make] calm again");
  EXPECT_EQ(console_lines().size(), 22u);
}

TEST_F(StepOutputTest, FollowShowsEveryLine) {
  Console console(options(/*quiet=*/false, /*follow=*/true));
  StepOutput output("build/make", log_path(), console);
  for (const auto& line : numbered(1, 200)) output.on_line(line);
  output.flush_summary();
  std::vector<std::string> shown = console_lines();
  ASSERT_EQ(shown.size(), 200u);
  EXPECT_EQ(shown[150], "[build/make] line 151");
  EXPECT_EQ(shown.back(), "[build/make] line 200");
}

TEST_F(StepOutputTest, QuietPrintsNoStepLinesButLogsThem) {
  Console console(options(/*quiet=*/true));
  StepOutput output("build/make", log_path(), console);
  for (const auto& line : numbered(1, 100)) output.on_line(line);
  output.flush_summary();
  output.on_tick(Clock::now() + std::chrono::hours(1));  // no heartbeat either
  EXPECT_TRUE(console_lines().empty());
  EXPECT_EQ(split_lines(read_text(log_path())), numbered(1, 100));
  EXPECT_EQ(output.tail().back(), "line 100");
}

TEST_F(StepOutputTest, TailKeepsTheLastThirtyLines) {
  Console console(options(/*quiet=*/true));
  StepOutput output("build/make", log_path(), console);
  for (const auto& line : numbered(1, 10)) output.on_line(line);
  EXPECT_EQ(output.tail().size(), 10u);
  for (const auto& line : numbered(11, 75)) output.on_line(line);
  ASSERT_EQ(output.tail().size(), StepOutput::kTailLines);
  std::vector<std::string> expected = numbered(46, 75);
  EXPECT_EQ(std::vector<std::string>(output.tail().begin(), output.tail().end()), expected);
}

TEST_F(StepOutputTest, ASilentStepGetsAHeartbeatAfterTheInterval) {
  ConsoleOptions quiet_for_a_while = options();
  quiet_for_a_while.heartbeat = std::chrono::seconds(60);
  Console console(quiet_for_a_while);
  StepOutput output("build/make", log_path(), console);
  Clock::time_point start = Clock::now();
  output.on_tick(start + std::chrono::seconds(30));
  EXPECT_TRUE(console_lines().empty());
  output.on_tick(start + std::chrono::seconds(61));
  std::vector<std::string> shown = console_lines();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].rfind("[build/make] still running: 1m0", 0), 0u) << shown[0];
  // The next heartbeat waits for another interval.
  output.on_tick(start + std::chrono::seconds(90));
  EXPECT_EQ(console_lines().size(), 1u);
}

TEST_F(StepOutputTest, TheHeartbeatCountsDownToTheDurationOfTheLastRun) {
  ConsoleOptions quiet_for_a_while = options();
  quiet_for_a_while.heartbeat = std::chrono::seconds(60);
  Console console(quiet_for_a_while);
  StepOutput output("build/make", log_path(), console, std::chrono::seconds(90));
  Clock::time_point start = Clock::now();
  output.on_tick(start + std::chrono::seconds(61));
  std::vector<std::string> shown = console_lines();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_THAT(shown[0], HasSubstr(" (took 1m30s last run)"));
  EXPECT_THAT(shown[0], HasSubstr(", ETA 2"));  // 29s or 28.9s
}

TEST_F(StepOutputTest, AnUnwritableLogIsAnErrorNamingIt) {
  write_text(dir_ / "logs", "a file where the folder should be");
  Console console(options());
  try {
    StepOutput output("build/make", dir_ / "logs/make.log", console);
    FAIL() << "opened a log inside a file";
  } catch (const std::exception& error) {
    EXPECT_THAT(std::string(error.what()), HasSubstr((dir_ / "logs").string())) << error.what();
  }
}

}  // namespace
}  // namespace ssdbuild
