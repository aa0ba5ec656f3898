#include "ssdbuild/exec/signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <stdexcept>

namespace ssdbuild {
namespace {

std::atomic<int> g_received{0};
int g_pipe[2] = {-1, -1};
struct sigaction g_previous[3];
const int kWatched[3] = {SIGINT, SIGTERM, SIGHUP};

void on_signal(int signal_number) {
  int expected = 0;
  g_received.compare_exchange_strong(expected, signal_number);
  char byte = static_cast<char>(signal_number);
  int saved = errno;
  (void)!::write(g_pipe[1], &byte, 1);
  errno = saved;
}

}  // namespace

SignalWatcher::SignalWatcher() {
  if (::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("cannot create the signal pipe");
  }
  g_received = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) ::sigaction(kWatched[i], &action, &g_previous[i]);
  // When the notebook kills the cell's bash, end as on SIGTERM rather than live on.
  pid_t parent = ::getppid();
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) on_signal(SIGTERM);  // the parent died before prctl
}

SignalWatcher::~SignalWatcher() {
  ::prctl(PR_SET_PDEATHSIG, 0);
  for (int i = 0; i < 3; ++i) ::sigaction(kWatched[i], &g_previous[i], nullptr);
  ::close(g_pipe[0]);
  ::close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

int SignalWatcher::fd() const {
  return g_pipe[0];
}

int SignalWatcher::received() const {
  return g_received.load();
}

void SignalWatcher::drain() const {
  char buffer[64];
  while (::read(g_pipe[0], buffer, sizeof buffer) > 0) {
  }
}

bool SignalWatcher::sleep_unless_signalled(long milliseconds) const {
  if (received() != 0) return false;
  struct pollfd entry {
    g_pipe[0], POLLIN, 0
  };
  ::poll(&entry, 1, static_cast<int>(milliseconds));
  return received() == 0;
}

void reset_signals_in_child() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD}) {
    ::signal(signal_number, SIG_DFL);
  }
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

}  // namespace ssdbuild
