#include "ssdbuild/actions/system_actions.hpp"

#include <unistd.h>
#include <algorithm>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::vector<std::string> as_root(std::vector<std::string> argv) {
  if (::geteuid() == 0 || find_on_path("sudo").empty()) return argv;
  argv.insert(argv.begin(), {"sudo", "-n"});
  return argv;
}

// ---- alternatives ----

std::vector<std::string> AlternativesAction::command(std::vector<std::string> arguments) const {
  std::vector<std::string> argv = {"update-alternatives"};
  if (!settings_.altdir.empty()) argv.insert(argv.end(), {"--altdir", settings_.altdir});
  if (!settings_.admindir.empty()) argv.insert(argv.end(), {"--admindir", settings_.admindir});
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return argv;
}

std::string AlternativesAction::fingerprint_text() const {
  return "alternatives\n" + settings_.name + "\n" + settings_.link + "\n" + settings_.path + "\n" +
         std::to_string(settings_.priority) + "\n" + (settings_.set ? "set" : "") + "\n" +
         settings_.altdir + "\n" + settings_.admindir;
}

std::string AlternativesAction::shell_commands() const {
  // update-alternatives --install and --set are idempotent themselves.
  std::string text = shell_words(command({"--install", settings_.link, settings_.name,
                                          settings_.path, std::to_string(settings_.priority)})) +
                     "\n";
  if (settings_.set) text += shell_words(command({"--set", settings_.name, settings_.path})) + "\n";
  return text;
}

bool AlternativesAction::in_place(const std::string& query_output) const {
  bool registered = false, selected = false;
  std::string current_alternative;
  for (const auto& line : split_lines(query_output)) {
    std::string_view text = trim(line);
    if (starts_with(text, "Value: ")) selected = text.substr(7) == settings_.path;
    if (starts_with(text, "Alternative: ")) current_alternative = std::string(text.substr(13));
    if (starts_with(text, "Priority: ") && current_alternative == settings_.path) {
      registered = text.substr(10) == std::to_string(settings_.priority);
    }
  }
  return registered && (!settings_.set || selected);
}

// Root is needed only for the system's folders: with its own altdir and admindir that the
// user can write, and a link in a writable folder, update-alternatives runs as the user.
bool AlternativesAction::needs_root() const {
  auto writable = [](const std::string& folder) {
    return !folder.empty() && ::access(folder.c_str(), W_OK) == 0;
  };
  return ::geteuid() != 0 &&
         !(writable(settings_.altdir) && writable(settings_.admindir) &&
           writable(std::filesystem::path(settings_.link).parent_path().string()));
}

