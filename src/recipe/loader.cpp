#include "ssdbuild/recipe/loader.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "ssdbuild/actions/action.hpp"
#include "ssdbuild/facts/facts.hpp"
#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "ssdbuild/recipe/config_reader.hpp"
#include "ssdbuild/recipe/interpolation.hpp"
#include "ssdbuild/recipe/variables.hpp"
#include "ssdbuild/recipe/when_expression.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

struct Cycle {
  std::vector<std::string> path;  // the depth-first path that closed the cycle
  std::string text;               // "a -> b -> a"
};

// The first cycle of a graph (each name -> the names it uses; names without an entry are
// leaves), searched depth first from each of `names` in turn.
std::optional<Cycle> find_cycle(const std::vector<std::string>& names,
                                const std::map<std::string, std::vector<std::string>>& edges) {
  std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  std::optional<Cycle> found;
  std::function<bool(const std::string&)> visit = [&](const std::string& name) {
    state[name] = 1;
    path.push_back(name);
    auto uses = edges.find(name);
    for (const auto& used : uses == edges.end() ? std::vector<std::string>{} : uses->second) {
      if (!edges.count(used)) continue;
      if (state[used] == 1) {
        std::string text;
        for (auto it = std::find(path.begin(), path.end(), used); it != path.end(); ++it) {
          text += *it + " -> ";
        }
        found = Cycle{path, text + used};
        return true;
      }
      if (state[used] == 0 && visit(used)) return true;
    }
    path.pop_back();
    state[name] = 2;
    return false;
  };
  for (const auto& name : names) {
    if (state[name] == 0 && visit(name)) break;
  }
  return found;
}

const std::vector<std::string> kRecipeKeys = {"name", "description", "ccache", "vars", "stages"};
const std::vector<std::string> kStageKeys = {"name",  "description", "when",
                                             "needs", "steps",       "cache"};
const std::vector<std::string> kStepFields = {
    "name",     "description", "when",  "cwd",   "env",    "timeout",  "retries",
    "optional", "creates",     "check", "scope", "ccache", "needed_by"};

// `env` is both a step field (variables for that step) and an action (variables for the
// steps after it). It is the action when it holds only set/prepend/append and the step has
// no other action.
bool is_env_action(const YAML::Node& step) {
  const YAML::Node env = step["env"];
  if (!env || !env.IsMap() || env.size() == 0) return false;
  for (const auto& entry : env) {
    std::string key = entry.first.Scalar();
    if (key != "set" && key != "prepend" && key != "append") return false;
  }
  for (const auto& entry : step) {
    std::string key = entry.first.Scalar();
    if (key != "env" && find_action_type(key) != nullptr) return false;
  }
  return true;
}

bool is_valid_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9][A-Za-z0-9_.-]*");
  return std::regex_match(name, pattern);
}

class RecipeValidator {
 public:
  explicit RecipeValidator(std::string file) : file_(std::move(file)) {}

