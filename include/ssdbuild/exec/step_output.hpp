#pragma once
// A running step's output: every line goes to its log file; the console gets the lines
// live, but a step that floods (more than ~20 lines a second, e.g. a compiler spewing
// warnings) is condensed to a summary line every few seconds, because a notebook
// truncates and rate-limits output. A silent step gets a heartbeat line.
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>

#include "ssdbuild/exec/console.hpp"
#include "ssdbuild/exec/process.hpp"

namespace ssdbuild {

class StepOutput : public LineSink {
 public:
  static constexpr size_t kFloodLinesPerSecond = 20;
  static constexpr std::chrono::seconds kSummaryInterval{5};
  static constexpr size_t kTailLines = 30;

  /// Appends to `log_file` (created with its folder if needed). `estimate`: how long the
  /// step took last time, for the heartbeat's ETA.
  StepOutput(std::string step_id, const std::filesystem::path& log_file, Console& console,
             std::optional<std::chrono::duration<double>> estimate = std::nullopt);
  ~StepOutput() override;

  void on_line(std::string_view line) override;
  void on_tick(std::chrono::steady_clock::time_point now) override;
  void on_result(std::string_view line) override;

  /// Writes a line to the log only (attempt headers and footers).
  void log_only(std::string_view line);
  /// Prints the summary of lines still held back, if any.
  void flush_summary();
  /// The last lines of output, for the failure report.
  const std::deque<std::string>& tail() const { return tail_; }

 private:
  using Clock = std::chrono::steady_clock;

  /// The log and the tail get every line, whatever the console shows.
  void keep(std::string_view line);

  std::string step_id_;
  Console& console_;
  std::optional<std::chrono::duration<double>> estimate_;
  std::FILE* log_ = nullptr;
  std::deque<std::string> tail_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point window_start_ = Clock::now();
  size_t lines_in_window_ = 0;
  bool condensed_ = false;
  size_t held_back_ = 0;
  std::string latest_;
  Clock::time_point last_summary_ = Clock::now();
  Clock::time_point last_console_ = Clock::now();
};

}  // namespace ssdbuild
