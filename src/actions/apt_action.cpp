#include "ssdbuild/actions/apt_action.hpp"

#include <regex>

#include "ssdbuild/actions/shell_helpers.hpp"
#include "ssdbuild/exec/process.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// Runs a function of shell/apt.sh and gives its output lines: the plan's notes and these
// queries ask the same code that a run executes.
std::vector<std::string> ask_apt_helper(const std::string& function,
                                        const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {
      "bash", "-c", shell_helper_definitions({"apt.sh", "apt_sources.sh"}) + function + " \"$@\"",
      "bash"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  auto result = capture_output(argv);
  if (!result.started || result.exit_code != 0) {
    throw std::runtime_error("apt: " + function + " failed (" + std::string(trim(result.output)) +
                             ")");
  }
  return split_lines(trim(result.output));
}

}  // namespace

std::vector<std::string> install_mode_notes(const AptAction::Settings& settings) {
  std::vector<std::string> notes;
  if (settings.unsafe_io) {
    notes.push_back(settings.no_fsync_library.empty()
                        ? "apt: dpkg unpacks without an fsync per file (unsafe_io: a machine "
                          "thrown away whole; " +
                              std::string(kNoFsyncLibraryFile) +
                              ", which would drop its database's flushes too, is not installed "
                              "with this ssdbuild)"
                        : "apt: apt-get and dpkg write without fsync (unsafe_io: a machine "
                          "thrown away whole)");
  }
  if (settings.defer_byte_compile) {
    notes.push_back(
        "apt: Python packages are byte-compiled at their first import, not by dpkg "
        "(defer_byte_compile)");
  }
  return notes;
}

std::vector<std::string> enable_source_packages(const fs::path& apt_dir, bool write) {
  return ask_apt_helper(write ? "ssdbuild_apt_enable_sources" : "ssdbuild_apt_sources_off",
                        {apt_dir.string()});
}

std::vector<std::string> missing_packages(const std::vector<std::string>& wanted) {
  if (wanted.empty()) return {};
  return ask_apt_helper("ssdbuild_apt_missing", wanted);
}

std::string AptAction::fingerprint_text() const {
  std::string text = "apt\n";
  text += settings_.update ? "update\n" : "";
  for (const auto& list : {settings_.install, settings_.build_dep, settings_.remove}) {
    for (const auto& package : list) text += package + " ";
    text += "\n";
  }
  text += std::string(settings_.enable_sources ? "sources " : "") +
          (settings_.keep_debs ? "keep " : "") + settings_.apt_dir.string();
  // Only when on: the default's text is what it was before the option existed.
  if (settings_.recommends) text += " recommends";
  // unsafe_io and defer_byte_compile are left out: they change how dpkg writes, not what is
  // installed, and a machine that turns them on (Colab) must not rebuild what a stage cache
  // keyed without them holds.
  return text;
}

std::unique_ptr<Action> AptAction::for_restored(
    const std::vector<std::string>& system_packages) const {
  // A step that installs nothing (it turns source packages on, or removes) has no part in
  // running restored programs.
  bool installs = !settings_.install.empty() || !settings_.build_dep.empty();
  if (system_packages.empty() || !installs) return nullptr;
  Settings settings;
  settings.update = settings_.update;
  settings.install = system_packages;
  settings.keep_debs = settings_.keep_debs;
  settings.unsafe_io = settings_.unsafe_io;
  settings.no_fsync_library = settings_.no_fsync_library;
  settings.defer_byte_compile = settings_.defer_byte_compile;
  settings.apt_dir = settings_.apt_dir;
  settings.archives = settings_.archives;
  settings.update_marker = settings_.update_marker;
  return std::make_unique<AptAction>(std::move(settings));
}

std::vector<std::string> AptAction::plan_notes() const {
  std::vector<std::string> notes;
  if (settings_.enable_sources) {
    auto changed = enable_source_packages(settings_.apt_dir, false);
    notes.push_back(changed.empty() ? "apt: source packages are on already"
                                    : "apt: will turn source packages on in " +
                                          std::to_string(changed.size()) + " file(s)");
  }
  if (!settings_.install.empty()) {
    auto missing = missing_packages(settings_.install);
    std::string list;
    for (const auto& package : missing) list += " " + package;
    notes.push_back(missing.empty() ? "apt: every package is installed already"
                                    : "apt: will install" + list);
    if (!missing.empty()) {
      for (const auto& note : install_mode_notes(settings_)) notes.push_back(note);
    }
  }
  return notes;
}

std::vector<std::string> AptAction::shell_helpers() const {
  if (settings_.enable_sources) return {"apt.sh", "apt_sources.sh"};
  return {"apt.sh"};
}

