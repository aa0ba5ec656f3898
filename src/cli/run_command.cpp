// `ssdbuild run` and `ssdbuild plan` (= run --dry-run).
#include <unistd.h>

#include <iostream>

#include <spdlog/spdlog.h>

#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/exec/executor.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/plan/plan_script.hpp"
#include "ssdbuild/results/bench_record.hpp"
#include "ssdbuild/results/report_format.hpp"
#include "ssdbuild/results/run_timeline.hpp"
#include "ssdbuild/results/timeline_format.hpp"
#include "ssdbuild/state/run_lock.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

std::chrono::milliseconds milliseconds_from_environment(EnvironmentSetting setting,
                                                        std::chrono::milliseconds fallback) {
  auto text = setting_value(setting);
  if (!text) return fallback;
  try {
    return std::chrono::milliseconds(std::stoll(*text));
  } catch (const std::exception&) {
    return fallback;
  }
}

// What this run did, from its own events (the same reading as `report --timeline`): a
// line per step with its outcome and time, and the total; then the table of a benchmark
// that ran, again, at the end of the output where a notebook's reader looks.
void print_run_summary(const EventLog& events, Console& console) {
  Timeline timeline = timeline_of(events.appended());
  console.raw("summary of this run:");
  for (const auto& line : split_lines(format_run_summary(timeline))) console.raw("  " + line);
  for (const auto& bar : timeline.bars) {
    if (bar.results.empty() || bar.outcome != StepOutcome::ran) continue;
    try {
      console.raw("benchmark (" + bar.name + ", " + bar.results + "):");
      for (const auto& line : split_lines(format_bench_table(read_bench_record(bar.results)))) {
        console.raw("  " + line);
      }
    } catch (const Error& problem) {
      console.warning(problem.what());
    }
  }
}

}  // namespace

int run_command(const RunArguments& arguments, Console& console) {
  if (arguments.json && arguments.dry_run) {
    throw Error("--json and --dry-run both write to stdout (the events, the script): use one",
                kExitUsage);
  }
  auto session = open_session(arguments.session);
  StateStore state(session->layout);
  // The script goes to stdout: warnings about the store go to stderr, as the console's do.
  CacheStores cache_stores = open_cache_stores(*session, [&](const std::string& text) {
    if (arguments.dry_run) {
      std::cerr << "warning: " << text << "\n";
    } else {
      console.warning(text);
    }
  });
  PlanOptions plan_options = arguments.plan;
  plan_options.cache_stores = &cache_stores;
  plan_options.compiler_cache_url = compiler_cache_url(cache_stores);

  if (arguments.dry_run) {
    // On stderr: stdout is the script.
    if (!session->workdir_notice.empty()) std::cerr << session->workdir_notice << "\n";
    state.load();
    Plan plan =
        make_plan(session->recipe, *session->variables, state, session->boot_id, plan_options);
    std::cout << render_plan_script(plan, session->recipe, session->layout.folder,
                                    arguments.include_skipped);
    return kExitOk;
  }

  std::error_code error;
  std::filesystem::create_directories(session->layout.folder, error);
  if (error) {
    throw Error("cannot create the state folder " + session->layout.folder.string() + ": " +
                error.message() + " (choose another with --state-dir)");
  }
  // The steps run in the work folder by default: `--set workdir=/content/fast` names one that
  // does not exist yet.
  if (!session->workdir.empty()) std::filesystem::create_directories(session->workdir, error);
  if (error) {
    throw Error("cannot create the work folder " + session->workdir + ": " + error.message() +
                " (choose another with --set workdir=DIR)");
  }
  SignalWatcher signals;
  RunLock lock(session->layout.lock_file(), session->boot_id);
  std::string taken_over = lock.acquire();
  if (!taken_over.empty()) console.warning(taken_over);
  state.load();
  state.set_recipe(session->recipe.name);
  if (!session->workdir_notice.empty()) console.info(session->workdir_notice);
  Plan plan =
      make_plan(session->recipe, *session->variables, state, session->boot_id, plan_options);
  record_workdir(*session, state);
  EventLog events(session->layout.events_file(), arguments.json ? STDOUT_FILENO : -1);
  events.append({{"event", "run_start"},
                 {"recipe", session->recipe.name},
                 {"pid", static_cast<int>(::getpid())},
                 {"boot_id", session->boot_id},
                 {"workdir", session->workdir},
                 {"format", 1},
                 {"total", plan.steps.size()},
                 {"to_run", plan.count(Decision::run)},
                 {"to_skip", plan.count(Decision::skip)},
                 {"to_restore", plan.count(Decision::restore)}});
  console.info("ssdbuild: recipe " + session->recipe.name + ", state in " +
               session->layout.folder.string() + ": " + std::to_string(plan.count(Decision::run)) +
               " step(s) to run, " +
               (plan.count(Decision::restore) > 0
                    ? std::to_string(plan.count(Decision::restore)) + " to restore from cache, "
                    : "") +
               std::to_string(plan.count(Decision::skip)) + " to skip");

  ExecutorOptions options;
  options.rerun_prefix = rerun_command(*session);
  options.retry_backoff =
      milliseconds_from_environment(EnvironmentSetting::retry_backoff_ms, options.retry_backoff);
  options.kill_grace =
      milliseconds_from_environment(EnvironmentSetting::kill_grace_ms, options.kill_grace);
  options.lock = &lock;
  options.cache_stores = &cache_stores;
  Executor executor(session->recipe, state, events, console, signals, session->boot_id, options);
  int exit_code = executor.execute(plan);
  events.append({{"event", "run_end"}, {"exit_code", exit_code}});
  lock.release();
  print_run_summary(events, console);
  return exit_code;
}

}  // namespace ssdbuild
