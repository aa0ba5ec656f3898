#include "ssdbuild/actions/copy_action.hpp"

#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

std::filesystem::path CopyAction::temporary() const {
  fs::path path = to_;
  path += ".ssdbuild-tmp";
  return path;
}

std::string CopyAction::fingerprint_text() const {
  return "copy\n" + from_.string() + "\n" + to_.string() + "\n" + (overwrite_ ? "1" : "0");
}

std::string CopyAction::shell_commands() const {
  std::string from = shell_quote(from_.string()), to = shell_quote(to_.string()),
              temporary_copy = shell_quote(temporary().string());
  std::string copy = "rm -rf " + temporary_copy + " && cp -a " + from + " " + temporary_copy +
                     " && rm -rf " + to + " && mv -T " + temporary_copy + " " + to;
  if (overwrite_) return copy + "\n";
  return "if [ ! -e " + to + " ]; then\n  " + copy + "\nfi\n";
}

std::vector<std::string> CopyAction::plan_notes() const {
  std::error_code error;
  if (!fs::exists(to_, error)) return {"copy: will create " + to_.string()};
  if (!overwrite_) return {"copy: " + to_.string() + " exists and is kept (overwrite: false)"};
  return {"copy: will replace " + to_.string()};
}

ActionOutcome CopyAction::execute(const StepContext& context) const {
  std::error_code error;
  if (!overwrite_ && fs::exists(to_, error)) {
    context.say("copy: kept " + to_.string() + ": it exists (overwrite: false)");
    return ActionOutcome::succeeded();
  }
  if (!fs::exists(from_, error)) {
    return ActionOutcome::failed("copy: " + from_.string() +
                                 " does not exist (did an earlier step create it?)");
  }
  fs::remove_all(temporary(), error);
  fs::copy(from_, temporary(), fs::copy_options::recursive | fs::copy_options::copy_symlinks,
           error);
  if (error) {
    return ActionOutcome::failed("copy: cannot copy " + from_.string() + " to " +
                                 temporary().string() + ": " + error.message());
  }
  if (fs::is_directory(to_) && !fs::is_symlink(to_)) fs::remove_all(to_, error);
  fs::rename(temporary(), to_, error);
  if (error) {
    return ActionOutcome::failed("copy: cannot move " + temporary().string() + " to " +
                                 to_.string() + ": " + error.message());
  }
  context.say("copy: " + from_.string() + " -> " + to_.string());
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> CopyActionType::parse(const YAML::Node& config,
                                              const ConfigReader& reader) const {
  reader.expect_map(config, "`copy`", {"from", "to", "overwrite"}, {"from", "to"});
  bool overwrite = config["overwrite"] ? reader.boolean(config["overwrite"], "`overwrite`") : false;
  return std::make_unique<CopyAction>(reader.path(config["from"], "`from`"),
                                      reader.path(config["to"], "`to`"), overwrite);
}

std::string CopyActionType::derive_name(const YAML::Node& config) const {
  return name_from_path("copy", config, "to");
}

}  // namespace ssdbuild
