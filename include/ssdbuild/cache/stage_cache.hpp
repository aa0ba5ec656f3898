#pragma once
// A cached stage in one run: the planner names its key and finds its archive; the
// executor restores it before any step runs, or packs it after the stage succeeds.
// Failures come back as data: a cache that does not work costs a rebuild, never the run.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ssdbuild/cache/cache_key.hpp"
#include "ssdbuild/cache/cache_manifest.hpp"
#include "ssdbuild/cache/cache_store.hpp"
#include "ssdbuild/cache/cache_stores.hpp"
#include "ssdbuild/recipe/recipe.hpp"

namespace ssdbuild {

struct PlannedStageCache {
  const StageDefinition* stage = nullptr;
  CacheKeyInputs key_inputs;  // key_inputs.paths: absolute, may hold globs
  std::string key;
  std::optional<CacheManifest> available;   // in a store when planned
  CacheSource source = CacheSource::local;  // where `available` is
  std::string remote_url;                   // source remote: the archive's URL, without credentials
  bool restore = false;                     // the planner restores it instead of running it
};

struct CacheOperation {
  bool ok = false;
  std::string message;  // what happened, for the console: "12.3 MiB in 1.2s", or why not
  std::uint64_t bytes = 0;
  std::chrono::duration<double> took{0};
};

/// Packs the stage's paths into the store under its key (a temporary file, renamed).
CacheOperation pack_stage_cache(const PlannedStageCache& cache, const CacheStore& store,
                                const std::string& recipe_name, int threads);

/// Verifies the archive's size and SHA-256, then restores it in place. A corrupt or
/// truncated archive is removed from the store.
CacheOperation restore_stage_cache(const PlannedStageCache& cache, const CacheStore& store);

/// The folders a restore may write under: each path up to its first wildcard.
std::vector<std::filesystem::path> restore_roots(const std::vector<std::string>& paths);

}  // namespace ssdbuild
