#include "ssdbuild/recipe/variables.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "ssdbuild/recipe/interpolation.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::string unknown_variable_message(std::string_view name,
                                     const std::vector<std::string>& var_names) {
  std::vector<std::string> candidates = var_names;
  for (const auto& fact : Facts::names()) candidates.push_back("facts." + fact);
  std::string message =
      "unknown variable `" + std::string(name) + "`" + did_you_mean(name, candidates);
  if (!starts_with(name, "facts.")) {
    message += "; define it under `vars:`, pass --set " + std::string(name) +
               "=VALUE, or write $${" + std::string(name) + "} for a shell variable";
  }
  return message;
}

std::string recipe_folder(const std::string& recipe_file, const std::string& start_folder) {
  if (recipe_file.empty() || starts_with(recipe_file, "builtin:")) return start_folder;
  std::filesystem::path file = recipe_file;
  if (file.is_relative()) file = std::filesystem::path(start_folder) / file;
  return file.lexically_normal().parent_path().string();
}

VariableScope::VariableScope(const Recipe& recipe, KeyValueList overrides, Facts& facts,
                             std::string start_folder)
    : vars_(recipe.vars), facts_(facts) {
  auto set = [this](const std::string& name, const std::string& value) {
    for (auto& entry : vars_) {
      if (entry.first == name) {
        entry.second = value;
        return;
      }
    }
    vars_.emplace_back(name, value);
  };
  auto defined = [this](const char* name) {
    return std::any_of(vars_.begin(), vars_.end(), [&](auto& e) { return e.first == name; });
  };
  if (!defined("recipe_dir")) set("recipe_dir", recipe_folder(recipe.file, start_folder));
  if (!defined("workdir")) set("workdir", start_folder);
  for (const auto& [name, value] : overrides) set(name, value);
}

std::string VariableScope::value(std::string_view name) {
  if (starts_with(name, "facts.")) {
    std::string fact(name.substr(6));
    if (!Facts::is_known(fact))
      throw InterpolationError(unknown_variable_message(name, var_names()));
    std::string result = facts_.get(fact);
    reads_.emplace(std::string(name), result);
    return result;
  }
  if (starts_with(name, "steps.")) {
    auto found = step_outputs_.find(std::string(name));
    if (found != step_outputs_.end()) return found->second;
    throw InterpolationError("`" + std::string(name) +
                             "` is not known here: it names a step that does not come before "
                             "this one, or a value that step does not give");
  }
  if (starts_with(name, "env.")) {
    std::string variable(name.substr(4));
    const char* found = std::getenv(variable.c_str());
    std::string result = found ? found : "";
    reads_.emplace(std::string(name), result);
    return result;
  }
  for (const auto& [var, text] : vars_) {
    if (var != name) continue;
    if (std::find(resolving_.begin(), resolving_.end(), var) != resolving_.end()) {
      std::string cycle;
      for (const auto& step : resolving_) cycle += step + " -> ";
      throw InterpolationError("variables refer to each other in a cycle: " + cycle + var);
    }
    resolving_.push_back(var);
    try {
      std::string result = interpolate(text);
      resolving_.pop_back();
      return result;
    } catch (...) {
      resolving_.pop_back();
      throw;
    }
  }
  throw InterpolationError(unknown_variable_message(name, var_names()));
}

std::string VariableScope::interpolate(std::string_view text) {
  return ssdbuild::interpolate(text, [this](std::string_view name) { return value(name); });
}

void VariableScope::set_step_output(const std::string& step, const std::string& key,
                                    const std::string& value) {
  step_outputs_["steps." + step + "." + key] = value;
}

bool VariableScope::is_known(std::string_view name) const {
  if (starts_with(name, "steps.")) return step_outputs_.count(std::string(name)) > 0;
  if (starts_with(name, "facts.")) return Facts::is_known(name.substr(6));
  if (starts_with(name, "env.")) return name.size() > 4;
  return std::any_of(vars_.begin(), vars_.end(), [&](auto& entry) { return entry.first == name; });
}

KeyValueList VariableScope::take_reads() {
  KeyValueList reads(reads_.begin(), reads_.end());
  reads_.clear();
  return reads;
}

std::vector<std::string> VariableScope::var_names() const {
  std::vector<std::string> names;
  for (const auto& entry : vars_) names.push_back(entry.first);
  return names;
}

}  // namespace ssdbuild
