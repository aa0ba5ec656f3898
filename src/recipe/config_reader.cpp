#include "ssdbuild/recipe/config_reader.hpp"

#include <algorithm>

#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::string describe_node_type(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "`" + node.Scalar() + "`";
    default:
      return "an undefined value";
  }
}

ConfigReader::ConfigReader(std::string file, StringResolver resolve, ActionSettings settings)
    : file_(std::move(file)), resolve_(std::move(resolve)), settings_(std::move(settings)) {}

std::filesystem::path ConfigReader::path(const YAML::Node& node, std::string_view what) const {
  std::string text = string(node, what);
  if (text.empty()) fail(node, std::string(what) + " must not be empty");
  return (settings_.cwd / text).lexically_normal();
}

void ConfigReader::fail(const YAML::Node& node, const std::string& message) const {
  throw RecipeError(location_of(file_, node), message);
}

std::string ConfigReader::string(const YAML::Node& node, std::string_view what) const {
  if (!node.IsScalar()) {
    fail(node, std::string(what) + " must be a string, not " + describe_node_type(node));
  }
  return resolve_(node.Scalar(), node);
}

std::vector<std::string> ConfigReader::strings(const YAML::Node& node,
                                               std::string_view what) const {
  std::vector<std::string> values;
  if (node.IsScalar()) {
    values.push_back(string(node, what));
  } else if (node.IsSequence()) {
    for (const auto& item : node) values.push_back(string(item, what));
  } else {
    fail(node, std::string(what) + " must be a string or a list of strings, not " +
                   describe_node_type(node));
  }
  return values;
}

bool ConfigReader::boolean(const YAML::Node& node, std::string_view what) const {
  std::string text = string(node, what);
  if (settings_.validating && text.find("${") != std::string::npos) return false;
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(node, std::string(what) + " must be true or false, not `" + text + "`");
}

long long ConfigReader::integer(const YAML::Node& node, std::string_view what) const {
  std::string text = string(node, what);
  if (settings_.validating && text.find("${") != std::string::npos) return 0;
  try {
    size_t used = 0;
    long long value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  fail(node, std::string(what) + " must be a whole number, not `" + text + "`");
}

void ConfigReader::expect_map(const YAML::Node& node, std::string_view what,
                              const std::vector<std::string>& allowed,
                              const std::vector<std::string>& required) const {
  if (!node.IsMap())
    fail(node, std::string(what) + " must be a map, not " + describe_node_type(node));
  std::vector<std::string> seen;
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      fail(entry.first,
           "unknown key `" + key + "` in " + std::string(what) + did_you_mean(key, allowed));
    }
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      fail(entry.first, "duplicate key `" + key + "` in " + std::string(what));
    }
    seen.push_back(key);
  }
  for (const auto& key : required) {
    if (std::find(seen.begin(), seen.end(), key) == seen.end()) {
      fail(node, std::string(what) + " needs `" + key + "`");
    }
  }
}

}  // namespace ssdbuild
