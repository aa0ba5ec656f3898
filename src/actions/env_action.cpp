#include "ssdbuild/actions/env_action.hpp"

#include <regex>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::string EnvAction::fingerprint_text() const {
  std::string text = "env\n";
  for (const auto& change : changes_) {
    text += to_string(change.mode) + " " + change.name + "=" + change.value + "\n";
  }
  return text;
}

std::string EnvAction::env_file_content() const {
  std::vector<EnvChange> all = preceding_;
  all.insert(all.end(), changes_.begin(), changes_.end());
  return "# Written by ssdbuild: the environment its `env` steps set. Load it with\n"
         "#   source env.sh   (bash), or in Python: ssdbuild env --format python\n" +
         env_changes_as_shell(all);
}

std::string EnvAction::shell_commands() const {
  std::string file = shell_quote(env_file_.string());
  std::string temporary = shell_quote(env_file_.string() + ".tmp");
  return "mkdir -p " + shell_quote(env_file_.parent_path().string()) + "\ncat > " + temporary +
         " <<'SSDBUILD_ENV_EOF'\n" + env_file_content() + "SSDBUILD_ENV_EOF\nmv " + temporary +
         " " + file + "\n";
}

ActionOutcome EnvAction::execute(const StepContext& context) const {
  std::error_code error;
  std::filesystem::create_directories(env_file_.parent_path(), error);
  write_file_atomically(env_file_, env_file_content());
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& change : changes_) {
    changes.push_back(
        {{"name", change.name}, {"mode", to_string(change.mode)}, {"value", change.value}});
    context.say("env: " + to_string(change.mode) + " " + change.name + " " + change.value);
  }
  if (context.details != nullptr) (*context.details)["env"] = changes;
  context.say("env: the steps after this one get these; written to " + env_file_.string());
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> EnvActionType::parse(const YAML::Node& config,
                                             const ConfigReader& reader) const {
  reader.expect_map(config, "`env`", {"set", "prepend", "append"});
  static const std::regex variable_name("[A-Za-z_][A-Za-z0-9_]*");
  std::vector<EnvChange> changes;
  const std::pair<const char*, EnvChange::Mode> modes[] = {{"set", EnvChange::Mode::set},
                                                           {"prepend", EnvChange::Mode::prepend},
                                                           {"append", EnvChange::Mode::append}};
  for (const auto& [key, mode] : modes) {
    const YAML::Node entries = config[key];
    if (!entries) continue;
    if (!entries.IsMap()) {
      reader.fail(entries, std::string("`") + key + "` must be a map of variable names to values");
    }
    for (const auto& entry : entries) {
      std::string name = entry.first.Scalar();
      if (!std::regex_match(name, variable_name)) {
        reader.fail(entry.first, "`" + name + "` is not an environment variable name");
      }
      std::string value;
      if (mode == EnvChange::Mode::set) {
        value = reader.string(entry.second, "`" + name + "`");
      } else {
        for (const auto& part : reader.strings(entry.second, "`" + name + "`")) {
          value += (value.empty() ? "" : ":") + part;
        }
      }
      changes.push_back({name, value, mode});
    }
  }
  if (changes.empty()) reader.fail(config, "`env` needs `set`, `prepend` or `append`");
  return std::make_unique<EnvAction>(std::move(changes), reader.settings().preceding_env,
                                     reader.settings().state_folder / "env.sh");
}

std::string EnvActionType::derive_name(const YAML::Node& config) const {
  if (config.IsMap()) {
    for (const char* key : {"set", "prepend", "append"}) {
      if (config[key] && config[key].IsMap() && config[key].size() > 0) {
        return "env-" + slug_from_text(config[key].begin()->first.Scalar(), 27);
      }
    }
  }
  return "env";
}

std::string format_environment(const std::vector<EnvChange>& changes, const std::string& format) {
  if (format == "sh") return env_changes_as_shell(changes);
  auto values = apply_env_changes(changes);
  if (format == "json") {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [name, value] : values) object[name] = value;
    return object.dump(2) + "\n";
  }
  // Python string literals through JSON: a JSON string is a valid Python string literal.
  std::string text = "import os, sys\n";
  for (const auto& [name, value] : values) {
    text +=
        "os.environ[" + nlohmann::json(name).dump() + "] = " + nlohmann::json(value).dump() + "\n";
    if (name == "PYTHONPATH") {
      text += "sys.path[0:0] = [p for p in " + nlohmann::json(value).dump() +
              ".split(':') if p and p not in sys.path]\n";
    }
  }
  return text;
}

}  // namespace ssdbuild
