#pragma once
// The executor's side of the stage cache. Before any step runs, every stage the plan
// restores comes back from its archive: then the steps before it (a clone, the configure
// patches) find their work done in the restored tree instead of rewriting files that the
// restored build depends on. After a cached stage succeeds, its paths are packed.
#include <map>
#include <set>
#include <string>

#include "ssdbuild/cache/cache_stores.hpp"
#include "ssdbuild/exec/console.hpp"
#include "ssdbuild/exec/run_progress.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/plan/planner.hpp"
#include "ssdbuild/state/event_log.hpp"
#include "ssdbuild/state/state_store.hpp"

namespace ssdbuild {

class StageCacheRunner {
 public:
  StageCacheRunner(CacheStores& stores, StateStore& state, const EventLog& events, Console& console,
                   const SignalWatcher& signals, std::string boot_id, std::string recipe_name)
      : stores_(stores),
        store_(stores.local),
        state_(state),
        events_(events),
        console_(console),
        signals_(signals),
        boot_id_(std::move(boot_id)),
        recipe_name_(std::move(recipe_name)) {}

  /// Restores the stages the plan restores, downloading first those on the remote store (the
  /// state folder keeps them). A stage whose archive is missing, corrupt, refused, or cannot
  /// be downloaded is left to run (it is not restored()), with a warning.
  void restore_all(const Plan& plan);

  /// Whether `stage` came back from the cache in this run.
  bool restored(const StageDefinition* stage) const { return restored_.count(stage) > 0; }

  /// Called in step order for a step the plan restores, in a restored stage: when its
  /// `creates` and `check` hold (checked here, in order, so that a check sees what the
  /// steps before it did), records it done and returns true. Otherwise it must run, and
  /// so must the rest of its stage. `index` is the step's place in the plan, for its line
  /// and event.
  bool take_restored(const PlannedStep& step, const RunProgress& progress, size_t index);

  /// Called after the plan's step `index` was handled: when it is the last step of a
  /// cached stage, a step of that stage ran in this run, and all of them are done, packs
  /// the stage, then uploads it to the remote store. A failed pack or upload is a warning:
  /// the build is fine, only the cache is not (`ssdbuild cache push` retries an upload).
  void after_step(const Plan& plan, size_t index, bool ran);

 private:
  bool stage_done(const Plan& plan, const StageDefinition* stage) const;
  /// Downloads a remote archive into the state folder; false (with a warning) when it fails.
  bool download(const PlannedStageCache& cache);
  void upload(const PlannedStageCache& cache);

  CacheStores& stores_;
  const CacheStore& store_;
  StateStore& state_;
  const EventLog& events_;
  Console& console_;
  const SignalWatcher& signals_;
  std::string boot_id_;
  std::string recipe_name_;
  std::map<const StageDefinition*, CacheOperation> restored_;
  std::map<const StageDefinition*, std::vector<std::filesystem::path>> roots_;
  std::set<const StageDefinition*> ran_;  // stages with a step that ran in this run
};

}  // namespace ssdbuild
