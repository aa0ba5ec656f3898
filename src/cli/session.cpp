#include "ssdbuild/cli/session.hpp"

#include <algorithm>
#include <cstdlib>

extern char** environ;

#include <spdlog/spdlog.h>

#include "ssdbuild/recipe/builtin_recipes.hpp"
#include "ssdbuild/recipe/loader.hpp"
#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

// The work folder that an earlier run recorded in the state folder; "" when there is none,
// or when state.json cannot be read (the command's own load reports that).
std::string recorded_workdir(const StateLayout& layout) {
  StateStore state(layout);
  try {
    state.load();
  } catch (const Error&) {
    return "";
  }
  return state.workdir();
}

// Absolute, without `..` or a trailing slash, as the folder ssdbuild starts in is.
std::string normal_folder(const std::string& folder) {
  std::string text = std::filesystem::absolute(folder).lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

// --cache-url, else $SSDBUILD_CACHE_URL, else the recipe's var `cache_url`: the command line
// before the machine's environment before the recipe, as for the state folder.
std::string resolve_cache_url(const SessionArguments& arguments, VariableScope& variables) {
  if (!arguments.cache_url.empty()) return arguments.cache_url;
  if (auto url = setting_value(EnvironmentSetting::cache_url)) return *url;
  std::vector<std::string> names = variables.var_names();
  if (std::find(names.begin(), names.end(), "cache_url") == names.end()) return "";
  std::string url = variables.value("cache_url");
  variables.take_reads();  // not a step's read
  return url;
}

}  // namespace

CacheStores open_cache_stores(const Session& session, RemoteCacheStore::Warn warn) {
  CacheStores stores{CacheStore::in_state_folder(session.layout.folder), std::nullopt};
  if (!session.cache_url.empty()) {
    stores.remote.emplace(session.cache_url,
                          setting_value(EnvironmentSetting::cache_header).value_or(""),
                          std::move(warn));
  }
  return stores;
}

std::string compiler_cache_url(const CacheStores& stores) {
  return stores.remote ? stores.remote->shown_url() + "/ccache" : "";
}

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

  std::filesystem::path folder;
  auto from_environment = setting_value(EnvironmentSetting::state_dir);
  if (!arguments.state_dir.empty()) {
    folder = arguments.state_dir;
  } else if (from_environment) {
    folder = *from_environment;
  } else if (session->facts.get("drive.mounted") == "true") {
    folder =
        std::filesystem::path(session->facts.get("drive.path")) / "ssdbuild" / session->recipe.name;
  } else {
    folder = std::filesystem::path(".ssdbuild") / session->recipe.name;
  }
  session->layout.folder = std::filesystem::absolute(folder).lexically_normal();
  session->boot_id = session->facts.get("boot_id");

  // The work folder. A notebook's %cd is enough to start ssdbuild somewhere else; with the
  // same state folder, the recorded work folder keeps every step's definition as it was.
  auto set_workdir = std::find_if(overrides.begin(), overrides.end(),
                                  [](const auto& entry) { return entry.first == "workdir"; });
  if (set_workdir != overrides.end() && !set_workdir->second.empty() &&
      set_workdir->second.find("${") == std::string::npos) {
    set_workdir->second = normal_folder(set_workdir->second);  // relative: from the start
  }
  bool recipe_sets_workdir =
      std::any_of(session->recipe.vars.begin(), session->recipe.vars.end(),
                  [](const auto& entry) { return entry.first == "workdir"; });
  std::string recorded = recorded_workdir(session->layout);
  std::error_code error;
  bool recorded_differs = set_workdir == overrides.end() && !recipe_sets_workdir &&
                          !recorded.empty() && recorded != start_folder;
  // A recorded folder that is gone (a VM reset wiped it) holds nothing to resume: the
  // start folder is used, as a move.
  bool recorded_gone = recorded_differs && !std::filesystem::is_directory(recorded, error);
  bool use_recorded = recorded_differs && !recorded_gone;
  session->variables = std::make_unique<VariableScope>(session->recipe, overrides, session->facts,
                                                       use_recorded ? recorded : start_folder);
  try {
    session->workdir = normal_folder(session->variables->value("workdir"));
  } catch (const std::exception&) {
    // A ${...} that cannot be resolved: planning reports it, with the place.
  }
  session->variables->take_reads();
  if (use_recorded) {
    session->workdir_notice = "ssdbuild: work folder " + recorded +
                              " (recorded in the state; started in " + start_folder + ")";
  } else if (!recorded.empty() && !session->workdir.empty() && session->workdir != recorded) {
    std::string cause = set_workdir != overrides.end() ? "--set workdir"
                        : recipe_sets_workdir          ? "the recipe's workdir"
                                                       : "where ssdbuild started";
    session->workdir_notice =
        "ssdbuild: the work folder moves from " + recorded + " (recorded in the state" +
        (recorded_gone ? ", now gone" : "") + ") to " + session->workdir + " (" + cause +
        "): the steps that read the work folder run again there, a fresh build" +
        (recorded_gone ? std::string()
                       : "; " + recorded +
                             " is left as it is (ssdbuild deletes nothing in it: remove what the "
                             "recipe built there by hand, or go back with --set workdir=" +
                             shell_quote(recorded) + ")");
  }
  session->cache_url = resolve_cache_url(arguments, *session->variables);
  if (spdlog::should_log(spdlog::level::debug)) {
    // A bug report made with --verbose carries its own context.
    nlohmann::json facts = session->facts.to_json();
    for (const auto& [name, value] : facts.items()) {
      spdlog::debug("fact {} = {}", name, value.dump());
    }
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      if (starts_with(text, setting_name(EnvironmentSetting::cache_header) + std::string("="))) {
        spdlog::debug("env {}=(set; not shown)", setting_name(EnvironmentSetting::cache_header));
      } else if (starts_with(text,
                             setting_name(EnvironmentSetting::cache_url) + std::string("="))) {
        spdlog::debug("env {}={}", setting_name(EnvironmentSetting::cache_url),
                      url_without_credentials(std::string(text.substr(text.find('=') + 1))));
      } else if (starts_with(text, "SSDBUILD_") || starts_with(text, "COLAB_") ||
                 starts_with(text, "PATH=") || starts_with(text, "CUDA")) {
        spdlog::debug("env {}", text);
      }
    }
  }
  spdlog::debug("recipe {} ({}), state folder {}, boot id {}, work folder {} (recorded: {})",
                session->recipe.name, session->recipe.file, session->layout.folder.string(),
                session->boot_id, session->workdir, recorded.empty() ? "none" : recorded);
  return session;
}

void record_workdir(const Session& session, StateStore& state) {
  if (session.workdir.empty() || state.workdir() == session.workdir) return;
  state.set_workdir(session.workdir);
  state.save();
}

std::string rerun_command(const Session& session) {
  return "ssdbuild run " + shell_quote(session.recipe_argument) + " --state-dir " +
         shell_quote(session.layout.folder.string());
}

}  // namespace ssdbuild
