#include "ssdbuild/state/event_log.hpp"

#include <spdlog/spdlog.h>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {

void EventLog::append(nlohmann::json event) const {
  event["time"] = format_utc(std::chrono::system_clock::now());
  try {
    append_line(path_, event.dump());
  } catch (const std::exception& problem) {
    spdlog::warn("cannot record an event: {}", problem.what());
  }
}

}  // namespace ssdbuild