  Recipe load(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::Exception& error) {
      SourceLocation where{file_, error.mark.line + 1, error.mark.column + 1};
      throw RecipeError(where, "invalid YAML: " + error.msg);
    }
    Recipe recipe;
    recipe.file = file_;
    if (!root.IsMap()) {
      throw RecipeError(
          location_of(file_, root),
          "a recipe is a map with `name`, `vars` and `stages`, not " + describe_node_type(root));
    }
    check_keys(root, "the recipe", kRecipeKeys);
    recipe.name = required_string(root, "name", "the recipe");
    if (!recipe.name.empty() && !is_valid_name(recipe.name)) {
      error(root["name"],
            "recipe name `" + recipe.name + "` may hold only letters, digits, `_`, `.` and `-`");
    }
    if (root["description"]) recipe.description = scalar(root["description"], "`description`");
    if (root["ccache"]) recipe.ccache = true_or_false(root["ccache"], "`ccache`").value_or(false);
    read_vars(root["vars"], recipe);
    read_stages(root, recipe);
    check_needs(recipe);
    check_variables(recipe);
    diagnostics_.throw_if_any();
    return recipe;
  }

 private:
  void error(const YAML::Node& node, const std::string& message) {
    diagnostics_.error(location_of(file_, node), message);
  }

  // Reports unknown and duplicate keys; returns false if `node` is not a map.
  bool check_keys(const YAML::Node& node, const std::string& what,
                  const std::vector<std::string>& allowed,
                  const std::vector<std::string>& also_allowed = {}) {
    if (!node.IsMap()) {
      error(node, what + " must be a map, not " + describe_node_type(node));
      return false;
    }
    std::set<std::string> seen;
    std::vector<std::string> all = allowed;
    all.insert(all.end(), also_allowed.begin(), also_allowed.end());
    for (const auto& entry : node) {
      std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
      if (!seen.insert(key).second) {
        error(entry.first, "duplicate key `" + key + "` in " + what);
      } else if (std::find(all.begin(), all.end(), key) == all.end()) {
        error(entry.first, "unknown key `" + key + "` in " + what + did_you_mean(key, all));
      }
    }
    return true;
  }

  std::string scalar(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar()) {
      error(node, what + " must be a string, not " + describe_node_type(node));
      return "";
    }
    return node.Scalar();
  }

  std::optional<bool> true_or_false(const YAML::Node& node, const std::string& what) {
    std::string text = scalar(node, what);
    if (text == "true" || text == "false") return text == "true";
    if (node.IsScalar()) error(node, what + " is true or false, not `" + text + "`");
    return std::nullopt;
  }

  std::string required_string(const YAML::Node& map, const std::string& key,
                              const std::string& what) {
    if (!map[key]) {
      error(map, what + " needs `" + key + "`");
      return "";
    }
    return scalar(map[key], "`" + key + "`");
  }

  KeyValueList string_map(const YAML::Node& node, const std::string& what) {
    KeyValueList values;
    if (!node) return values;
    if (!node.IsMap()) {
      error(node, what + " must be a map of names to values, not " + describe_node_type(node));
      return values;
    }
    std::set<std::string> seen;
    for (const auto& entry : node) {
      std::string key = entry.first.Scalar();
      if (!seen.insert(key).second) {
        error(entry.first, "duplicate key `" + key + "` in " + what);
        continue;
      }
      values.emplace_back(key, scalar(entry.second, what + "." + key));
    }
    return values;
  }

  void read_vars(const YAML::Node& node, Recipe& recipe) {
    recipe.vars = string_map(node, "`vars`");
    for (const auto& [name, value] : recipe.vars) {
      (void)value;
      static const std::regex var_name("[A-Za-z_][A-Za-z0-9_.-]*");
      if (starts_with(name, "facts.") || starts_with(name, "env.") || starts_with(name, "steps.") ||
          !std::regex_match(name, var_name)) {
        error(node[name], "`" + name +
                              "` cannot be a var name (a letter or `_`, then letters, digits, "
                              "`_`, `.`, `-`; not starting with facts., env. or steps.)");
      }
    }
    vars_node_ = node;
  }

  void read_stages(const YAML::Node& root, Recipe& recipe) {
    const YAML::Node stages = root["stages"];
    if (!stages) {
      error(root, "the recipe needs `stages`, a list of stages");
      return;
    }
    if (!stages.IsSequence()) {
      error(stages, "`stages` must be a list, not " + describe_node_type(stages));
      return;
    }
    std::map<std::string, YAML::Node> names;
    const StageDefinition* previous = nullptr;
    for (const auto& node : stages) {
      StageDefinition stage;
      stage.location = location_of(file_, node);
      if (!check_keys(node, "a stage", kStageKeys)) continue;
      stage.name = required_string(node, "name", "a stage");
      if (!stage.name.empty() && !is_valid_name(stage.name)) {
        error(node["name"],
              "stage name `" + stage.name + "` may hold only letters, digits, `_`, `.` and `-`");
      }
      if (!stage.name.empty() && !names.emplace(stage.name, node["name"]).second) {
        error(node["name"], "duplicate stage name `" + stage.name + "` (first at " +
                                location_of(file_, names[stage.name]).to_string() + ")");
      }
      if (node["description"]) scalar(node["description"], "`description`");  // type only
      if (node["when"]) {
        stage.when = scalar(node["when"], "`when`");
        stage.when_node = node["when"];
      }
      if (node["needs"]) {
        stage.needs = name_list(node["needs"], "`needs`");
        needs_nodes_[stage.name] = node["needs"];
      } else if (previous != nullptr && previous->name != stage.name) {
        // A stage named like the one before it is already reported as a duplicate; needing
        // itself by default would only add a confusing second error.
        stage.needs.push_back(previous->name);
      }
      if (node["cache"]) stage.cache = read_cache(node["cache"]);
      read_steps(node, stage);
      recipe.stages.push_back(std::move(stage));
      previous = &recipe.stages.back();
    }
  }

  StageCacheDefinition read_cache(const YAML::Node& node) {
    StageCacheDefinition cache;
    cache.node = node;
    if (!check_keys(node, "`cache`", {"paths"})) return cache;
    const YAML::Node paths = node["paths"];
    if (!paths) {
      error(node, "`cache` needs `paths`: the files and folders the stage makes");
    } else if (paths.IsScalar()) {
      cache.paths.push_back(paths.Scalar());
    } else if (paths.IsSequence() && paths.size() > 0) {
      for (const auto& path : paths) cache.paths.push_back(scalar(path, "`cache.paths`"));
    } else {
      error(paths, "`cache.paths` must be a path or a non-empty list of paths");
    }
    return cache;
  }

  void read_steps(const YAML::Node& stage_node, StageDefinition& stage) {
    const YAML::Node steps = stage_node["steps"];
    if (!steps) {
      error(stage_node, "stage `" + stage.name + "` needs `steps`, a list of steps");
      return;
    }
    if (!steps.IsSequence()) {
      error(steps, "`steps` must be a list, not " + describe_node_type(steps));
      return;
    }
    std::vector<std::string> action_names = action_keys();
    std::map<std::string, YAML::Node> names;
    for (const auto& node : steps) {
      StepDefinition step;
      step.node = YAML::Node(node);
      step.location = location_of(file_, node);
      if (!check_keys(node, "a step", kStepFields, action_names)) continue;
      bool env_is_action = is_env_action(node);
      for (const auto& entry : node) {
        std::string key = entry.first.Scalar();
        if (find_action_type(key) == nullptr || (key == "env" && !env_is_action)) continue;
        if (!step.action_key.empty()) {
          error(entry.first, "a step has exactly one action; this one has `" + step.action_key +
                                 "` and `" + key + "`");
          continue;
        }
        step.action_key = key;
        step.action_config = entry.second;
      }
      bool unknown_key = false;
      for (const auto& entry : node) {
        std::string key = entry.first.Scalar();
        unknown_key = unknown_key ||
                      (find_action_type(key) == nullptr &&
                       std::find(kStepFields.begin(), kStepFields.end(), key) == kStepFields.end());
      }
      if (step.action_key.empty() && unknown_key) continue;  // the unknown key says it
      if (step.action_key.empty()) {
        std::string known;
        for (const auto& key : action_names) known += (known.empty() ? "`" : ", `") + key + "`";
        error(node, "a step needs an action: one of " + known);
        continue;
      }
      const ActionType* type = find_action_type(step.action_key);
      if (node["name"]) {
        step.name = scalar(node["name"], "`name`");
        if (!is_valid_name(step.name)) {
          error(node["name"],
                "step name `" + step.name + "` may hold only letters, digits, `_`, `.` and `-`");
        }
        if (!names.emplace(step.name, node["name"]).second) {
          error(node["name"], "duplicate step name `" + step.name + "` in stage `" + stage.name +
                                  "` (first at " +
                                  location_of(file_, names[step.name]).to_string() + ")");
        }
      }
      read_step_fields(node, step);
      stage.steps.push_back(std::move(step));
      (void)type;
    }
    // Derived names come after explicit ones, so they never take an explicit name.
    for (auto& step : stage.steps) {
      if (!step.name.empty()) continue;
      std::string base = find_action_type(step.action_key)->derive_name(step.action_config);
      std::string candidate = base;
      for (int suffix = 2; names.count(candidate); ++suffix) {
        candidate = base + "-" + std::to_string(suffix);
      }
      step.name = candidate;
      names.emplace(candidate, step.node);
    }
  }

  void read_step_fields(const YAML::Node& node, StepDefinition& step) {
    if (node["description"]) scalar(node["description"], "`description`");  // type only
    if (node["when"]) {
      step.when = scalar(node["when"], "`when`");
      step.when_node = node["when"];
    }
    if (node["cwd"]) step.cwd = scalar(node["cwd"], "`cwd`");
    if (step.action_key != "env") step.env = string_map(node["env"], "`env`");
    if (node["timeout"]) {
      std::string text = scalar(node["timeout"], "`timeout`");
      step.timeout = parse_duration(text);
      if (!step.timeout || step.timeout->count() == 0) {
        error(node["timeout"],
              "`timeout` must be a duration like 90s, 30m, 2h or 1h30m, not `" + text + "`");
      }
    }
    if (node["retries"]) {
      std::string text = scalar(node["retries"], "`retries`");
      if (!std::regex_match(text, std::regex("[0-9]{1,2}"))) {
        error(node["retries"], "`retries` must be a whole number from 0 to 99, not `" + text + "`");
      } else {
        step.retries = std::stoi(text);
      }
    }
    if (node["optional"]) {
      std::string text = scalar(node["optional"], "`optional`");
      if (text == "true") {
        step.optional = true;
      } else if (text != "false") {
        error(node["optional"], "`optional` is true or false, not `" + text + "`");
      }
    }
    if (node["creates"]) {
      const YAML::Node creates = node["creates"];
      if (creates.IsScalar()) {
        step.creates.push_back(creates.Scalar());
      } else if (creates.IsSequence()) {
        for (const auto& path : creates) step.creates.push_back(scalar(path, "`creates`"));
      } else {
        error(creates, "`creates` must be a path or a list of paths");
      }
    }
    if (node["check"]) step.check = scalar(node["check"], "`check`");
    if (node["ccache"]) {
      step.ccache = true_or_false(node["ccache"], "`ccache`");
      if (step.ccache.value_or(false) && step.action_key != "run") {
        std::string action = step.action_key;
        error(node["ccache"],
              "`ccache` is for `run` steps (their compilers go through ccache), not `" + action +
                  "`");
      }
    }
    if (node["needed_by"]) {
      step.needed_by_node = node["needed_by"];
      step.needed_by = name_list(node["needed_by"], "`needed_by`");
    }
    if (node["scope"]) {
      std::string scope = scalar(node["scope"], "`scope`");
      if (scope == "persistent") {
        step.scope = Scope::persistent;
      } else if (scope != "system") {
        error(node["scope"], "`scope` is `system` or `persistent`, not `" + scope + "`" +
                                 did_you_mean(scope, {"system", "persistent"}));
      }
    }
  }

  // A stage name, or a list of them.
  std::vector<std::string> name_list(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) return {node.Scalar()};
    std::vector<std::string> names;
    if (!node.IsSequence()) {
      error(node, what + " must be a stage name or a list of them");
      return names;
    }
    for (const auto& name : node) names.push_back(scalar(name, what));
    return names;
  }

  // `needed_by` names stages of the recipe other than the step's own.
  void check_needed_by(const Recipe& recipe, const std::vector<std::string>& stage_names) {
    for (const auto& stage : recipe.stages) {
      for (const auto& step : stage.steps) {
        for (const auto& name : step.needed_by) {
          if (name == stage.name) {
            error(step.needed_by_node, "step `" + step.name +
                                           "`: `needed_by` names its own stage; it lists the "
                                           "later stages that the step is needed to build");
          } else if (!recipe.find_stage(name)) {
            error(step.needed_by_node, "step `" + step.name + "`: `needed_by` names `" + name +
                                           "`, which is not a stage" +
                                           did_you_mean(name, stage_names));
          }
        }
      }
    }
  }

  void check_needs(const Recipe& recipe) {
    std::vector<std::string> stage_names;
    for (const auto& stage : recipe.stages) stage_names.push_back(stage.name);
    check_needed_by(recipe, stage_names);
    for (const auto& stage : recipe.stages) {
      for (const auto& need : stage.needs) {
        YAML::Node where = needs_nodes_.count(stage.name) ? needs_nodes_[stage.name] : YAML::Node();
        if (need == stage.name) {
          error(where, "stage `" + stage.name + "` cannot need itself");
        } else if (!recipe.find_stage(need)) {
          error(where, "stage `" + stage.name + "` needs `" + need + "`, which is not a stage" +
                           did_you_mean(need, stage_names));
        }
      }
    }
    if (!diagnostics_.empty()) return;
    std::map<std::string, std::vector<std::string>> needs;
    for (const auto& stage : recipe.stages) needs[stage.name] = stage.needs;
    if (auto cycle = find_cycle(stage_names, needs)) {
      const std::string& at = cycle->path.back();
      error(needs_nodes_.count(at) ? needs_nodes_[at] : YAML::Node(),
            "stages need each other in a cycle: " + cycle->text);
    }
  }

  // Every ${...} must name something that exists; facts and env are not probed here.
  void check_variables(const Recipe& recipe) {
    std::vector<std::string> known;
    for (const auto& [name, value] : recipe.vars) known.push_back(name);
    known.push_back("workdir");
    known.push_back("recipe_dir");
    std::vector<std::string> step_outputs;
    for (const auto& stage : recipe.stages) {
      for (const auto& step : stage.steps) {
        for (const auto& key : find_action_type(step.action_key)->output_names()) {
          step_outputs.push_back("steps." + step.name + "." + key);
        }
      }
    }
    std::vector<std::string> candidates = known;
    candidates.insert(candidates.end(), step_outputs.begin(), step_outputs.end());
    auto is_known = [&](const std::string& name) {
      if (starts_with(name, "steps.")) {
        return std::find(step_outputs.begin(), step_outputs.end(), name) != step_outputs.end();
      }
      if (starts_with(name, "facts.")) return Facts::is_known(name.substr(6));
      if (starts_with(name, "env.")) return name.size() > 4;
      return std::find(known.begin(), known.end(), name) != known.end();
    };
    auto check_text = [&](const std::string& text, const YAML::Node& node,
                          const std::string& context) {
      try {
        for (const auto& name : referenced_variables(text)) {
          if (!is_known(name))
            error(node, context + ": " + unknown_variable_message(name, candidates));
        }
      } catch (const InterpolationError& problem) {
        error(node, context + ": " + problem.what());
      }
    };
    auto check_when = [&](const std::string& text, const YAML::Node& node,
                          const std::string& context) {
      try {
        for (const auto& name : when_variables(text)) {
          if (!is_known(name))
            error(node, context + ", `when`: " + unknown_variable_message(name, candidates));
        }
      } catch (const WhenExpressionError& problem) {
        error(node, context + ": bad `when` expression: " + problem.what());
      }
    };
    for (const auto& [name, value] : recipe.vars) {
      check_text(value, vars_node_[name], "var `" + name + "`");
    }
    check_var_cycles(recipe);
    for (const auto& stage : recipe.stages) {
      if (!stage.when.empty())
        check_when(stage.when, stage.when_node, "stage `" + stage.name + "`");
      if (stage.cache) {
        const YAML::Node paths = stage.cache->node["paths"];
        for (size_t i = 0; i < stage.cache->paths.size(); ++i) {
          check_text(stage.cache->paths[i], paths.IsSequence() ? paths[i] : paths,
                     "stage `" + stage.name + "`, `cache`");
        }
      }
      for (const auto& step : stage.steps) {
        std::string context = "step `" + step_id(stage, step) + "`";
        if (!step.when.empty()) check_when(step.when, step.when_node, context);
        check_text(step.cwd, step.node["cwd"], context);
        for (const auto& [name, value] : step.env)
          check_text(value, step.node["env"][name], context);
        for (size_t i = 0; i < step.creates.size(); ++i) {
          check_text(
              step.creates[i],
              step.node["creates"].IsSequence() ? step.node["creates"][i] : step.node["creates"],
              context);
        }
        check_text(step.check, step.node["check"], context);
        // The action checks its own configuration; strings are checked, not resolved.
        ActionSettings settings;
        settings.validating = true;
        ConfigReader reader(
            file_,
            [&](std::string_view text, const YAML::Node& node) {
              check_text(std::string(text), node, context);
              return std::string(text);
            },
            settings);
        try {
          find_action_type(step.action_key)->parse(step.action_config, reader);
        } catch (const RecipeError& problem) {
          diagnostics_.add(problem);
        }
      }
    }
  }

  // Vars that refer to each other in a circle can never be resolved.
  void check_var_cycles(const Recipe& recipe) {
    std::map<std::string, std::vector<std::string>> uses;
    for (const auto& [name, value] : recipe.vars) {
      try {
        uses[name] = referenced_variables(value);
      } catch (const InterpolationError&) {
      }
    }
    std::vector<std::string> names;
    for (const auto& [name, value] : recipe.vars) names.push_back(name);
    if (auto cycle = find_cycle(names, uses)) {
      error(vars_node_[cycle->path.front()], "vars refer to each other in a cycle: " + cycle->text);
    }
  }

  std::string file_;
  Diagnostics diagnostics_;
  YAML::Node vars_node_;
  std::map<std::string, YAML::Node> needs_nodes_;
};

}  // namespace

Recipe load_recipe_text(const std::string& text, const std::string& file) {
  return RecipeValidator(file).load(text);
}

Recipe load_recipe_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw RecipeError({path.string() + ": error: cannot read the recipe (" +
                       (std::filesystem::exists(path) ? "permission denied" : "no such file") +
                       "); `ssdbuild recipes` lists the built-in ones"});
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_recipe_text(text.str(), path.string());
}

Recipe load_recipe(const std::string& path_or_name) {
  const EmbeddedRecipe* builtin = find_builtin_recipe(path_or_name);
  if (builtin != nullptr && !std::filesystem::exists(path_or_name)) {
    return load_recipe_text(std::string(builtin->text), "builtin:" + builtin->name);
  }
  if (!std::filesystem::exists(path_or_name) && path_or_name.find('/') == std::string::npos &&
      path_or_name.find(".y") == std::string::npos) {
    std::vector<std::string> names;
    for (const auto& recipe : embedded_recipes()) names.push_back(recipe.name);
    throw RecipeError({path_or_name + ": error: no such file and no built-in recipe of that name" +
                       did_you_mean(path_or_name, names) + "; `ssdbuild recipes` lists them"});
  }
  return load_recipe_file(path_or_name);
}

}  // namespace ssdbuild
