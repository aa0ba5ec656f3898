#pragma once
// What the commands that work on a recipe and its state folder share: the recipe loaded
// and validated, the facts, the variables with --set applied, and the state folder.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ssdbuild/cache/cache_stores.hpp"
#include "ssdbuild/facts/facts.hpp"
#include "ssdbuild/recipe/recipe.hpp"
#include "ssdbuild/recipe/variables.hpp"
#include "ssdbuild/state/state_store.hpp"

namespace ssdbuild {

struct SessionArguments {
  std::string recipe;             // path or built-in name; "" means the default recipe
  std::string state_dir;          // --state-dir
  std::vector<std::string> sets;  // --set name=value
  std::string cache_url;          // --cache-url
};

struct Session {
  Recipe recipe;
  std::string recipe_argument;  // as the user would type it again
  Facts facts;
  std::unique_ptr<VariableScope> variables;
  StateLayout layout;
  std::string boot_id;
  std::string workdir;         // ${workdir}, absolute; "" when it cannot be resolved
  std::string workdir_notice;  // one line when it is not where ssdbuild started, or moves
  // The shared stage cache's base URL, credentials and all (never shown: see
  // url_without_credentials): --cache-url, else $SSDBUILD_CACHE_URL, else the recipe's var
  // `cache_url` (which --set overrides). "" when none.
  std::string cache_url;
};

/// Loads the recipe (exit 2 on errors), applies --set (an unknown name is an error), and
/// picks the state folder: --state-dir, $SSDBUILD_STATE_DIR, Google Drive's
/// MyDrive/ssdbuild/<recipe> when mounted, else ./.ssdbuild/<recipe>. `workdir` defaults
/// to the work folder that the state recorded (when it still exists), else to the folder
/// ssdbuild started in; `vars` or --set override both.
std::unique_ptr<Session> open_session(const SessionArguments& arguments);

/// The state folder's stage cache and, when the session has a cache_url, the remote store,
/// with the credentials of $SSDBUILD_CACHE_HEADER. `warn` gets the store's warnings. Throws
/// Error (exit 2) for a URL or header that cannot be used.
CacheStores open_cache_stores(const Session& session, RemoteCacheStore::Warn warn);

/// ccache's remote storage on the shared store, <base URL>/ccache without credentials; ""
/// without a remote store.
std::string compiler_cache_url(const CacheStores& stores);

/// Records the session's work folder in `state` and saves it, when it is not the one
/// recorded: what a run does before its first step.
void record_workdir(const Session& session, StateStore& state);

/// The ssdbuild command that re-runs with the same recipe and state folder.
std::string rerun_command(const Session& session);

}  // namespace ssdbuild