ActionOutcome AlternativesAction::execute(const StepContext& context) const {
  auto elevated = [&](std::vector<std::string> argv) {
    return needs_root() ? as_root(std::move(argv)) : argv;
  };
  auto query = capture_output(command({"--query", settings_.name}));
  if (query.started && query.exit_code == 0 && in_place(query.output)) {
    context.say("alternatives: " + settings_.name + " -> " + settings_.path + " is in place");
    return ActionOutcome::succeeded();
  }
  ProcessResult result =
      context.run_command(elevated(command({"--install", settings_.link, settings_.name,
                                            settings_.path, std::to_string(settings_.priority)})));
  if (!result.ok()) {
    return {result, "update-alternatives --install " + settings_.name + " failed (" +
                        result.describe() + "); does " + settings_.path + " exist?"};
  }
  if (settings_.set) {
    result = context.run_command(elevated(command({"--set", settings_.name, settings_.path})));
    if (!result.ok()) return {result, "update-alternatives --set " + settings_.name + " failed"};
  }
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> AlternativesActionType::parse(const YAML::Node& config,
                                                      const ConfigReader& reader) const {
  reader.expect_map(config, "`alternatives`",
                    {"name", "link", "path", "priority", "set", "altdir", "admindir"},
                    {"name", "link", "path", "priority"});
  AlternativesAction::Settings settings;
  settings.name = reader.string(config["name"], "`name`");
  settings.link = reader.path(config["link"], "`link`").string();
  settings.path = reader.path(config["path"], "`path`").string();
  settings.priority = static_cast<int>(reader.integer(config["priority"], "`priority`"));
  if (config["set"]) settings.set = reader.boolean(config["set"], "`set`");
  if (config["altdir"]) settings.altdir = reader.path(config["altdir"], "`altdir`").string();
  if (config["admindir"])
    settings.admindir = reader.path(config["admindir"], "`admindir`").string();
  return std::make_unique<AlternativesAction>(std::move(settings));
}

std::string AlternativesActionType::derive_name(const YAML::Node& config) const {
  if (config.IsMap() && config["name"] && config["name"].IsScalar()) {
    return "alternatives-" + slug_from_text(config["name"].Scalar(), 18);
  }
  return "alternatives";
}

// ---- ldconfig ----

std::string LdconfigAction::content() const {
  std::string text = "# Written by ssdbuild; removed with this file.\n";
  for (const auto& path : paths_) text += path + "\n";
  return text;
}

std::string LdconfigAction::fingerprint_text() const {
  return "ldconfig\n" + file_.string() + "\n" + content();
}

std::string LdconfigAction::shell_commands() const {
  // Unlike `echo PATH >> /etc/ld.so.conf`, rewriting one file of ours never duplicates.
  return "mkdir -p " + shell_quote(file_.parent_path().string()) + "\ncat > " +
         shell_quote(file_.string()) + " <<'SSDBUILD_LDCONFIG_EOF'\n" + content() +
         "SSDBUILD_LDCONFIG_EOF\nldconfig\n";
}

std::vector<std::string> LdconfigAction::plan_notes() const {
  std::error_code error;
  if (std::filesystem::exists(file_, error) && read_file(file_) == content()) {
    return {"ldconfig: " + file_.string() + " is already written"};
  }
  return {"ldconfig: will write " + file_.string()};
}

ActionOutcome LdconfigAction::execute(const StepContext& context) const {
  std::error_code error;
  bool current = std::filesystem::exists(file_, error) && read_file(file_) == content();
  if (current) {
    context.say("ldconfig: " + file_.string() + " already lists these folders");
  } else if (::geteuid() == 0) {
    std::filesystem::create_directories(file_.parent_path(), error);
    write_file_atomically(file_, content());
    context.say("ldconfig: wrote " + file_.string());
  } else {
    ProcessResult written = context.run_command(
        as_root({"sh", "-c",
                 "mkdir -p " + shell_quote(file_.parent_path().string()) + " && cat > " +
                     shell_quote(file_.string()) + " <<'EOF'\n" + content() + "EOF\n"}));
    if (!written.ok()) return {written, "cannot write " + file_.string() + " (not root)"};
  }
  ProcessResult result = context.run_command(as_root({"ldconfig"}));
  if (!result.ok()) return {result, "ldconfig failed (" + result.describe() + ")"};
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> LdconfigActionType::parse(const YAML::Node& config,
                                                  const ConfigReader& reader) const {
  reader.expect_map(config, "`ldconfig`", {"paths", "file"}, {"paths"});
  std::vector<std::string> paths;
  for (const auto& path : reader.strings(config["paths"], "`paths`")) {
    paths.push_back((reader.settings().cwd / path).lexically_normal().string());
  }
  // One file per step by default, so that two ldconfig steps of a recipe do not overwrite
  // each other's folders.
  std::string step = reader.settings().step_id;
  std::replace(step.begin(), step.end(), '/', '-');
  std::filesystem::path file = config["file"] ? reader.path(config["file"], "`file`")
                                              : std::filesystem::path("/etc/ld.so.conf.d") /
                                                    ("ssdbuild-" + reader.settings().recipe_name +
                                                     (step.empty() ? "" : "-" + step) + ".conf");
  return std::make_unique<LdconfigAction>(std::move(paths), std::move(file));
}

}  // namespace ssdbuild
