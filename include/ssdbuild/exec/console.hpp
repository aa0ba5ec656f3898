#pragma once
// What the user sees. A notebook cell (Colab runs `!cmd` under a pty that renders `\r` but
// not cursor movement, truncates huge output and rate-limits it) gets plain lines and no
// cursor tricks; a real terminal may get colour. NO_COLOR always wins.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace ssdbuild {

enum class ProgressStyle { plain, fancy };
enum class ColorMode { automatic, always, never };

struct ConsoleOptions {
  ProgressStyle style = ProgressStyle::plain;
  bool color = false;
  bool quiet = false;                  // only step start/end lines, and the log's tail on failure
  bool follow = false;                 // every line, never condensed
  std::chrono::seconds heartbeat{60};  // silence before "still running"
  std::FILE* out = stdout;
};

/// Picks style and colour from the flags and the environment (COLAB_*, NO_COLOR, whether
/// `out` is a terminal). `out` is stdout, or stderr when stdout carries `run --json`'s events.
ConsoleOptions detect_console(const std::string& progress_flag, ColorMode color, bool quiet,
                              bool follow, std::FILE* out = stdout);

class Console {
 public:
  explicit Console(ConsoleOptions options) : options_(options) {}

  const ConsoleOptions& options() const { return options_; }

  // `label` is the step with its counter: "[7/23] build/caffe" (RunProgress::label).
  void step_line(std::string_view step_id, std::string_view text);
  /// "==> LABEL  (REASON)  NOTE": the note is the elapsed time and the ETA (start_note).
  void step_started(std::string_view label, std::string_view reason, std::string_view note);
  void step_skipped(std::string_view label, std::string_view reason);
  void step_succeeded(std::string_view label, std::chrono::duration<double> duration);
  void step_failed(std::string_view step_id, std::string_view what);
  void info(std::string_view text);
  void warning(std::string_view text);
  void error(std::string_view text);
  void raw(std::string_view text);

 private:
  std::string paint(std::string_view text, const char* code) const;
  void write(const std::string& line);

  ConsoleOptions options_;
  std::mutex mutex_;
};

}  // namespace ssdbuild
