#include "ssdbuild/exec/executor.hpp"

#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "ssdbuild/exec/stage_cache_runner.hpp"
#include "ssdbuild/exec/step_output.hpp"
#include "ssdbuild/plan/plan_script.hpp"
#include "ssdbuild/state/run_lock.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {
namespace {

using Clock = std::chrono::steady_clock;

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// The first of the step's `needed_by` stages that the plan restores but the run could not:
// it is built, so the step must do all of its work. "" when none.
std::string unrestored_need(const Plan& plan, const PlannedStep& step,
                            const std::optional<StageCacheRunner>& caches) {
  for (const StageDefinition* stage : step.needed_by) {
    const PlannedStageCache* cache = plan.cache_of(stage);
    if (cache && cache->restore && (!caches || !caches->restored(stage))) return stage->name;
  }
  return "";
}

}  // namespace

Executor::Executor(const Recipe& recipe, StateStore& state, const EventLog& events,
                   Console& console, const SignalWatcher& signals, std::string boot_id,
                   ExecutorOptions options)
    : recipe_(recipe),
      state_(state),
      events_(events),
      console_(console),
      signals_(signals),
      boot_id_(std::move(boot_id)),
      options_(std::move(options)),
      run_token_(std::to_string(::getpid()) + "@" + format_utc(std::chrono::system_clock::now())) {}

int Executor::execute(const Plan& plan) {
  run_started_ = Clock::now();
  progress_.emplace(plan, state_);  // before any step overwrites the durations it reads
  const RunProgress& progress = *progress_;
  size_t ran = 0, skipped = 0, restored = 0;
  std::vector<std::string> optional_failures;
  std::set<std::string> rerun;  // after an optional step that failed before succeeds
  std::string rerun_reason;
  std::optional<StageCacheRunner> caches;
  if (options_.cache_stores != nullptr) {
    caches.emplace(*options_.cache_stores, state_, events_, console_, signals_, boot_id_,
                   recipe_.name);
    caches->restore_all(plan);
  }
  for (size_t index = 0; index < plan.steps.size(); ++index) {
    const PlannedStep& step = plan.steps[index];
    if (signals_.received() != 0) {
      console_.warning("interrupted by " + signal_name(signals_.received()) + " before " + step.id);
      return kExitInterrupted;
    }
    bool forced_now = step.enabled && step.selected && rerun.count(step.id) > 0;
    std::string unrestored = step.serves_restored_only ? unrestored_need(plan, step, caches) : "";
    forced_now = forced_now || !unrestored.empty();
    if (step.decision == Decision::restore && !forced_now && caches &&
        caches->take_restored(step, progress, index)) {
      ++restored;
      caches->after_step(plan, index, false);
      continue;
    }
    if (step.decision == Decision::skip && !forced_now) {
      ++skipped;
      console_.step_skipped(progress.label(index), step.reason);
      nlohmann::json event = {{"event", "step_skip"}, {"step", step.id}, {"reason", step.reason}};
      event.update(progress.event_fields(index));
      events_.append(event);
      if (caches) caches->after_step(plan, index, false);
      continue;
    }
    // Checked before each step that writes the state; a skip writes only an event.
    if (options_.lock != nullptr && !options_.lock->still_held()) {
      console_.error(
          "another ssdbuild run took over the state folder (it judged this run "
          "gone); stopping before " +
          step.id +
          " so that two runs do not write one "
          "state");
      return kExitLocked;
    }
    ++ran;
    const StepRecord* before = state_.find(step.id);
    bool failed_before = before != nullptr && before->status == StepStatus::failed;
    std::string reason = step.decision == Decision::skip ? rerun_reason : step.reason;
    const Action* action = step.action_to_run();
    if (!unrestored.empty() || action == nullptr) {
      action = step.action.get();
    }
    if (!unrestored.empty()) {
      reason = "run: stage " + unrestored + " could not be restored and is built, so all of " +
               step.id + " runs";
    }
    if (step.decision == Decision::restore) {
      // Its stage could not be restored: it is built, and what depends on it runs again.
      reason = step.run_reason;
      for (const auto& id : dependents_of(recipe_, step.id)) {
        if (id != step.id) rerun.insert(id);
      }
      rerun_reason = "run: " + step.id + " was built again, not restored";
    }
    StepResult result = run_step(step, index, *action, reason);
    if (caches) caches->after_step(plan, index, result == StepResult::done);
    if (result == StepResult::done && step.optional && failed_before) {
      for (const auto& id : dependents_of(recipe_, step.id)) {
        if (id != step.id) rerun.insert(id);
      }
      rerun_reason = "run: " + step.id + " (optional) succeeded this time";
    }
    if (result == StepResult::failed && step.optional) {
      console_.info(step.id +
                    " is optional: the run goes on without it (the next run tries it again)");
      optional_failures.push_back(step.id);
      continue;
    }
    if (result == StepResult::failed) return kExitStepFailed;
    if (result == StepResult::interrupted) return kExitInterrupted;
  }
  std::string failed_note;
  if (!optional_failures.empty()) {
    failed_note = " (optional, failed:";
    for (const auto& id : optional_failures) failed_note += " " + id;
    failed_note += ")";
  }
  console_.info("ssdbuild: " + std::to_string(ran) + " step(s) ran, " +
                (restored > 0 ? std::to_string(restored) + " restored from cache, " : "") +
                std::to_string(skipped) + " skipped, in " +
                format_duration(Clock::now() - run_started_) + failed_note);
  return kExitOk;
}

