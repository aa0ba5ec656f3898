#pragma once
// Child processes: each in its own process group, stdin from /dev/null, its output read
// line by line. A deadline or a signal ends the whole group: the signal (or SIGTERM), a
// grace period, then SIGKILL.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssdbuild {

class SignalWatcher;

/// How a child ended.
struct ProcessResult {
  bool started = false;  // false: it could not be executed (see error)
  int exit_code = -1;    // when it exited
  int signal = 0;        // when a signal ended it
  bool timed_out = false;
  int interrupted_by = 0;  // the signal ssdbuild received and forwarded
  std::string error;       // why it could not start

  bool ok() const { return started && exit_code == 0 && !timed_out && interrupted_by == 0; }
  /// "exit 2", "signal 9", "timeout", "interrupted (SIGINT)", "could not start: ...".
  std::string describe() const;
};

/// Receives a child's output; a long silence still gets ticks, for heartbeats.
class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual void on_line(std::string_view line) = 0;
  /// A line that is the step's result (a benchmark's table): shown even when the output is
  /// condensed or --quiet.
  virtual void on_result(std::string_view line) { on_line(line); }
  virtual void on_tick(std::chrono::steady_clock::time_point /*now*/) {}
};

struct ProcessOptions {
  std::vector<std::string> argv;
  std::filesystem::path cwd;  // empty: ssdbuild's own
  std::vector<std::pair<std::string, std::string>> extra_env;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  std::chrono::milliseconds kill_grace{10000};
  bool merge_stderr = true;  // false: stderr goes to /dev/null
};

/// Runs a child to its end and returns how it ended; `signals` may be null.
ProcessResult run_process(const ProcessOptions& options, LineSink& sink,
                          const SignalWatcher* signals);

struct CapturedOutput {
  bool started = false;
  int exit_code = -1;
  std::string output;
};

/// For probes (gcc, nvcc, nvidia-smi): stdout of a short command, with a timeout.
CapturedOutput capture_output(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// The name of a signal, "SIGINT".
std::string signal_name(int signal_number);

}  // namespace ssdbuild
