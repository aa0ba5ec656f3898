// `ssdbuild ccache-env` and `ssdbuild ccache-stats`: what the script of a `ccache: true`
// step calls, in a run and in a plan alike (see exec/compiler_cache.hpp).
#include <iostream>

#include "ssdbuild/actions/apt_action.hpp"
#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/exec/compiler_cache.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/paths.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// stdout carries the environment for the script's eval: everything else goes to stderr,
// which the step's log shows.
struct StderrLines : LineSink {
  void on_line(std::string_view line) override { std::cerr << line << "\n" << std::flush; }
};

// The apt action's install (update first on a fresh VM, `sudo -n` when not root).
std::string install_ccache(LineSink& output) {
  output.on_line("ccache: not on PATH; installing it with apt-get");
  AptAction::Settings settings;
  settings.install = {"ccache"};
  StepContext context;
  context.step_id = "ccache";
  context.cwd = fs::current_path();
  context.output = &output;
  ActionOutcome outcome = AptAction(settings).execute(context);
  if (!outcome.ok()) {
    throw Error("ccache: cannot install it (" +
                (outcome.message.empty() ? outcome.process.describe() : outcome.message) +
                "); install ccache, or turn `ccache` off for the step");
  }
  std::string ccache = find_on_path("ccache");
  if (ccache.empty()) {
    throw Error("ccache: installed, but still not on PATH; add its folder to PATH");
  }
  return ccache;
}

void write_environment(const CcacheEnvArguments& arguments) {
  StderrLines output;
  CompilerCacheFolders folders = local_compiler_cache_folders();
  std::string ccache = find_on_path("ccache");
  if (ccache.empty()) ccache = install_ccache(output);
  CapturedOutput version_output = capture_output({ccache, "--version"});
  std::optional<CcacheVersion> version = parse_ccache_version(version_output.output);
  if (!version) {
    throw Error("ccache: `" + ccache + " --version` does not say `ccache version N.N`; is " +
                ccache + " ccache?");
  }
  std::vector<fs::path> folders_on_path;
  for (const auto& folder : search_path_folders()) {
    std::error_code error;
    if (!fs::equivalent(folder, folders.bin(), error)) folders_on_path.push_back(folder);
  }
  make_masquerade_links(folders.bin(), ccache, compiler_names_in(folders_on_path));
  for (const auto& folder :
       {folders.cache(), arguments.remote, folders.stats_log(arguments.step).parent_path()}) {
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) throw Error("ccache: cannot create " + folder.string() + ": " + error.message());
  }
  // This attempt's calls only.
  std::error_code error;
  fs::remove(folders.stats_log(arguments.step), error);
  // The credentials come from the environment, never from the script that calls this.
  CcacheHttpStorage http{arguments.http,
                         setting_value(EnvironmentSetting::cache_header).value_or("")};
  CcacheEnvironment environment =
      ccache_environment(*version, folders, arguments.remote, arguments.step, ccache, http);
  for (const auto& note : environment.notes) output.on_line(note);
  std::cout << ccache_environment_as_shell(environment) << std::flush;
}

}  // namespace

int ccache_env_command(const CcacheEnvArguments& arguments) {
  try {
    write_environment(arguments);
    return kExitOk;
  } catch (const Error& problem) {
    std::cerr << "ssdbuild ccache-env: " << problem.what() << "\n";
    return problem.exit_code();
  }
}

int ccache_stats_command(const std::string& stats_log) {
  // ccache-env unsets CCACHE_STATSLOG for a ccache without stats_log (before 4.4).
  if (stats_log.empty()) {
    std::cout << describe_no_ccache_stats_log() << "\n";
    return kExitOk;
  }
  std::error_code error;
  std::string text = fs::exists(stats_log, error) ? read_file(stats_log) : "";
  std::cout << describe_ccache_stats(parse_ccache_stats_log(text)) << "\n";
  return kExitOk;
}

}  // namespace ssdbuild
