#pragma once
// One function per ssdbuild command; each returns its exit code.
#include <filesystem>
#include <string>
#include <vector>

#include "ssdbuild/cli/session.hpp"
#include "ssdbuild/exec/console.hpp"
#include "ssdbuild/plan/planner.hpp"

namespace ssdbuild {

struct RunArguments {
  SessionArguments session;
  PlanOptions plan;
  bool dry_run = false;
  bool include_skipped = false;  // plan --all
  bool json = false;             // run --json: the events on stdout, the console on stderr
};

struct ReportArguments {
  SessionArguments session;
  std::string results;  // the results folder; default <state folder>/results
  bool json = false;
  std::string svg;        // write the latest chart (or, with timeline, the timeline) here
  bool timeline = false;  // the last run's steps on a time axis, not the benchmark
};

struct RecordBenchArguments {
  std::string results, model, weights, recipe, step;
  std::string variant = "stock";
  int batch = 1, warmup = 0, iterations = 0;
  bool require_gpu = false;
  std::vector<std::string> outputs;  // DEVICE=FILE
};

struct CcacheEnvArguments {
  std::filesystem::path remote;  // the remote storage: <state folder>/ccache
  std::string http;              // and the shared store's: <cache_url>/ccache, no credentials
  std::string step;              // stage/step, which names its stats log
};

struct CacheArguments {
  SessionArguments session;
  std::string action;  // list, prune, clear or push
  size_t keep = 1;     // prune: archives kept per recipe and stage, newest first
};

int run_command(const RunArguments& arguments, Console& console);
int status_command(const SessionArguments& arguments, bool json, Console& console);
int log_command(const SessionArguments& arguments, const std::string& step, int attempt);
int reset_command(const SessionArguments& arguments, const std::vector<std::string>& steps,
                  bool all, Console& console);
int stop_command(const SessionArguments& arguments, Console& console);
int env_command(const SessionArguments& arguments, const std::string& format);
int recipes_command();
int show_command(const std::string& name);
int facts_command(bool json);
int validate_command(const std::string& recipe);
int report_command(const ReportArguments& arguments);
int record_bench_command(const RecordBenchArguments& arguments);
int cache_command(const CacheArguments& arguments, Console& console);
int ccache_env_command(const CcacheEnvArguments& arguments);
int ccache_stats_command(const std::string& stats_log);

/// `ssdbuild patch --file FILE... -- OP...`: a `patch` step's ops (patch_op_arguments) on
/// files, through the action's own code; what a plan script runs for a `patch` step.
/// `arguments` are the words after `patch`. Errors and exit codes as the other commands.
int patch_command(const std::vector<std::string>& arguments);

constexpr const char* kPatchUsage =
    "ssdbuild patch --file FILE [--file FILE...] -- NAME MATCH [TEXT] [count N]...";

}  // namespace ssdbuild
