#include "ssdbuild/actions/copy_action.hpp"

#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

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

// One implementation: a run executes the same helper (shell/copy.sh) that the plan prints.
std::string CopyAction::shell_commands() const {
  std::string overwrite = overwrite_ ? "--overwrite " : "";
  if (builtin_text_) {
    return "ssdbuild_copy " + overwrite + "--builtin " +
           shell_quote(from_.string().substr(kBuiltinFilePrefix.size())) + " " +
           shell_quote(to_.string()) + "\n";
  }
  return "ssdbuild_copy " + overwrite + shell_quote(from_.string()) + " " +
         shell_quote(to_.string()) + "\n";
}

std::vector<std::string> CopyAction::plan_notes() const {
  std::error_code error;
  if (!fs::exists(to_, error)) return {"copy: will create " + to_.string()};
  if (!overwrite_) return {"copy: " + to_.string() + " exists and is kept (overwrite: false)"};
  return {"copy: will replace " + to_.string()};
}

ActionOutcome CopyAction::execute(const StepContext& context) const {
  return {context.run_script(), ""};
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
