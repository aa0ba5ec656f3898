#pragma once
// Carries out a plan: each step that runs is checkpointed (running -> done, failed or
// interrupted) in state.json and events.jsonl, its output logged, its timeout and retries
// honoured, and signals forwarded to it.
#include <chrono>
#include <deque>
#include <string>

#include "ssdbuild/cache/cache_stores.hpp"
#include "ssdbuild/exec/console.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/plan/planner.hpp"
#include "ssdbuild/state/event_log.hpp"
#include "ssdbuild/state/state_store.hpp"

namespace ssdbuild {

class RunLock;

struct ExecutorOptions {
  std::string rerun_prefix;  // "ssdbuild run RECIPE --state-dir D", for the failure report
  std::chrono::milliseconds retry_backoff{5000};  // doubles with each retry, up to a minute
  std::chrono::milliseconds kill_grace{10000};
  const RunLock* lock = nullptr;        // checked between steps: a run whose lock was taken stops
  CacheStores* cache_stores = nullptr;  // the stage cache; null: none restored or packed
};

class Executor {
 public:
  Executor(const Recipe& recipe, StateStore& state, const EventLog& events, Console& console,
           const SignalWatcher& signals, std::string boot_id, ExecutorOptions options);

  /// Runs the steps the plan says to run, in order; stops at the first failure. Returns
  /// the exit code: 0, 1 (a step failed) or 130 (interrupted).
  int execute(const Plan& plan);

 private:
  enum class StepResult { done, failed, interrupted };
  /// Runs `action`: the step's own, or what it does for restored stages (for_restored).
  StepResult run_step(const PlannedStep& step, const Action& action, const std::string& reason);
  void report_failure(const PlannedStep& step, const std::string& what,
                      const std::deque<std::string>& tail);

  const Recipe& recipe_;
  StateStore& state_;
  const EventLog& events_;
  Console& console_;
  const SignalWatcher& signals_;
  std::string boot_id_;
  ExecutorOptions options_;
  std::string run_token_;  // this run, for StepContext::run_token
};

}  // namespace ssdbuild
