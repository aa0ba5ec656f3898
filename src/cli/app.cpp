#include "ssdbuild/cli/app.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "ssdbuild/cache/remote_cache_store.hpp"
#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/recipe/diagnostic.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

const char* kExitCodes =
    "Exit codes: 0 ok, 1 a step failed, 2 usage or recipe error, 3 state folder locked by "
    "another run, 130 interrupted.";

struct GlobalOptions {
  bool verbose = false;
  bool quiet = false;
  bool follow = false;
  std::string progress = "auto";
  std::string color = "auto";
};

void add_session_options(CLI::App* command, SessionArguments& arguments, bool recipe_positional) {
  if (recipe_positional) {
    command->add_option("recipe", arguments.recipe,
                        "Recipe file, or the name of a built-in recipe (default: ssd-caffe)");
  } else {
    command->add_option("-r,--recipe", arguments.recipe,
                        "Recipe file or built-in name (default: ssd-caffe)");
  }
  command->add_option("--state-dir", arguments.state_dir,
                      "State folder (default: $SSDBUILD_STATE_DIR, else "
                      "MyDrive/ssdbuild/<recipe> when Google Drive is mounted, else "
                      "./.ssdbuild/<recipe>)");
  command->add_option("--set", arguments.sets, "Override a recipe var: --set NAME=VALUE");
  command->add_option("--cache-url", arguments.cache_url,
                      "A shared HTTP(S) store for the stage cache and ccache (default: "
                      "$SSDBUILD_CACHE_URL, else the recipe's var cache_url)");
}

void add_run_options(CLI::App* command, RunArguments& arguments) {
  add_session_options(command, arguments.session, true);
  command->add_option("--from", arguments.plan.from, "Start at this step (stage or stage/step)");
  command->add_option("--to", arguments.plan.to, "Stop after this step (stage or stage/step)");
  command->add_option("--only", arguments.plan.only, "Run only these stages");
  command->add_option("--force", arguments.plan.force,
                      "Run this step (stage or stage/step) even if done, and what depends on it");
}

void configure_logging(bool verbose, int argc, char** argv) {
  auto logger = spdlog::stderr_color_mt("ssdbuild");
  logger->set_pattern("[ssdbuild %l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  if (verbose) {
    std::string command_line;
    // A --cache-url may carry user:password@: never logged.
    for (int i = 0; i < argc; ++i) {
      command_line += std::string(i ? " " : "") + url_without_credentials(argv[i]);
    }
    spdlog::debug("argv: {}", command_line);
    spdlog::debug("ssdbuild {}", SSDBUILD_VERSION);
  }
}

// Every option name of `command` (--long and -s forms), for "did you mean".
std::vector<std::string> option_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const auto& name : option->get_lnames()) names.push_back("--" + name);
    for (const auto& name : option->get_snames()) names.push_back("-" + name);
  }
  return names;
}

bool takes_value(const CLI::App& app, const std::string& word) {
  const CLI::Option* option = app.get_option_no_throw(word);
  return option != nullptr && option->get_items_expected_min() > 0 &&
         word.find('=') == std::string::npos;
}

