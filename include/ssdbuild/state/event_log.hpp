#pragma once
// events.jsonl: one JSON object a line (run start/end, step start/skip/end with reason and
// duration), appended with single O_APPEND writes so that lines never interleave. The file
// is opened once per run, not once per event: a resumed run skips dozens of steps.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace ssdbuild {

class EventLog {
 public:
  explicit EventLog(std::filesystem::path path) : path_(std::move(path)) {}
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  /// Appends `event` with a "time" field added. Failures are logged, not thrown: a lost
  /// event must not fail a build.
  void append(nlohmann::json event) const;

 private:
  std::filesystem::path path_;
  mutable int fd_ = -1;
};

}  // namespace ssdbuild
