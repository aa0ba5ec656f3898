#pragma once
// The two ways ssdbuild reports trouble: an Error ends the command with an exit code and a
// message that names what failed and what to do; it is caught once, in the CLI.
#include <stdexcept>
#include <string>

namespace ssdbuild {

/// Exit codes of the ssdbuild command (documented in README and --help).
enum ExitCode : int {
  kExitOk = 0,
  kExitStepFailed = 1,
  kExitUsage = 2,  // usage or recipe error
  kExitLocked = 3,
  kExitInterrupted = 130,
};

/// An error that ends the command with `exit_code`; `what()` is the full user-facing message.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitStepFailed)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

/// Formats "what: strerror(errno)" for a failed system call.
std::string errno_message(const std::string& what, int error_number);

}  // namespace ssdbuild