// One implementation: a run executes the same helper (shell/apt.sh) that the plan prints.
std::string AptAction::shell_commands() const {
  std::string text = "ssdbuild_apt";
  if (settings_.update) text += " --update";
  if (settings_.enable_sources) text += " --sources";
  if (settings_.apt_dir != "/etc/apt")
    text += " --apt-dir " + shell_quote(settings_.apt_dir.string());
  if (settings_.keep_debs) text += " --keep-debs " + shell_quote(settings_.archives.string());
  if (settings_.recommends) text += " --recommends";
  if (settings_.unsafe_io) text += " --unsafe-io";
  if (settings_.unsafe_io && !settings_.no_fsync_library.empty()) {
    text += " --no-fsync " + shell_quote(settings_.no_fsync_library.string());
  }
  if (settings_.defer_byte_compile) text += " --defer-byte-compile";
  if (!settings_.update_marker.empty()) {
    text += " --marker " + shell_quote(settings_.update_marker.string());
  }
  for (const auto& [option, packages] :
       {std::pair{std::string(" --install"), &settings_.install},
        std::pair{std::string(" --build-dep"), &settings_.build_dep},
        std::pair{std::string(" --remove"), &settings_.remove}}) {
    if (!packages->empty()) text += option + " " + shell_words(*packages);
  }
  return text + "\n";
}

// The helper and the step's line, as its .sh has them; self-contained, so that
// `ssdbuild ccache-env` can install ccache through it without a step script.
ActionOutcome AptAction::execute(const StepContext& context) const {
  StepContext with_token = context;
  // The run's token, so that the lists are updated once per run (see shell/apt.sh).
  with_token.env.emplace_back("ssdbuild_run_token", context.run_token);
  return {with_token.run_command({"bash", "-euo", "pipefail", "-c",
                                  shell_helper_definitions(shell_helpers()) + shell_commands()}),
          ""};
}

std::unique_ptr<Action> AptActionType::parse(const YAML::Node& config,
                                             const ConfigReader& reader) const {
  reader.expect_map(config, "`apt`",
                    {"update", "install", "build_dep", "remove", "enable_sources", "keep_debs",
                     "recommends", "unsafe_io", "defer_byte_compile", "apt_dir"});
  AptAction::Settings settings;
  if (config["update"]) settings.update = reader.boolean(config["update"], "`update`");
  if (config["install"]) settings.install = reader.strings(config["install"], "`install`");
  if (config["build_dep"]) settings.build_dep = reader.strings(config["build_dep"], "`build_dep`");
  if (config["remove"]) settings.remove = reader.strings(config["remove"], "`remove`");
  if (config["enable_sources"]) {
    settings.enable_sources = reader.boolean(config["enable_sources"], "`enable_sources`");
  }
  if (config["keep_debs"]) settings.keep_debs = reader.boolean(config["keep_debs"], "`keep_debs`");
  if (config["recommends"]) {
    settings.recommends = reader.boolean(config["recommends"], "`recommends`");
  }
  if (config["unsafe_io"]) settings.unsafe_io = reader.boolean(config["unsafe_io"], "`unsafe_io`");
  if (settings.unsafe_io) settings.no_fsync_library = find_companion_file(kNoFsyncLibraryFile);
  if (config["defer_byte_compile"]) {
    settings.defer_byte_compile =
        reader.boolean(config["defer_byte_compile"], "`defer_byte_compile`");
  }
  if (config["apt_dir"]) settings.apt_dir = reader.path(config["apt_dir"], "`apt_dir`");
  settings.archives = reader.settings().state_folder / "apt-archives";
  settings.update_marker = reader.settings().state_folder / "apt-updated";
  static const std::regex package("[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+~:-]+)?");
  for (const auto* list : {&settings.install, &settings.build_dep, &settings.remove}) {
    for (const auto& name : *list) {
      if (!std::regex_match(name, package) &&
          !(reader.settings().validating && name.find("${") != std::string::npos)) {
        reader.fail(config, "`" + name + "` is not a Debian package name (or name=version)");
      }
    }
  }
  if (!settings.update && settings.install.empty() && settings.build_dep.empty() &&
      settings.remove.empty() && !settings.enable_sources) {
    reader.fail(config,
                "`apt` has nothing to do: give update, install, build_dep, remove or "
                "enable_sources");
  }
  return std::make_unique<AptAction>(std::move(settings));
}

std::string AptActionType::derive_name(const YAML::Node& config) const {
  if (config.IsMap()) {
    if (config["install"]) return "apt-install";
    if (config["build_dep"]) return "apt-build-dep";
    if (config["enable_sources"]) return "apt-sources";
  }
  return "apt";
}

}  // namespace ssdbuild
