// Commands that only inform: recipes, show, facts, validate.
#include <iostream>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/actions/env_action.hpp"
#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "ssdbuild/recipe/loader.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

int env_command(const SessionArguments& arguments, const std::string& format) {
  auto session = open_session(arguments);
  // On stderr: stdout is code for a shell or the notebook.
  if (!session->workdir_notice.empty()) std::cerr << session->workdir_notice << "\n";
  StateStore state(session->layout);
  state.load();
  PlanOptions options;
  options.run_checks = false;
  Plan plan = make_plan(session->recipe, *session->variables, state, session->boot_id, options);
  std::cout << format_environment(plan_env_changes(plan), format);
  return kExitOk;
}

int recipes_command() {
  for (const auto& builtin : embedded_recipes()) {
    Recipe recipe = load_recipe_text(std::string(builtin.text), "builtin:" + builtin.name);
    std::string description(trim(recipe.description.substr(0, recipe.description.find('\n'))));
    std::cout << fmt::format("{:<14} {}{}\n", builtin.name, description,
                             builtin.name == kDefaultRecipe ? " (default)" : "");
  }
  std::cout << "\nFiles the recipes copy out (`ssdbuild show NAME` prints one):\n";
  for (const auto& file : embedded_files()) std::cout << "  builtin:" << file.name << "\n";
  return kExitOk;
}

int show_command(const std::string& name) {
  const EmbeddedRecipe* builtin = find_builtin_recipe(name);
  if (builtin == nullptr) builtin = find_builtin_file(name);
  if (builtin == nullptr) {
    std::vector<std::string> names;
    for (const auto& recipe : embedded_recipes()) names.push_back(recipe.name);
    for (const auto& file : embedded_files()) names.push_back(file.name);
    throw Error("no built-in recipe or file `" + name + "`" + did_you_mean(name, names) +
                    "; `ssdbuild recipes` lists them",
                kExitUsage);
  }
  std::cout << builtin->text;
  return kExitOk;
}

int facts_command(bool json) {
  Facts facts;
  nlohmann::json all = facts.to_json();
  if (json) {
    std::cout << all.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& name : Facts::names()) {
    std::cout << fmt::format("{:<24} {}\n", name, all[name].get<std::string>());
  }
  return kExitOk;
}

int validate_command(const std::string& recipe_argument) {
  Recipe recipe = load_recipe(recipe_argument.empty() ? kDefaultRecipe : recipe_argument);
  size_t steps = 0;
  for (const auto& stage : recipe.stages) steps += stage.steps.size();
  std::cout << recipe.file << ": ok: recipe " << recipe.name << ", " << recipe.stages.size()
            << " stage(s), " << steps << " step(s)\n";
  return kExitOk;
}

}  // namespace ssdbuild
