#include "ssdbuild/state/event_log.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {

EventLog::~EventLog() {
  if (fd_ >= 0) ::close(fd_);
}

void EventLog::append(nlohmann::json event) const {
  event["time"] = format_utc(std::chrono::system_clock::now());
  try {
    if (fd_ < 0) {
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd_ < 0) throw Error(errno_message("cannot open " + path_.string(), errno));
    }
    std::string line = event.dump() + "\n";
    ssize_t written;
    do {
      written = ::write(fd_, line.data(), line.size());
    } while (written < 0 && errno == EINTR);
    if (written != static_cast<ssize_t>(line.size())) {
      throw Error(errno_message("cannot write " + path_.string(), written < 0 ? errno : ENOSPC));
    }
  } catch (const std::exception& problem) {
    spdlog::warn("cannot record an event: {}", problem.what());
  }
}

}  // namespace ssdbuild
