#include "ssdbuild/actions/apt_action.hpp"

#include <map>

#include <unistd.h>

#include <regex>

#include "ssdbuild/actions/system_actions.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// One apt-get update per ssdbuild run, however many apt steps there are.
bool g_updated_this_run = false;

std::string package_name(const std::string& spec) {
  return spec.substr(0, spec.find('='));
}

std::string edit_one_line_format(const std::string& text) {
  static const std::regex commented_source(R"((^|\n)([ \t]*)#[ \t]*(deb-src[ \t]))");
  return std::regex_replace(text, commented_source, "$1$2$3");
}

std::string edit_deb822(const std::string& text) {
  static const std::regex types(R"((^|\n)(Types:[ \t]*)([^\n]*))");
  std::string result;
  auto begin = std::sregex_iterator(text.begin(), text.end(), types);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::smatch& match = *it;
    result += text.substr(last, static_cast<size_t>(match.position(0)) - last);
    std::string values = match[3].str();
    bool has_deb = std::regex_search(values, std::regex(R"((^|\s)deb(\s|$))"));
    bool has_src = std::regex_search(values, std::regex(R"((^|\s)deb-src(\s|$))"));
    result += match[1].str() + match[2].str() + values + (has_deb && !has_src ? " deb-src" : "");
    last = static_cast<size_t>(match.position(0) + match.length(0));
  }
  return result + text.substr(last);
}

const char* kEnableSourcesScript = R"PY(import glob, os, re, sys
apt = sys.argv[1]
def one_line(t):
    return re.sub(r"(^|\n)([ \t]*)#[ \t]*(deb-src[ \t])", r"\1\2\3", t)
def deb822(t):
    def fix(m):
        values = m.group(3)
        add = re.search(r"(^|\s)deb(\s|$)", values) and not re.search(r"(^|\s)deb-src(\s|$)", values)
        return m.group(1) + m.group(2) + values + (" deb-src" if add else "")
    return re.sub(r"(^|\n)(Types:[ \t]*)([^\n]*)", fix, t)
files = [os.path.join(apt, "sources.list")] + sorted(glob.glob(os.path.join(apt, "sources.list.d", "*.list")))
for path, edit in [(f, one_line) for f in files] + [(f, deb822) for f in sorted(glob.glob(os.path.join(apt, "sources.list.d", "*.sources")))]:
    if not os.path.isfile(path):
        continue
    old = open(path).read()
    new = edit(old)
    if new != old:
        info = os.stat(path)
        with open(path + ".tmp", "w") as out:
            out.write(new)
        os.chmod(path + ".tmp", info.st_mode & 0o7777)
        os.replace(path + ".tmp", path)
        print("apt: source packages turned on in " + path)
)PY";

}  // namespace

std::vector<std::string> enable_source_packages(const fs::path& apt_dir, bool write) {
  std::vector<std::pair<fs::path, bool>> files;  // path, deb822
  std::error_code error;
  if (fs::is_regular_file(apt_dir / "sources.list", error)) {
    files.emplace_back(apt_dir / "sources.list", false);
  }
  std::vector<fs::path> listed;
  for (const auto& entry : fs::directory_iterator(apt_dir / "sources.list.d", error)) {
    listed.push_back(entry.path());
  }
  std::sort(listed.begin(), listed.end());
  for (const auto& path : listed) {
    if (path.extension() == ".list") files.emplace_back(path, false);
  }
  for (const auto& path : listed) {
    if (path.extension() == ".sources") files.emplace_back(path, true);
  }
  std::vector<std::string> changed;
  for (const auto& [path, deb822] : files) {
    std::string text = read_file(path);
    std::string edited = deb822 ? edit_deb822(text) : edit_one_line_format(text);
    if (edited == text) continue;
    changed.push_back(path.string());
    if (write) rewrite_file_atomically(path, edited);
  }
  return changed;
}

namespace {

// dpkg's view of the packages it knows among `names`, by "name" and by "name:arch", as
// "STATUS VERSION". One dpkg-query for all of them: a restored stage's list has hundreds.
std::map<std::string, std::string> dpkg_status(const std::vector<std::string>& names) {
  std::vector<std::string> argv = {"dpkg-query", "-W",
                                   "-f=${Package}\t${Architecture}\t${Status} ${Version}\n"};
  argv.insert(argv.end(), names.begin(), names.end());
  // Exit 1 when one name is unknown to dpkg; the others' lines are there.
  std::map<std::string, std::string> status;
  for (const auto& line : split_lines(capture_output(argv).output)) {
    size_t tab = line.find('\t'), second = line.find('\t', tab + 1);
    if (tab == std::string::npos || second == std::string::npos) continue;
    std::string name = line.substr(0, tab);
    std::string value(trim(line.substr(second + 1)));
    status[name] = value;
    status[name + ":" + line.substr(tab + 1, second - tab - 1)] = value;
  }
  return status;
}

}  // namespace

