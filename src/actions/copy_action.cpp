#include "ssdbuild/actions/copy_action.hpp"

#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

std::filesystem::path CopyAction::temporary() const {
  fs::path path = to_;
  path += ".ssdbuild-tmp";
  return path;
}

CopyAction CopyAction::from_builtin(std::string name, std::string_view text,
                                    std::filesystem::path to, bool overwrite) {
  CopyAction action(std::string(kBuiltinFilePrefix) + name, std::move(to), overwrite);
  action.builtin_text_ = text;
  return action;
}

std::string CopyAction::fingerprint_text() const {
  std::string text =
      "copy\n" + from_.string() + "\n" + to_.string() + "\n" + (overwrite_ ? "1" : "0");
  // A new ssdbuild with another version of the embedded file copies it again.
  if (builtin_text_) text += "\n" + sha256_hex(*builtin_text_);
  return text;
}

// The embedded text through a quoted heredoc (nothing in it is expanded), whose delimiter
// carries the text's hash so that no line of the text can end it early.
std::string CopyAction::builtin_shell_commands() const {
  std::string to = shell_quote(to_.string()), temporary_copy = shell_quote(temporary().string());
  std::string delimiter = "SSDBUILD_" + sha256_hex(*builtin_text_).substr(0, 16);
  std::string text(*builtin_text_);
  bool trailing_newline = !text.empty() && text.back() == '\n';
  if (!trailing_newline) text += '\n';
  std::string indent = overwrite_ ? "" : "  ";
  std::string write = indent + "mkdir -p " + shell_quote(to_.parent_path().string()) + "\n" +
                      indent + "cat > " + temporary_copy + " <<'" + delimiter + "'\n" + text +
                      delimiter + "\n";
  if (!trailing_newline) write += indent + "truncate -s -1 " + temporary_copy + "\n";
  write += indent + "mv -f " + temporary_copy + " " + to + "\n";
  if (overwrite_) return write;
  return "if [ ! -e " + to + " ]; then\n" + write + "fi\n";
}

ActionOutcome CopyAction::write_builtin(const StepContext& context) const {
  std::error_code error;
  fs::create_directories(to_.parent_path(), error);
  try {
    write_file_atomically(to_, *builtin_text_);
  } catch (const std::exception& failure) {
    return ActionOutcome::failed("copy: " + std::string(failure.what()));
  }
  context.say("copy: " + from_.string() + " -> " + to_.string() + " (" +
              std::to_string(builtin_text_->size()) + " bytes)");
  return ActionOutcome::succeeded();
}

std::string CopyAction::shell_commands() const {
  if (builtin_text_) return builtin_shell_commands();
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
  if (builtin_text_) return write_builtin(context);
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
  std::string from = reader.string(config["from"], "`from`");
  if (starts_with(from, kBuiltinFilePrefix)) {
    std::string name = from.substr(kBuiltinFilePrefix.size());
    const EmbeddedRecipe* file = find_builtin_file(name);
    if (file == nullptr) {
      std::vector<std::string> names;
      for (const auto& embedded : embedded_files()) names.push_back(embedded.name);
      reader.fail(config["from"], "no built-in file `" + name + "`" + did_you_mean(name, names) +
                                      "; `ssdbuild recipes` lists them");
    }
    return std::make_unique<CopyAction>(
        CopyAction::from_builtin(name, file->text, reader.path(config["to"], "`to`"), overwrite));
  }
  return std::make_unique<CopyAction>(reader.path(config["from"], "`from`"),
                                      reader.path(config["to"], "`to`"), overwrite);
}

std::string CopyActionType::derive_name(const YAML::Node& config) const {
  return name_from_path("copy", config, "to");
}

}  // namespace ssdbuild
