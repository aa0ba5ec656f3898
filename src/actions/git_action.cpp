#include "ssdbuild/actions/git_action.hpp"

#include <fstream>
#include <regex>

#include "ssdbuild/actions/io_module.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// The commit a clone's HEAD is at, read from its files rather than through libgit2, so
// that `plan` does not load the I/O module; "" when `dest` is not a clone or HEAD is
// unborn. Follows a `.git` file (worktrees, submodules), a symbolic HEAD, and packed-refs.
std::string read_head_commit(const fs::path& dest) {
  std::error_code error;
  fs::path git_dir = dest / ".git";
  if (fs::is_regular_file(git_dir, error)) {
    std::string link(trim(read_file(git_dir)));
    if (link.rfind("gitdir: ", 0) != 0) return "";
    git_dir = fs::path(link.substr(8));
    if (git_dir.is_relative()) git_dir = dest / git_dir;
  }
  if (!fs::exists(git_dir / "HEAD", error)) return "";
  std::string head(trim(read_file(git_dir / "HEAD")));
  static const std::regex sha("[0-9a-f]{40}");
  if (head.rfind("ref: ", 0) != 0) return std::regex_match(head, sha) ? head : "";
  std::string ref = head.substr(5);
  if (fs::exists(git_dir / ref, error)) return std::string(trim(read_file(git_dir / ref)));
  std::ifstream packed(git_dir / "packed-refs");
  for (std::string line; std::getline(packed, line);) {
    if (line.size() > 41 && line.substr(41) == ref) return line.substr(0, 40);
  }
  return "";
}

}  // namespace

std::string GitAction::fingerprint_text() const {
  return "git\n" + settings_.url + "\n" + settings_.ref + "\n" + settings_.commit + "\n" +
         settings_.dest.string() + "\n" + (settings_.submodules ? "submodules" : "") +
         (settings_.force ? " force" : "");
}

// The plan's side of the step: shell/git.sh, with a run's guards.
std::string GitAction::shell_commands() const {
  std::string text = "ssdbuild_git --url " + shell_quote(settings_.url) + " --dest " +
                     shell_quote(settings_.dest.string());
  if (!settings_.ref.empty()) text += " --ref " + shell_quote(settings_.ref);
  if (!settings_.commit.empty()) text += " --commit " + settings_.commit;
  if (settings_.force) text += " --force";
  if (settings_.submodules) text += " --submodules";
  return text + "\n";
}

std::vector<std::string> GitAction::plan_notes() const {
  std::error_code error;
  if (!fs::exists(settings_.dest / ".git", error)) {
    return {"git: will clone " + settings_.url + " into " + settings_.dest.string()};
  }
  std::string head = read_head_commit(settings_.dest);
  if (!settings_.commit.empty() && head == settings_.commit) {
    return {"git: " + settings_.dest.string() + " is at " + head.substr(0, 12) + " already"};
  }
  return {"git: will fetch into " + settings_.dest.string() + " (now at " + head.substr(0, 12) +
          ")"};
}

ActionOutcome GitAction::execute(const StepContext& context) const {
  return io_module().check_out(settings_, context);
}

std::unique_ptr<Action> GitActionType::parse(const YAML::Node& config,
                                             const ConfigReader& reader) const {
  reader.expect_map(config, "`git`", {"url", "ref", "commit", "dest", "submodules", "force"},
                    {"url", "dest"});
  GitAction::Settings settings;
  settings.url = reader.string(config["url"], "`url`");
  if (config["ref"]) settings.ref = reader.string(config["ref"], "`ref`");
  if (config["commit"]) {
    settings.commit = reader.string(config["commit"], "`commit`");
    bool unresolved = settings.commit.find("${") != std::string::npos;
    if (!(reader.settings().validating && unresolved) &&
        !std::regex_match(settings.commit, std::regex("[0-9a-f]{40}"))) {
      reader.fail(config["commit"],
                  "`commit` must be a full 40-character SHA-1, not `" + settings.commit + "`");
    }
  }
  if (settings.ref.empty() && settings.commit.empty()) {
    reader.fail(config, "`git` needs `ref` (a branch, tag or commit), `commit`, or both");
  }
  settings.dest = reader.path(config["dest"], "`dest`");
  if (config["submodules"])
    settings.submodules = reader.boolean(config["submodules"], "`submodules`");
  if (config["force"]) settings.force = reader.boolean(config["force"], "`force`");
  return std::make_unique<GitAction>(std::move(settings));
}

std::string GitActionType::derive_name(const YAML::Node& config) const {
  return name_from_path("git", config, "dest");
}

}  // namespace ssdbuild