std::vector<std::string> missing_packages(const std::vector<std::string>& wanted) {
  std::vector<std::string> names;
  for (const auto& spec : wanted) names.push_back(package_name(spec));
  std::map<std::string, std::string> status =
      wanted.empty() ? std::map<std::string, std::string>{} : dpkg_status(names);
  std::vector<std::string> missing;
  for (const auto& spec : wanted) {
    auto found = status.find(package_name(spec));
    std::string line = found == status.end() ? "" : found->second;
    bool installed = starts_with(line, "install ok installed");
    size_t equals = spec.find('=');
    if (installed && equals != std::string::npos) {
      installed = line.substr(line.rfind(' ') + 1) == spec.substr(equals + 1);
    }
    if (!installed) missing.push_back(spec);
  }
  return missing;
}

std::vector<std::string> AptAction::apt_get_words(const std::string& command) const {
  std::vector<std::string> words = {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-y", "-q"};
  if (settings_.keep_debs) {
    words.insert(words.end(), {"-o", "Dir::Cache::Archives=" + settings_.archives.string()});
  }
  if (settings_.apt_dir != "/etc/apt") {
    words.insert(words.end(), {"-o", "Dir::Etc=" + settings_.apt_dir.string()});
  }
  // Recommended packages are not needed to build, and they are a large part of the download
  // (188 of the default recipe's 646 MB on a bare Debian 12: docs/recipes.md).
  if (!settings_.recommends && (command == "install" || command == "build-dep")) {
    words.push_back("--no-install-recommends");
  }
  words.push_back(command);
  return words;
}

std::vector<std::string> AptAction::apt_get(const std::string& command,
                                            const std::vector<std::string>& operands) const {
  std::vector<std::string> argv = apt_get_words(command);
  argv.insert(argv.end(), operands.begin(), operands.end());
  return as_root(argv);
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
  settings.apt_dir = settings_.apt_dir;
  settings.archives = settings_.archives;
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
  }
  return notes;
}

std::string AptAction::shell_commands() const {
  // As root, or through `sudo -n` when the script runs as someone else (as a run does).
  auto apt = [this](const std::string& command) {
    return "$as_root " + shell_words(apt_get_words(command));
  };
  std::string text = "as_root=; [ \"$(id -u)\" -eq 0 ] || as_root='sudo -n'\n";
  if (settings_.keep_debs) {
    text += "mkdir -p " + shell_quote((settings_.archives / "partial").string()) + "\n";
  }
  // The same rule as execute(): update when asked, when the sources changed, or before
  // installing something missing or build dependencies (a fresh VM has no package lists).
  // Run step by step, the script may update more than once where a run updates once.
  text += "updated=\n";
  if (settings_.enable_sources) {
    text += "changed=$($as_root python3 - " + shell_quote(settings_.apt_dir.string()) +
            " <<'SSDBUILD_SOURCES_EOF'\n" + kEnableSourcesScript + "SSDBUILD_SOURCES_EOF\n)\n" +
            "[ -z \"$changed\" ] || { echo \"$changed\"; " + apt("update") + "; updated=1; }\n";
  }
  if (settings_.update) text += "[ -n \"$updated\" ] || { " + apt("update") + "; updated=1; }\n";
  if (!settings_.install.empty()) {
    // name=version wants that version installed, as a run does.
    text += "missing=$(for p in " + shell_words(settings_.install) +
            "; do s=$(dpkg-query -W -f='${Status} ${Version}' \"${p%%=*}\" 2>/dev/null || true); "
            "case \"$p\" in *=*) want=\"install ok installed ${p#*=}\";; "
            "*) want=\"install ok installed ${s##* }\";; esac; "
            "[ \"$s\" = \"$want\" ] || echo \"$p\"; done)\n" +
            "if [ -n \"$missing\" ]; then\n  [ -n \"$updated\" ] || { " + apt("update") +
            "; updated=1; }\n  " + apt("install") + " $missing\nfi\n";
  }
  if (!settings_.build_dep.empty()) {
    text += "[ -n \"$updated\" ] || " + apt("update") + "\n" + apt("build-dep") + " " +
            shell_words(settings_.build_dep) + "\n";
  }
  if (!settings_.remove.empty()) {
    text += apt("remove") + " " + shell_words(settings_.remove) + "\n";
  }
  return text;
}