Executor::StepResult Executor::run_step(const PlannedStep& step, size_t index, const Action& action,
                                        const std::string& reason) {
  StepRecord& record = start_step(step, index, action, reason);
  std::filesystem::path script = write_step_script(step, action);
  StepOutput output(step.id, state_.layout().log_file(step.id), console_,
                    progress_->estimate(index));
  auto started = Clock::now();
  Attempt attempt;
  for (int number = 0; number <= step.retries; ++number) {
    attempt = run_attempt(step, action, reason, record, output, script);
    if (attempt.success || attempt.process.interrupted_by != 0) break;
    if (number < step.retries && !wait_to_retry(step, number, attempt, output)) {
      attempt.process.interrupted_by = signals_.received();
      break;
    }
  }
  return finish_step(step, index, record, attempt, started, output);
}

StepRecord& Executor::start_step(const PlannedStep& step, size_t index, const Action& action,
                                 const std::string& reason) {
  const StateLayout& layout = state_.layout();
  StepRecord& record = state_.record(step.id);
  start_step_record(record, step, StepStatus::running, boot_id_);
  if (&action != step.action.get()) record.details[kServedRestoredOnly] = true;
  record.log = std::filesystem::relative(layout.log_file(step.id), layout.folder).string();
  if (record.attempts == 0) record.attempts = earlier_attempts(step);
  state_.save();
  const RunProgress& progress = *progress_;
  std::optional<Seconds> estimate = progress.estimate(index);
  nlohmann::json event = {{"event", "step_start"}, {"step", step.id}, {"reason", reason}};
  event.update(progress.event_fields(index));
  if (estimate) event["estimate_s"] = estimate->count();
  events_.append(event);
  console_.step_started(
      progress.label(index), reason,
      start_note(Clock::now() - run_started_, estimate, progress.remaining(index)));
  return record;
}

// A reset step keeps its log: its attempts go on being numbered from there, so that
// `log --attempt N` finds one section per number.
int Executor::earlier_attempts(const PlannedStep& step) const {
  std::filesystem::path log_file = state_.layout().log_file(step.id);
  std::error_code error;
  if (!std::filesystem::exists(log_file, error)) return 0;
  std::string log = read_file(log_file);
  std::string header = "==== ssdbuild " + step.id + " attempt ";
  int count = 0;
  for (size_t at = log.find(header); at != std::string::npos; at = log.find(header, at + 1)) {
    ++count;
  }
  return count;
}

std::filesystem::path Executor::write_step_script(const PlannedStep& step, const Action& action) {
  std::filesystem::path script = state_.layout().script_file(step.id);
  std::filesystem::create_directories(script.parent_path());
  write_file_atomically(script, step_script_file(step, action, recipe_.name));
  return script;
}

StepContext Executor::context_for(const PlannedStep& step, StepRecord& record,
                                  const std::filesystem::path& script, LineSink& output,
                                  Clock::time_point attempt_started) {
  StepContext context;
  context.step_id = step.id;
  context.recipe_name = recipe_.name;
  context.fingerprint = step.fingerprint;
  context.cwd = step.cwd;
  context.env = step_environment(step);
  context.script_path = script;
  if (step.timeout) context.deadline = attempt_started + *step.timeout;
  context.kill_grace = options_.kill_grace;
  context.output = &output;
  context.signals = &signals_;
  context.state_folder = state_.layout().folder;
  context.details = &record.details;
  context.pins = &state_.pins();
  context.run_token = run_token_;
  return context;
}

Executor::Attempt Executor::run_attempt(const PlannedStep& step, const Action& action,
                                        const std::string& reason, StepRecord& record,
                                        StepOutput& output, const std::filesystem::path& script) {
  record.attempts += 1;
  state_.save();
  output.log_only("==== ssdbuild " + step.id + " attempt " + std::to_string(record.attempts) +
                  " ====");
  output.log_only("command: bash " + script.string());
  output.log_only("time: " + format_utc(std::chrono::system_clock::now()));
  output.log_only("host: " + host_name() + " (boot " + boot_id_ + ")");
  output.log_only("cwd: " + step.cwd.string());
  output.log_only("reason: " + reason);
  output.log_only("====");
  auto attempt_started = Clock::now();
  Attempt attempt;
  std::error_code error;
  if (!std::filesystem::is_directory(step.cwd, error)) {
    attempt.process.error = "the step's folder " + step.cwd.string() +
                            " does not exist (create it in an earlier step, or fix `cwd`)";
    output.on_line("ssdbuild: " + attempt.process.error);
  } else {
    ActionOutcome outcome;
    try {
      outcome = action.execute(context_for(step, record, script, output, attempt_started));
    } catch (const std::exception& problem) {
      // An action that cannot even start (its module will not load) fails the step, named.
      outcome = ActionOutcome::failed(problem.what());
    }
    attempt.process = outcome.process;
    attempt.detail = outcome.message;
  }
  output.flush_summary();
  attempt.ended = attempt.process.describe();
  if (attempt.process.ok()) verify(step, attempt, output);
  if (!attempt.success && attempt.detail.empty()) attempt.detail = attempt.ended;
  output.log_only("==== " + attempt.ended + " after " +
                  format_duration(Clock::now() - attempt_started) + " ====");
  return attempt;
}

