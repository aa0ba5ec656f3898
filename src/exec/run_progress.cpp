#include "ssdbuild/exec/run_progress.hpp"

#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

RunProgress::RunProgress(const Plan& plan, const StateStore& state) {
  for (const auto& step : plan.steps) {
    ids_.push_back(step.id);
    runs_.push_back(step.decision == Decision::run);
    const StepRecord* record = state.find(step.id);
    // Only a success is a whole run of the step: a failure or an interrupt stopped early.
    if (record != nullptr && record->status == StepStatus::done && record->duration_s > 0) {
      estimates_.emplace_back(Seconds(record->duration_s));
    } else {
      estimates_.emplace_back(std::nullopt);
    }
  }
}

std::string RunProgress::label(size_t index) const {
  return counted(index + 1, total(), ids_.at(index));
}

nlohmann::json RunProgress::event_fields(size_t index) const {
  return {{"index", index + 1}, {"total", total()}};
}

RemainingWork RunProgress::remaining(size_t index) const {
  RemainingWork rest;
  for (size_t i = index; i < estimates_.size(); ++i) {
    if (!runs_[i]) continue;
    if (estimates_[i]) {
      rest.known += *estimates_[i];
    } else {
      ++rest.unknown;
    }
  }
  return rest;
}

std::string start_note(Seconds run_elapsed, std::optional<Seconds> estimate,
                       const RemainingWork& rest) {
  std::string note = "elapsed " + format_duration(run_elapsed);
  if (estimate) note += ", ETA " + format_duration(*estimate) + " (last run)";
  // The rest of the run beyond this step: worth a word only when there is one.
  Seconds beyond = rest.known - estimate.value_or(Seconds(0));
  size_t unknown_beyond = rest.unknown - (estimate || rest.unknown == 0 ? 0 : 1);
  if (beyond.count() > 0) {
    note += std::string(", run ETA ") + (unknown_beyond > 0 ? "over " : "") +
            format_duration(rest.known);
  }
  return note;
}

std::string heartbeat_text(Seconds running_for, std::optional<Seconds> estimate) {
  std::string text = "still running: " + format_duration(running_for);
  if (!estimate) return text;
  if (running_for < *estimate) text += ", ETA " + format_duration(*estimate - running_for);
  return text + " (took " + format_duration(*estimate) + " last run)";
}

}  // namespace ssdbuild
