#pragma once
// Reads an action's YAML configuration with the checks every action needs (types, unknown
// keys with "did you mean", required keys) and resolves ${...} in every string it returns.
// Errors are RecipeErrors located at the offending node.
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "ssdbuild/exec/environment.hpp"

#include "ssdbuild/recipe/diagnostic.hpp"

namespace ssdbuild {

/// Interpolates a string read at `node`; throws RecipeError located there.
using StringResolver = std::function<std::string(std::string_view text, const YAML::Node& node)>;

/// Where the step being read runs; actions resolve relative paths from `cwd`. During
/// validation these are placeholders.
struct ActionSettings {
  std::filesystem::path cwd = ".";
  std::filesystem::path state_folder = ".ssdbuild";
  std::string recipe_name;
  std::vector<EnvChange> preceding_env;  // what the `env` steps before this one change
  bool validating = false;  // variables are not resolved: typed values may still hold ${...}
  const nlohmann::json* pins = nullptr;  // first-use download pins from the state
  std::string step_id;                   // "stage/step"; empty during validation
};

class ConfigReader {
 public:
  ConfigReader(std::string file, StringResolver resolve, ActionSettings settings = {});

  /// A scalar, variables resolved.
  std::string string(const YAML::Node& node, std::string_view what) const;
  /// A path, variables resolved, made absolute from the step's folder.
  std::filesystem::path path(const YAML::Node& node, std::string_view what) const;
  /// A scalar or a list of scalars, variables resolved.
  std::vector<std::string> strings(const YAML::Node& node, std::string_view what) const;
  bool boolean(const YAML::Node& node, std::string_view what) const;
  long long integer(const YAML::Node& node, std::string_view what) const;

  /// Checks that `node` is a map whose keys are all in `allowed` and that every key in
  /// `required` is present.
  void expect_map(const YAML::Node& node, std::string_view what,
                  const std::vector<std::string>& allowed,
                  const std::vector<std::string>& required = {}) const;

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const;
  const std::string& file() const { return file_; }
  const ActionSettings& settings() const { return settings_; }

 private:
  std::string file_;
  StringResolver resolve_;
  ActionSettings settings_;
};

/// The YAML type of a node in words ("a list", "a map", "a string"), for messages.
std::string describe_node_type(const YAML::Node& node);

}  // namespace ssdbuild
