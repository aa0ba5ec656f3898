#pragma once
// Carries out a plan: each step that runs is checkpointed (running -> done, failed or
// interrupted) in state.json and events.jsonl, its output logged, its timeout and retries
// honoured, and signals forwarded to it.
#include <chrono>
#include <deque>
#include <optional>
#include <string>

#include "ssdbuild/cache/cache_stores.hpp"
#include "ssdbuild/exec/console.hpp"
#include "ssdbuild/exec/run_progress.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/exec/step_output.hpp"
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
  const StepProbe* probe = nullptr;     // creates and checks; null: real_step_probe()
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
  using Clock = std::chrono::steady_clock;
  // How one attempt at a step ended.
  struct Attempt {
    ProcessResult process;
    bool success = false;  // the action succeeded and verify() found what it must
    std::string ended;     // for the log and a retry: "exit 2", "finished, but ..."
    std::string detail;    // for the failure report: the action's message, or `ended`
    std::string failure;   // for the record when verify() failed: "check failed", ...
  };
  /// Runs `action`: the step's own, or what it does for restored stages (for_restored).
  /// Records it, writes its .sh, makes its attempts, records and reports how it ended.
  /// `index` is the step's place in the plan (its counter, its estimate).
  StepResult run_step(const PlannedStep& step, size_t index, const Action& action,
                      const std::string& reason);
  StepRecord& start_step(const PlannedStep& step, size_t index, const Action& action,
                         const std::string& reason);
  int earlier_attempts(const PlannedStep& step) const;
  std::filesystem::path write_step_script(const PlannedStep& step, const Action& action);
  StepContext context_for(const PlannedStep& step, StepRecord& record,
                          const std::filesystem::path& script, LineSink& output,
                          Clock::time_point attempt_started);
  Attempt run_attempt(const PlannedStep& step, const Action& action, const std::string& reason,
                      StepRecord& record, StepOutput& output, const std::filesystem::path& script);
  void verify(const PlannedStep& step, Attempt& attempt, StepOutput& output);
  /// Waits before retry `number` + 1; false when a signal came instead.
  bool wait_to_retry(const PlannedStep& step, int number, const Attempt& attempt,
                     StepOutput& output);
  StepResult finish_step(const PlannedStep& step, size_t index, StepRecord& record,
                         const Attempt& attempt, Clock::time_point started, StepOutput& output);
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
  // Set by execute(): when the run started, and the counters and estimates of its plan.
  Clock::time_point run_started_;
  std::optional<RunProgress> progress_;
};

}  // namespace ssdbuild
