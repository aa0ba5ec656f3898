#include "ssdbuild/exec/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <spdlog/spdlog.h>

#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/util/error.hpp"

extern char** environ;

namespace ssdbuild {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxLine = 64 * 1024;  // a line longer than this is passed on in pieces

// Everything the child needs is prepared before fork: after fork in a process with threads
// (the lock's heartbeat) only async-signal-safe calls are allowed.
struct PreparedExec {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

PreparedExec prepare_exec(const ProcessOptions& options) {
  PreparedExec prepared;
  prepared.storage.reserve(options.argv.size() + options.extra_env.size());
  for (const auto& argument : options.argv) prepared.storage.push_back(argument);
  for (const auto& [name, value] : options.extra_env)
    prepared.storage.push_back(name + "=" + value);
  for (size_t i = 0; i < options.argv.size(); ++i) {
    prepared.argv.push_back(prepared.storage[i].data());
  }
  prepared.argv.push_back(nullptr);
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view variable(*entry);
    bool overridden = false;
    for (const auto& [name, value] : options.extra_env) {
      overridden = overridden || (variable.size() > name.size() && variable[name.size()] == '=' &&
                                  variable.substr(0, name.size()) == name);
    }
    if (!overridden) prepared.envp.push_back(*entry);
  }
  for (size_t i = options.argv.size(); i < prepared.storage.size(); ++i) {
    prepared.envp.push_back(prepared.storage[i].data());
  }
  prepared.envp.push_back(nullptr);
  return prepared;
}

[[noreturn]] void exec_child(const ProcessOptions& options, const PreparedExec& prepared,
                             int output_fd, int error_pipe) {
  reset_signals_in_child();
  ::setpgid(0, 0);
  // If ssdbuild is SIGKILLed, take the step's shell down with it.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int null_fd = ::open("/dev/null", O_RDWR);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(options.merge_stderr ? output_fd : null_fd, STDERR_FILENO);
  if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
    int error = errno;
    (void)!::write(error_pipe, &error, sizeof error);
    ::_exit(127);
  }
  ::execvpe(prepared.argv[0], prepared.argv.data(), prepared.envp.data());
  int error = errno;
  (void)!::write(error_pipe, &error, sizeof error);
  ::_exit(127);
}

// Splits the child's bytes into lines for the sink.
class LineSplitter {
 public:
  explicit LineSplitter(LineSink& sink) : sink_(sink) {}
  void feed(const char* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      if (data[i] == '\n') {
        flush();
      } else {
        pending_ += data[i];
        if (pending_.size() >= kMaxLine) flush();
      }
    }
  }
  void finish() {
    if (!pending_.empty()) flush();
  }

 private:
  void flush() {
    if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
    sink_.on_line(pending_);
    pending_.clear();
  }
  LineSink& sink_;
  std::string pending_;
};

}  // namespace

std::string signal_name(int signal_number) {
  switch (signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    case SIGKILL:
      return "SIGKILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGABRT:
      return "SIGABRT";
    case SIGPIPE:
      return "SIGPIPE";
    default:
      return "signal " + std::to_string(signal_number);
  }
}

std::string ProcessResult::describe() const {
  if (!started) return "could not start: " + error;
  if (interrupted_by != 0) return "interrupted (" + signal_name(interrupted_by) + ")";
  if (timed_out) return "timeout";
  if (signal != 0) return "killed by " + signal_name(signal);
  return "exit " + std::to_string(exit_code);
}

