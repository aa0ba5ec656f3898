#pragma once
// SIGINT, SIGTERM and SIGHUP, caught while ssdbuild runs steps, so that it can forward them
// to the step's process group, record the step as interrupted, release the lock and exit
// 130. Colab's stop button signals only the cell's bash, never its children, so ssdbuild
// also asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG).
#include <atomic>

namespace ssdbuild {

class SignalWatcher {
 public:
  /// Installs the handlers; one watcher at a time.
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  /// A descriptor that becomes readable when a signal arrives (for poll).
  int fd() const;
  /// The first signal received, or 0.
  int received() const;
  /// Reads the pending wake-up bytes.
  void drain() const;

  /// Sleeps up to `milliseconds`; returns early (false) when a signal arrives.
  bool sleep_unless_signalled(long milliseconds) const;
};

/// Called in a forked child before exec: default dispositions and an empty signal mask.
void reset_signals_in_child();

}  // namespace ssdbuild