// One line that names the word CLI11 could not place and the closest that exists, as git and
// cargo do: an unknown command, or an unknown option of the command; "" when it is neither.
std::string usage_problem(const CLI::App& app, const std::vector<std::string>& words) {
  std::vector<std::string> commands;
  const CLI::App* command = nullptr;
  auto subcommands = app.get_subcommands({});
  for (const CLI::App* each : subcommands) commands.push_back(each->get_name());
  for (size_t i = 0; i < words.size() && command == nullptr; ++i) {
    const std::string& word = words[i];
    if (word == "--") break;
    if (word[0] == '-') {
      if (takes_value(app, word)) ++i;  // its value, not a command
      continue;
    }
    if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
      return "unknown command `" + word + "`" + did_you_mean(word, commands) +
             "; `ssdbuild --help` lists the commands";
    }
    for (const CLI::App* each : subcommands) {
      if (each->get_name() == word) command = each;
    }
  }
  if (command == nullptr) return "";
  std::vector<std::string> known = option_names(*command);
  for (const auto& name : option_names(app)) known.push_back(name);
  for (const auto& word : words) {
    if (word == "--") break;
    if (word.size() < 2 || word[0] != '-') continue;
    std::string name = word.substr(0, word.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    return "unknown option `" + name + "` for `ssdbuild " + command->get_name() + "`" +
           did_you_mean(name, known) + "; `ssdbuild " + command->get_name() +
           " --help` lists its options";
  }
  return "";
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && std::string_view(argv[1]) == "patch") {
    return patch_command(std::vector<std::string>(argv + 2, argv + argc));
  }
  CLI::App app{
      "ssdbuild: builds legacy GPU software from source, resumably, on throw-away "
      "cloud VMs (Colab, Kaggle, a rented GPU box), and proves it with a benchmark.",
      "ssdbuild"};
  app.footer(kExitCodes);
  app.set_version_flag("--version", SSDBUILD_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_flag("-v,--verbose", global.verbose, "Log argv, facts and the reason for every decision");
  app.add_flag("-q,--quiet", global.quiet,
               "Show only step start and end lines (and the log's tail on failure)");
  app.add_flag("--follow", global.follow, "Stream every output line, never condensed");
  app.add_option("--progress", global.progress, "Output style: auto, plain (notebook), fancy")
      ->check(CLI::IsMember({"auto", "plain", "fancy"}));
  app.add_option("--color", global.color, "Colour: auto, always, never (NO_COLOR is honoured)")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  RunArguments run_arguments;
  auto* run = app.add_subcommand("run", "Run a recipe, resuming from its checkpoints");
  add_run_options(run, run_arguments);
  run->add_flag("-n,--dry-run", run_arguments.dry_run, "Print the plan as a script; run nothing");
  run->add_flag("--json", run_arguments.json,
                "Write the run's events to stdout as JSON lines (as events.jsonl; "
                "docs/events.schema.json), and the usual output to stderr");
  run->footer(kExitCodes);

  RunArguments plan_arguments;
  plan_arguments.dry_run = true;
  auto* plan = app.add_subcommand(
      "plan", "Print the bash script that does what `run` would do now (= run --dry-run)");
  add_run_options(plan, plan_arguments);
  plan->add_flag("-a,--all", plan_arguments.include_skipped,
                 "Include the steps that would be skipped");

  SessionArguments status_arguments;
  bool status_json = false;
  auto* status = app.add_subcommand("status", "Show each step's state and what the next run does");
  add_session_options(status, status_arguments, true);
  status->add_flag("--json", status_json, "Machine-readable output (documented, stable)");

  SessionArguments log_arguments;
  std::string log_step;
  int log_attempt = 0;
  auto* log = app.add_subcommand("log", "Print a step's log (every attempt)");
  log->add_option("step", log_step, "stage/step")->required();
  log->add_option("--attempt", log_attempt, "Only attempt N");
  add_session_options(log, log_arguments, false);

  SessionArguments reset_arguments;
  std::vector<std::string> reset_steps;
  bool reset_all = false;
  auto* reset = app.add_subcommand("reset", "Forget steps' checkpoints (and what depends on them)");
  reset->add_option("steps", reset_steps, "stage or stage/step");
  reset->add_flag("--all", reset_all, "Forget every checkpoint");
  add_session_options(reset, reset_arguments, false);

  SessionArguments stop_arguments;
  auto* stop = app.add_subcommand("stop", "Stop the run that holds the state folder");
  add_session_options(stop, stop_arguments, false);

  SessionArguments env_arguments;
  std::string env_format = "sh";
  auto* env = app.add_subcommand(
      "env", "Print the environment the recipe's `env` steps set (for a notebook's Python)");
  add_session_options(env, env_arguments, true);
  env->add_option("--format", env_format, "sh (export lines), json, or python")
      ->check(CLI::IsMember({"sh", "json", "python"}));

  app.add_subcommand("recipes", "List the built-in recipes");
  std::string show_name;
  auto* show = app.add_subcommand(
      "show", "Print a built-in recipe (to copy and edit) or a file the recipes use");
  show->add_option("name", show_name, "Built-in recipe or file name")->required();
  bool facts_json = false;
  auto* facts = app.add_subcommand("facts", "Show what ssdbuild knows about this machine");
  facts->add_flag("--json", facts_json, "JSON output");
  std::string validate_recipe;
  auto* validate = app.add_subcommand("validate", "Check a recipe without running anything");
  validate->add_option("recipe", validate_recipe, "Recipe file or built-in name");

  ReportArguments report_arguments;
  auto* report = app.add_subcommand(
      "report",
      "Show the latest benchmark results, and the earlier runs beside them; or, with "
      "--timeline, where the last run's time went");
  add_session_options(report, report_arguments.session, true);
  report->add_option("--results", report_arguments.results,
                     "Results folder (default: <state folder>/results)");
  report->add_flag("--json", report_arguments.json,
                   "The latest record and a summary of the earlier ones, as JSON");
  report->add_option("--svg", report_arguments.svg,
                     "Write the latest chart (with --timeline: the timeline) to this file");
  report->add_flag("--timeline", report_arguments.timeline,
                   "The last run's steps on a time axis, coloured by outcome (from events.jsonl)");

  RecordBenchArguments record_arguments;
  auto* record = app.add_subcommand(
      "record-bench",
      "Make a benchmark record from harness output files (what `plan` scripts run for a "
      "`bench` step)");
  record->add_option("--results", record_arguments.results, "Results folder")->required();
  record->add_option("--model", record_arguments.model, "The model the harness ran")->required();
  record->add_option("--weights", record_arguments.weights, "The weights file (none: random)");
  record->add_option("--batch", record_arguments.batch, "Batch size");
  record->add_option("--warmup", record_arguments.warmup, "Warm-up passes");
  record->add_option("--iterations", record_arguments.iterations, "Timed passes");
  record->add_option("--recipe", record_arguments.recipe, "Recipe name, for the record");
  record->add_option("--step", record_arguments.step, "Step id, for the record");
  record->add_option("--variant", record_arguments.variant, "The build: stock or fast")
      ->check(CLI::IsMember({"stock", "fast"}));
  record->add_flag("--require-gpu", record_arguments.require_gpu,
                   "Fail (after recording) when the GPU run was skipped");
  record->add_option("outputs", record_arguments.outputs, "DEVICE=FILE, e.g. cpu=cpu.out")
      ->required();

  CacheArguments cache_arguments;
  auto* cache = app.add_subcommand("cache", "List, remove or upload the stage cache's archives");
  cache->require_subcommand(1);
  for (const auto& [action, text] : std::vector<std::pair<std::string, std::string>>{
           {"list", "List the archives (size, stage, when packed; the ones the next run uses)"},
           {"prune", "Keep the newest --keep N archives of each stage (default 1)"},
           {"clear", "Remove every archive"},
           {"push", "Upload the archives that the shared store (--cache-url) does not have"}}) {
    auto* command = cache->add_subcommand(action, text);
    add_session_options(command, cache_arguments.session, true);
    if (action == "prune") command->add_option("--keep", cache_arguments.keep, "Archives kept");
    command->callback([&cache_arguments, name = action] { cache_arguments.action = name; });
  }

  CcacheEnvArguments ccache_env_arguments;
  auto* ccache_env = app.add_subcommand(
      "ccache-env",
      "Set up ccache for a `ccache: true` step and print its environment as shell (what "
      "the step's script evals)");
  ccache_env->add_option("--remote", ccache_env_arguments.remote, "ccache's remote storage folder")
      ->required();
  ccache_env->add_option("--step", ccache_env_arguments.step, "stage/step")->required();
  ccache_env->add_option("--http", ccache_env_arguments.http,
                         "The shared store's ccache URL (credentials: $SSDBUILD_CACHE_HEADER)");
  std::string ccache_stats_log;
  auto* ccache_stats = app.add_subcommand(
      "ccache-stats", "Print a step's ccache hits and misses from its stats log");
  ccache_stats->add_option("stats_log", ccache_stats_log, "The step's CCACHE_STATSLOG")->required();

  std::vector<std::string> patch_files, patch_ops;
  auto* patch = app.add_subcommand(
      "patch",
      "Apply a `patch` step's ops to files (what `plan` scripts run for a `patch` step): "
      "patch --file FILE -- NAME MATCH [TEXT] [count N]...");
  patch->add_option("--file", patch_files, "A file or glob to patch (repeat for more)")->required();
  patch->add_option("ops", patch_ops, "After `--`, the ops: NAME MATCH [TEXT] [count N]");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& problem) {
    std::string better = usage_problem(app, std::vector<std::string>(argv + 1, argv + argc));
    if (better.empty()) {
      app.exit(problem);
    } else {
      std::cerr << "error: " << better << "\n";
    }
    return kExitUsage;
  }

  configure_logging(global.verbose, argc, argv);
  ColorMode color = global.color == "always"  ? ColorMode::always
                    : global.color == "never" ? ColorMode::never
                                              : ColorMode::automatic;
  // `run --json` keeps stdout for the events: what people read goes to stderr.
  std::FILE* human_output = *run && run_arguments.json ? stderr : stdout;
  Console console(
      detect_console(global.progress, color, global.quiet, global.follow, human_output));
  try {
    if (*run) return run_command(run_arguments, console);
    if (*plan) return run_command(plan_arguments, console);
    if (*status) return status_command(status_arguments, status_json, console);
    if (*log) return log_command(log_arguments, log_step, log_attempt);
    if (*reset) return reset_command(reset_arguments, reset_steps, reset_all, console);
    if (*stop) return stop_command(stop_arguments, console);
    if (*env) return env_command(env_arguments, env_format);
    if (app.got_subcommand("recipes")) return recipes_command();
    if (*show) return show_command(show_name);
    if (*facts) return facts_command(facts_json);
    if (*validate) return validate_command(validate_recipe);
    if (*report) return report_command(report_arguments);
    if (*record) return record_bench_command(record_arguments);
    if (*cache) return cache_command(cache_arguments, console);
    if (*ccache_env) return ccache_env_command(ccache_env_arguments);
    if (*ccache_stats) return ccache_stats_command(ccache_stats_log);
  } catch (const RecipeError& problem) {
    std::cerr << problem.what() << "\n";
    return problem.exit_code();
  } catch (const Error& problem) {
    console.error(problem.what());
    return problem.exit_code();
  } catch (const std::exception& problem) {
    console.error(std::string("internal error: ") + problem.what() +
                  " (run again with --verbose and report it)");
    return kExitStepFailed;
  }
  return kExitUsage;
}

}  // namespace ssdbuild
