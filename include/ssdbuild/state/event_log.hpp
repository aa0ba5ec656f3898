#pragma once
// events.jsonl: one JSON object a line (run start/end, step start/skip/end with reason and
// duration), appended with single O_APPEND writes so that lines never interleave. The file
// is opened once per run, not once per event: a resumed run skips dozens of steps.
// `run --json` mirrors the same lines to stdout: one serialization, written twice, so that
// a notebook reading stdout and a later `report --timeline` reading the file see the same.
#include <chrono>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssdbuild {

class EventLog {
 public:
  /// `mirror_fd`: a descriptor that gets every line as well (stdout for `run --json`); -1:
  /// none. The run's clock (each event's `elapsed_s`) starts here.
  explicit EventLog(std::filesystem::path path, int mirror_fd = -1);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;
  /// Appends `event` with "time" (UTC, seconds) and "elapsed_s" (seconds since this log was
  /// opened, to the millisecond) added. Failures are logged, not thrown: a lost event must
  /// not fail a build.
  void append(nlohmann::json event) const;
  /// The events appended through this object, as written: the run's own, for its summary.
  const std::vector<nlohmann::json>& appended() const { return appended_; }

 private:
  std::filesystem::path path_;
  int mirror_fd_;
  std::chrono::steady_clock::time_point opened_ = std::chrono::steady_clock::now();
  mutable int fd_ = -1;
  mutable bool mirror_failed_ = false;
  mutable std::vector<nlohmann::json> appended_;
};

}  // namespace ssdbuild
