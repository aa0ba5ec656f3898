#pragma once
// Where a run is, for its console lines: each step's counter ("[7/23] build/caffe"), the
// time since the run started, and estimates from the durations that state.json recorded
// for the steps when they last succeeded. The estimates are taken when the run starts,
// before it overwrites them.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ssdbuild/plan/planner.hpp"
#include "ssdbuild/state/state_store.hpp"

namespace ssdbuild {

using Seconds = std::chrono::duration<double>;

/// The steps still to run: the sum of their estimates, and how many have none.
struct RemainingWork {
  Seconds known{0};
  size_t unknown = 0;
};

class RunProgress {
 public:
  RunProgress(const Plan& plan, const StateStore& state);

  size_t total() const { return estimates_.size(); }
  /// "[7/23] build/caffe" for the plan's step `index` (0-based): util's counted().
  std::string label(size_t index) const;
  /// The step's place for its events: {"index": 7, "total": 23} (index 1-based).
  nlohmann::json event_fields(size_t index) const;
  /// How long the step took when it last succeeded; nullopt when it never did, or its
  /// record says nothing (a restored step, whose restore took no step time).
  std::optional<Seconds> estimate(size_t index) const { return estimates_.at(index); }
  /// The steps from `index` on that the plan runs, `index` included.
  RemainingWork remaining(size_t index) const;

 private:
  std::vector<std::string> ids_;
  std::vector<std::optional<Seconds>> estimates_;
  std::vector<bool> runs_;
};

/// What a step's start line says after its reason: "elapsed 3m10s, ETA 12m30s (last run),
/// run ETA 25m00s". The run's ETA is left out when this is the last step to run, and says
/// "over" when some steps to run have no estimate.
std::string start_note(Seconds run_elapsed, std::optional<Seconds> estimate,
                       const RemainingWork& rest);

/// A silent step's heartbeat: "still running: 5m00s, ETA 7m30s (took 12m30s last run)",
/// or "still running: 13m00s (took 12m30s last run)" once it is past its estimate.
std::string heartbeat_text(Seconds running_for, std::optional<Seconds> estimate);

}  // namespace ssdbuild
