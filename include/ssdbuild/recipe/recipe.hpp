#pragma once
// The recipe as written: stages of steps, variables not yet resolved. The planner turns
// each step into a ResolvedStep for one run.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ssdbuild/recipe/diagnostic.hpp"

namespace ssdbuild {

/// Where a step's effect lives, which decides whether it survives a VM reset.
enum class Scope {
  system,      // on this machine only (packages, /usr): redone after a reset
  persistent,  // in the state folder or on a persistent mount: kept across resets
};

using KeyValueList = std::vector<std::pair<std::string, std::string>>;

struct StepDefinition {
  std::string name;
  SourceLocation location;
  std::string action_key;  // the action's YAML key: "run", "fetch", "git", ...
  YAML::Node action_config;
  std::string when;
  YAML::Node when_node;
  std::string cwd;
  KeyValueList env;
  std::optional<std::chrono::seconds> timeout;
  int retries = 0;
  bool optional = false;  // a failure is recorded, and the run goes on
  std::vector<std::string> creates;
  std::string check;
  Scope scope = Scope::system;
  std::optional<bool> ccache;  // `ccache:` of a run step; unset: the recipe's
  // `needed_by:` the stages the step is needed to build. When each of them comes back from
  // the stage cache, the step does only what the restored files need (Action::for_restored).
  std::vector<std::string> needed_by;
  YAML::Node needed_by_node;
  YAML::Node node;  // the whole step, for error locations of its fields
};

/// `cache: {paths: [...]}` on a stage: what the stage makes, packed into one archive in
/// the state folder after it succeeds and restored instead of rebuilding after a VM reset.
struct StageCacheDefinition {
  std::vector<std::string> paths;  // absolute after interpolation, or under workdir; globs
  YAML::Node node;                 // the `cache` map, for error locations
};

struct StageDefinition {
  std::string name;
  SourceLocation location;
  std::string when;
  YAML::Node when_node;
  std::vector<std::string> needs;
  std::vector<StepDefinition> steps;
  std::optional<StageCacheDefinition> cache;
};

struct Recipe {
  std::string name;
  std::string description;
  std::string file;     // as shown in messages: a path, or "builtin:NAME"
  bool ccache = false;  // `ccache:` for every run step that does not say otherwise
  KeyValueList vars;
  std::vector<StageDefinition> stages;

  const StageDefinition* find_stage(const std::string& name) const;
  /// Stages in an order where every stage comes after the stages it needs (validated: no
  /// cycles); among independent stages the file's order is kept.
  std::vector<const StageDefinition*> stages_in_order() const;
};

/// "stage/step", the id used on the command line, in the state and in logs.
std::string step_id(const StageDefinition& stage, const StepDefinition& step);

}  // namespace ssdbuild
