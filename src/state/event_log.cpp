#include "ssdbuild/state/event_log.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {
namespace {

// One write(2) of the whole line (retried on EINTR): with O_APPEND, lines of two writers
// never interleave. Returns 0 or the errno that stopped it.
int write_line(int fd, const std::string& line) {
  ssize_t written;
  do {
    written = ::write(fd, line.data(), line.size());
  } while (written < 0 && errno == EINTR);
  if (written == static_cast<ssize_t>(line.size())) return 0;
  return written < 0 ? errno : ENOSPC;
}

}  // namespace

EventLog::EventLog(std::filesystem::path path, int mirror_fd)
    : path_(std::move(path)), mirror_fd_(mirror_fd) {}

EventLog::~EventLog() {
  if (fd_ >= 0) ::close(fd_);
}

void EventLog::append(nlohmann::json event) const {
  event["time"] = format_utc(std::chrono::system_clock::now());
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - opened_;
  event["elapsed_s"] = std::round(elapsed.count() * 1000) / 1000;
  std::string line = event.dump() + "\n";
  appended_.push_back(std::move(event));
  try {
    if (fd_ < 0) {
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd_ < 0) throw Error(errno_message("cannot open " + path_.string(), errno));
    }
    if (int problem = write_line(fd_, line); problem != 0) {
      throw Error(errno_message("cannot write " + path_.string(), problem));
    }
  } catch (const std::exception& problem) {
    spdlog::warn("cannot record an event: {}", problem.what());
  }
  // A reader that went away (a closed pipe) must not stop the build either; one warning.
  if (mirror_fd_ >= 0 && !mirror_failed_) {
    if (int problem = write_line(mirror_fd_, line); problem != 0) {
      mirror_failed_ = true;
      spdlog::warn("{}", errno_message("cannot write the events to stdout", problem));
    }
  }
}

}  // namespace ssdbuild