// What a run checks after the action succeeds: what the step creates is there, and its
// `check` passes. A failure says which, not `exit 1`.
void Executor::verify(const PlannedStep& step, Attempt& attempt, StepOutput& output) {
  const StepProbe& probe = options_.probe ? *options_.probe : real_step_probe();
  if (auto missing = probe.missing_creates(step); !missing.empty()) {
    attempt.ended = "finished, but did not create " + missing.front();
    attempt.failure = "did not create " + missing.front();
    output.on_line("ssdbuild: the step " + attempt.ended);
  } else if (!step.check.empty() && !probe.check_passes(step, &signals_, &output)) {
    attempt.ended = "finished, but its check failed: " + step.check;
    attempt.failure = "check failed";
    output.on_line("ssdbuild: " + attempt.ended);
  } else {
    attempt.success = true;
    return;
  }
  attempt.detail = attempt.ended;
}

bool Executor::wait_to_retry(const PlannedStep& step, int number, const Attempt& attempt,
                             StepOutput& output) {
  auto backoff = std::min<std::chrono::milliseconds>(options_.retry_backoff * (1 << number),
                                                     std::chrono::minutes(1));
  std::string retrying = attempt.ended + "; retrying in " + format_duration(backoff) +
                         " (attempt " + std::to_string(number + 2) + " of " +
                         std::to_string(step.retries + 1) + ")";
  // --quiet shows start and end lines only; the log has the retry either way.
  if (console_.options().quiet) {
    output.log_only("==== " + retrying + " ====");
  } else {
    console_.step_line(step.id, retrying);
  }
  return signals_.sleep_unless_signalled(backoff.count());
}

Executor::StepResult Executor::finish_step(const PlannedStep& step, size_t index,
                                           StepRecord& record, const Attempt& attempt,
                                           Clock::time_point started, StepOutput& output) {
  const ProcessResult& last = attempt.process;
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  record.ended_at = format_utc(std::chrono::system_clock::now());
  record.duration_s = seconds;
  if (last.exit_code >= 0) record.exit_code = last.exit_code;
  StepResult result = attempt.success            ? StepResult::done
                      : last.interrupted_by != 0 ? StepResult::interrupted
                                                 : StepResult::failed;
  record.status = result == StepResult::done          ? StepStatus::done
                  : result == StepResult::interrupted ? StepStatus::interrupted
                                                      : StepStatus::failed;
  if (result == StepResult::interrupted) record.failure = last.describe();
  if (result == StepResult::failed) {
    record.failure = !attempt.failure.empty() ? attempt.failure
                     : last.timed_out         ? "timeout"
                     : last.started           ? last.describe()
                                              : "could not start";
  }
  state_.save();
  nlohmann::json event = {{"event", "step_end"},
                          {"step", step.id},
                          {"status", to_string(record.status)},
                          {"failure", record.failure},
                          {"duration_s", seconds}};
  event.update(progress_->event_fields(index));
  // A bench step's record, so that the run's summary (and a notebook) can show its table.
  if (auto results = record.details.find("results");
      results != record.details.end() && results->is_string()) {
    event["results"] = *results;
  }
  events_.append(event);
  if (result == StepResult::done) {
    console_.step_succeeded(progress_->label(index), Seconds(seconds));
  } else if (result == StepResult::interrupted) {
    console_.step_failed(step.id, "interrupted by " + signal_name(last.interrupted_by));
    console_.info("the step is recorded as interrupted; `ssdbuild run` starts it again");
  } else {
    report_failure(
        step, last.timed_out ? "timeout after " + format_duration(*step.timeout) : attempt.detail,
        output.tail());
  }
  return result;
}

void Executor::report_failure(const PlannedStep& step, const std::string& what,
                              const std::deque<std::string>& tail) {
  const StateLayout& layout = state_.layout();
  console_.step_failed(step.id, what);
  console_.raw("  command: bash " + layout.script_file(step.id).string());
  console_.raw("  last " + std::to_string(tail.size()) + " lines of the log:");
  for (const auto& line : tail) console_.raw("    " + line);
  console_.raw("  log: " + layout.log_file(step.id).string());
  console_.raw("  re-run just this step: " + options_.rerun_prefix + " --from " + step.id +
               " --to " + step.id);
}

}  // namespace ssdbuild
