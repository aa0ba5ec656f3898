#include "ssdbuild/cli/session.hpp"

#include <cstdlib>

extern char** environ;

#include <spdlog/spdlog.h>

#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "ssdbuild/recipe/loader.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::unique_ptr<Session> open_session(const SessionArguments& arguments) {
  auto session = std::make_unique<Session>();
  session->recipe_argument = arguments.recipe.empty() ? kDefaultRecipe : arguments.recipe;
  session->recipe = load_recipe(session->recipe_argument);

  KeyValueList overrides;
  for (const auto& assignment : arguments.sets) {
    size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw Error("--set " + assignment + ": write --set NAME=VALUE", kExitUsage);
    }
    overrides.emplace_back(assignment.substr(0, equals), assignment.substr(equals + 1));
  }
  std::string start_folder = std::filesystem::current_path().string();
  session->variables = std::make_unique<VariableScope>(session->recipe, KeyValueList{},
                                                       session->facts, start_folder);
  std::vector<std::string> known = session->variables->var_names();
  for (const auto& [name, value] : overrides) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw Error("--set " + name + ": recipe " + session->recipe.name + " has no var `" + name +
                      "`" + did_you_mean(name, known),
                  kExitUsage);
    }
  }
  session->variables =
      std::make_unique<VariableScope>(session->recipe, overrides, session->facts, start_folder);

  std::filesystem::path folder;
  const char* from_environment = std::getenv("SSDBUILD_STATE_DIR");
  if (!arguments.state_dir.empty()) {
    folder = arguments.state_dir;
  } else if (from_environment != nullptr && *from_environment != '\0') {
    folder = from_environment;
  } else if (session->facts.get("drive.mounted") == "true") {
    folder =
        std::filesystem::path(session->facts.get("drive.path")) / "ssdbuild" / session->recipe.name;
  } else {
    folder = std::filesystem::path(".ssdbuild") / session->recipe.name;
  }
  session->layout.folder = std::filesystem::absolute(folder).lexically_normal();
  session->boot_id = session->facts.get("boot_id");
  if (spdlog::should_log(spdlog::level::debug)) {
    // A bug report made with --verbose carries its own context.
    nlohmann::json facts = session->facts.to_json();
    for (const auto& [name, value] : facts.items()) {
      spdlog::debug("fact {} = {}", name, value.dump());
    }
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (starts_with(*entry, "SSDBUILD_") || starts_with(*entry, "COLAB_") ||
          starts_with(*entry, "PATH=") || starts_with(*entry, "CUDA")) {
        spdlog::debug("env {}", *entry);
      }
    }
  }
  spdlog::debug("recipe {} ({}), state folder {}, boot id {}", session->recipe.name,
                session->recipe.file, session->layout.folder.string(), session->boot_id);
  return session;
}

std::string rerun_command(const Session& session) {
  return "ssdbuild run " + shell_quote(session.recipe_argument) + " --state-dir " +
         shell_quote(session.layout.folder.string());
}

}  // namespace ssdbuild