ProcessResult run_process(const ProcessOptions& options, LineSink& sink,
                          const SignalWatcher* signals) {
  ProcessResult result;
  int output_pipe[2];
  int error_pipe[2];
  if (::pipe2(output_pipe, O_CLOEXEC) != 0 || ::pipe2(error_pipe, O_CLOEXEC) != 0) {
    throw Error(errno_message("cannot create a pipe for " + options.argv.at(0), errno));
  }
  PreparedExec prepared = prepare_exec(options);
  pid_t pid = ::fork();
  if (pid < 0) throw Error(errno_message("cannot fork for " + options.argv.at(0), errno));
  if (pid == 0) exec_child(options, prepared, output_pipe[1], error_pipe[1]);
  ::setpgid(pid, pid);  // also in the parent, so kill(-pid) works at once
  ::close(output_pipe[1]);
  ::close(error_pipe[1]);
  spdlog::debug("spawned pid {}: {}", pid, options.argv.at(0));

  int exec_error = 0;
  if (::read(error_pipe[0], &exec_error, sizeof exec_error) == sizeof exec_error) {
    result.error = std::strerror(exec_error) + std::string(": ") + options.argv.at(0);
    if (!options.cwd.empty()) result.error += " (in " + options.cwd.string() + ")";
  } else {
    result.started = true;
  }
  ::close(error_pipe[0]);

  int flags = ::fcntl(output_pipe[0], F_GETFL);
  ::fcntl(output_pipe[0], F_SETFL, flags | O_NONBLOCK);
  LineSplitter splitter(sink);
  bool output_open = true;
  bool exited = false;
  int status = 0;
  std::optional<Clock::time_point> kill_at;
  std::optional<Clock::time_point> exited_at;

  auto terminate_group = [&](int signal_number) {
    ::kill(-pid, signal_number);
    if (!kill_at) kill_at = Clock::now() + options.kill_grace;
  };

  while (true) {
    Clock::time_point now = Clock::now();
    if (!exited && !result.timed_out && options.deadline && now >= *options.deadline) {
      result.timed_out = true;
      spdlog::debug("pid {} passed its deadline: SIGTERM to its group", pid);
      terminate_group(SIGTERM);
    }
    if (!exited && signals && signals->received() != 0 && result.interrupted_by == 0) {
      result.interrupted_by = signals->received();
      spdlog::debug("forwarding {} to group {}", signal_name(result.interrupted_by), pid);
      terminate_group(result.interrupted_by);
    }
    if (!exited && kill_at && now >= *kill_at) {
      ::kill(-pid, SIGKILL);
      kill_at = now + std::chrono::hours(1);
    }

    struct pollfd entries[2];
    nfds_t count = 0;
    if (output_open) entries[count++] = {output_pipe[0], POLLIN, 0};
    if (signals) entries[count++] = {signals->fd(), POLLIN, 0};
    // Once the output is closed the child is about to exit: look again soon. So also once it
    // was signalled: a notebook's stop button SIGKILLs ssdbuild half a second after its ^C
    // (Jupyter's `!`, through pexpect), and by then the step's group must be gone.
    int wait_ms = exited ? 20 : (output_open && !kill_at ? 200 : 5);
    ::poll(entries, count, wait_ms);
    if (signals) signals->drain();

    if (output_open) {
      char buffer[16384];
      while (true) {
        ssize_t got = ::read(output_pipe[0], buffer, sizeof buffer);
        if (got > 0) {
          splitter.feed(buffer, static_cast<size_t>(got));
          continue;
        }
        if (got == 0) output_open = false;
        if (got < 0 && errno == EINTR) continue;
        break;
      }
    }
    sink.on_tick(Clock::now());

    if (!exited) {
      pid_t waited = ::waitpid(pid, &status, WNOHANG);
      if (waited == pid) {
        exited = true;
        exited_at = Clock::now();
        spdlog::debug("pid {} ended with status {}", pid, status);
      }
    }
    // A background grandchild may hold the pipe open forever: once the child has exited,
    // read what is left for a moment and stop. After an interrupt, only for one more read:
    // what is left of the group (a `cmd &` ignores SIGINT) is killed below, at once.
    auto linger = std::chrono::milliseconds(result.interrupted_by != 0 ? 20 : 300);
    if (exited && (!output_open || Clock::now() - *exited_at > linger)) break;
  }
  splitter.finish();
  ::close(output_pipe[0]);

  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  // A step that failed, timed out or was interrupted leaves nothing of its group behind.
  if (!result.ok()) ::kill(-pid, SIGKILL);
  return result;
}

CapturedOutput capture_output(const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) {
  struct Collector : LineSink {
    std::string text;
    void on_line(std::string_view line) override {
      text += line;
      text += '\n';
    }
  } collector;
  ProcessOptions options;
  options.argv = argv;
  options.deadline = Clock::now() + timeout;
  options.kill_grace = std::chrono::milliseconds(500);
  options.merge_stderr = false;
  ProcessResult result = run_process(options, collector, nullptr);
  return {result.started, result.ok() ? 0 : (result.exit_code < 0 ? 1 : result.exit_code),
          collector.text};
}

}  // namespace ssdbuild