ActionOutcome AptAction::execute(const StepContext& context) const {
  bool sources_changed = false;
  if (settings_.enable_sources && ::geteuid() != 0 &&
      ::access(settings_.apt_dir.c_str(), W_OK) != 0 &&
      !enable_source_packages(settings_.apt_dir, false).empty()) {
    // Not root, and the apt folder is root's: the plan's edit, through sudo.
    ProcessResult edited = context.run_command(
        as_root({"python3", "-c", kEnableSourcesScript, settings_.apt_dir.string()}));
    if (!edited.ok()) {
      ActionOutcome outcome;
      outcome.process = edited;
      outcome.message = "apt: cannot turn source packages on in " + settings_.apt_dir.string() +
                        " through sudo (" + edited.describe() + "); run as root";
      return outcome;
    }
    sources_changed = true;
  } else if (settings_.enable_sources) {
    try {
      auto changed = enable_source_packages(settings_.apt_dir, true);
      for (const auto& file : changed) context.say("apt: source packages turned on in " + file);
      if (changed.empty()) context.say("apt: source packages are on already");
      sources_changed = !changed.empty();
    } catch (const std::exception& problem) {
      return ActionOutcome::failed("apt: cannot turn source packages on: " +
                                   std::string(problem.what()) + " (run as root?)");
    }
  }
  if (settings_.keep_debs) {
    std::error_code error;
    fs::create_directories(settings_.archives / "partial", error);
  }
  std::vector<std::string> missing = missing_packages(settings_.install);
  // A fresh VM has no package lists: update when something is to be installed, or asked.
  bool need_update =
      settings_.update || sources_changed || !missing.empty() || !settings_.build_dep.empty();
  if (need_update && (!g_updated_this_run || sources_changed)) {
    ProcessResult result = context.run_command(apt_get("update", {}));
    if (!result.ok()) {
      return {result, "apt-get update failed (" + result.describe() +
                          "); no network, or a broken source list?"};
    }
    g_updated_this_run = true;
  }
  if (!settings_.install.empty() && missing.empty()) {
    context.say("apt: every package is installed already");
  } else if (!missing.empty()) {
    for (const auto& spec : missing) {
      auto policy = capture_output({"apt-cache", "policy", package_name(spec)});
      if (policy.output.find("Candidate:") == std::string::npos ||
          policy.output.find("Candidate: (none)") != std::string::npos) {
        return ActionOutcome::failed("apt: no package `" + package_name(spec) +
                                     "` in this system's sources; check the name with "
                                     "`apt-cache search " +
                                     package_name(spec) + "`");
      }
    }
    ProcessResult result = context.run_command(apt_get("install", missing));
    if (!result.ok()) return {result, "apt-get install failed (" + result.describe() + ")"};
  }
  if (!settings_.build_dep.empty()) {
    ProcessResult result = context.run_command(apt_get("build-dep", settings_.build_dep));
    if (!result.ok()) {
      return {result, "apt-get build-dep failed (" + result.describe() +
                          "); are source packages on (`enable_sources: true`)?"};
    }
  }
  if (!settings_.remove.empty()) {
    std::vector<std::string> installed;
    auto absent = missing_packages(settings_.remove);
    for (const auto& package : settings_.remove) {
      if (std::find(absent.begin(), absent.end(), package) == absent.end()) {
        installed.push_back(package);
      }
    }
    if (!installed.empty()) {
      ProcessResult result = context.run_command(apt_get("remove", installed));
      if (!result.ok()) return {result, "apt-get remove failed (" + result.describe() + ")"};
    }
  }
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> AptActionType::parse(const YAML::Node& config,
                                             const ConfigReader& reader) const {
  reader.expect_map(config, "`apt`",
                    {"update", "install", "build_dep", "remove", "enable_sources", "keep_debs",
                     "recommends", "apt_dir"});
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
  if (config["apt_dir"]) settings.apt_dir = reader.path(config["apt_dir"], "`apt_dir`");
  settings.archives = reader.settings().state_folder / "apt-archives";
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
