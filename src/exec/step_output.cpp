#include "ssdbuild/exec/step_output.hpp"

#include "ssdbuild/exec/run_progress.hpp"
#include "ssdbuild/util/error.hpp"

namespace ssdbuild {

StepOutput::StepOutput(std::string step_id, const std::filesystem::path& log_file, Console& console,
                       std::optional<std::chrono::duration<double>> estimate)
    : step_id_(std::move(step_id)), console_(console), estimate_(estimate) {
  std::filesystem::create_directories(log_file.parent_path());
  log_ = std::fopen(log_file.c_str(), "ae");
  if (log_ == nullptr)
    throw Error(errno_message("cannot open the log " + log_file.string(), errno));
}

StepOutput::~StepOutput() {
  if (log_ != nullptr) std::fclose(log_);
}

void StepOutput::log_only(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), log_);
  std::fputc('\n', log_);
  std::fflush(log_);
}

void StepOutput::keep(std::string_view line) {
  log_only(line);
  tail_.emplace_back(line);
  if (tail_.size() > kTailLines) tail_.pop_front();
}

void StepOutput::on_line(std::string_view line) {
  keep(line);
  const ConsoleOptions& options = console_.options();
  if (options.quiet) return;
  Clock::time_point now = Clock::now();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    window_start_ = now;
    lines_in_window_ = 0;
  }
  ++lines_in_window_;
  if (!options.follow && !condensed_ && lines_in_window_ > kFloodLinesPerSecond) {
    condensed_ = true;
    last_summary_ = now;
  }
  if (condensed_) {
    ++held_back_;
    latest_ = std::string(line);
    return;
  }
  console_.step_line(step_id_, line);
  last_console_ = now;
}

void StepOutput::on_result(std::string_view line) {
  flush_summary();
  keep(line);
  console_.step_line(step_id_, line);
  last_console_ = Clock::now();
}

void StepOutput::flush_summary() {
  if (held_back_ == 0) return;
  console_.step_line(
      step_id_, "... " + std::to_string(held_back_) + " more lines in the log; latest: " + latest_);
  held_back_ = 0;
  last_console_ = Clock::now();
}

void StepOutput::on_tick(Clock::time_point now) {
  if (condensed_ && now - last_summary_ >= kSummaryInterval) {
    flush_summary();
    last_summary_ = now;
    // Leave condensed mode once the flood has calmed down.
    if (now - window_start_ >= std::chrono::seconds(1) ||
        lines_in_window_ <= kFloodLinesPerSecond) {
      condensed_ = false;
    }
  }
  if (!console_.options().quiet && now - last_console_ >= console_.options().heartbeat) {
    console_.step_line(step_id_, heartbeat_text(now - started_, estimate_));
    last_console_ = now;
  }
}

}  // namespace ssdbuild
