#include "ssdbuild/exec/environment.hpp"

#include <cstdlib>
#include <map>

#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::vector<std::pair<std::string, std::string>> apply_env_changes(
    const std::vector<EnvChange>& changes) {
  std::vector<std::pair<std::string, std::string>> values;
  auto current = [&](const std::string& name) -> std::string {
    for (auto it = values.rbegin(); it != values.rend(); ++it) {
      if (it->first == name) return it->second;
    }
    const char* inherited = std::getenv(name.c_str());
    return inherited ? inherited : "";
  };
  for (const auto& change : changes) {
    std::string before = current(change.name);
    std::string value = change.value;
    if (change.mode == EnvChange::Mode::prepend && !before.empty()) value += ":" + before;
    if (change.mode == EnvChange::Mode::append && !before.empty()) value = before + ":" + value;
    bool replaced = false;
    for (auto& entry : values) {
      if (entry.first == change.name) {
        entry.second = value;
        replaced = true;
      }
    }
    if (!replaced) values.emplace_back(change.name, value);
  }
  return values;
}

std::string env_changes_as_shell(const std::vector<EnvChange>& changes) {
  std::string text;
  for (const auto& change : changes) {
    std::string value = shell_quote(change.value);
    const std::string& name = change.name;
    switch (change.mode) {
      case EnvChange::Mode::set:
        text += "export " + name + "=" + value + "\n";
        break;
      case EnvChange::Mode::prepend:
        text += "export " + name + "=" + value + "\"${" + name + ":+:$" + name + "}\"\n";
        break;
      case EnvChange::Mode::append:
        text += "export " + name + "=\"${" + name + ":+$" + name + ":}\"" + value + "\n";
        break;
    }
  }
  return text;
}

std::string to_string(EnvChange::Mode mode) {
  switch (mode) {
    case EnvChange::Mode::set:
      return "set";
    case EnvChange::Mode::prepend:
      return "prepend";
    case EnvChange::Mode::append:
      return "append";
  }
  return "";
}

}  // namespace ssdbuild
