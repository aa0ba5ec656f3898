#include "ssdbuild/cache/stage_cache.hpp"

#include <glob.h>

#include <spdlog/spdlog.h>

#include "ssdbuild/actions/io_module.hpp"
#include "ssdbuild/cache/system_packages.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// The existing files, folders and links the stage's paths name, globs (glob(3)) expanded.
std::vector<fs::path> existing_paths(const std::vector<std::string>& patterns) {
  std::vector<fs::path> paths;
  for (const auto& pattern : patterns) {
    std::error_code error;
    if (pattern.find_first_of("*?[") == std::string::npos) {
      if (fs::exists(fs::symlink_status(pattern, error))) paths.emplace_back(pattern);
      continue;
    }
    glob_t matches{};
    if (::glob(pattern.c_str(), 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) paths.emplace_back(matches.gl_pathv[i]);
    }
    ::globfree(&matches);
  }
  return paths;
}

CacheOperation failed(std::string message, Clock::time_point started) {
  CacheOperation operation;
  operation.message = std::move(message);
  operation.took = Clock::now() - started;
  return operation;
}

}  // namespace

std::vector<fs::path> restore_roots(const std::vector<std::string>& paths) {
  std::vector<fs::path> roots;
  for (const auto& path : paths) {
    size_t wildcard = path.find_first_of("*?[");
    std::string fixed = wildcard == std::string::npos ? path : path.substr(0, wildcard);
    if (wildcard != std::string::npos) fixed = fixed.substr(0, fixed.rfind('/') + 1);
    roots.push_back(fs::path(fixed).lexically_normal());
  }
  return roots;
}

CacheOperation pack_stage_cache(const PlannedStageCache& cache, const CacheStore& store,
                                const std::string& recipe_name, int threads) {
  auto started = Clock::now();
  std::vector<fs::path> paths = existing_paths(cache.key_inputs.paths);
  if (paths.empty()) return failed("none of its cache paths exists", started);
  std::error_code error;
  fs::create_directories(store.folder(), error);
  if (error)
    return failed("cannot create " + store.folder().string() + ": " + error.message(), started);
  fs::path temporary = store.temporary_archive_path(cache.key);
  try {
    PackedArchive packed = io_module().pack_stage_archive(paths, temporary, threads);
    CacheManifest manifest;
    manifest.key = cache.key;
    manifest.recipe = recipe_name;
    manifest.stage = cache.key_inputs.stage;
    manifest.fingerprint = cache.key_inputs.fingerprint;
    manifest.facts = cache.key_inputs.facts;
    manifest.paths = cache.key_inputs.paths;
    manifest.archive_bytes = packed.archive_bytes;
    manifest.content_bytes = packed.content_bytes;
    manifest.entries = packed.entries;
    manifest.sha256 = packed.sha256;
    SystemPackages system = find_system_packages(paths, [](const std::vector<std::string>& argv) {
      return capture_output(argv, std::chrono::minutes(2));
    });
    if (system.known) {
      manifest.system_packages = system.packages;
      manifest.unowned_libraries = system.unowned;
    } else {
      spdlog::warn("stage cache {}: the system packages it loads are unknown ({})", cache.key,
                   system.problem);
    }
    manifest.created_at = format_utc(std::chrono::system_clock::now());
    manifest.pack_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    store.publish(manifest, temporary);
    CacheOperation operation;
    operation.ok = true;
    operation.bytes = packed.archive_bytes;
    operation.took = Clock::now() - started;
    operation.message =
        format_bytes(static_cast<double>(packed.archive_bytes)) + " (" +
        format_bytes(static_cast<double>(packed.content_bytes)) + " in " +
        std::to_string(packed.entries) + " entries) in " + format_duration(operation.took) +
        (system.known ? ", loading " + std::to_string(system.packages.size()) + " system packages"
                      : "");
    return operation;
  } catch (const std::exception& problem) {
    fs::remove(temporary, error);
    return failed(problem.what(), started);
  }
}

CacheOperation restore_stage_cache(const PlannedStageCache& cache, const CacheStore& store) {
  auto started = Clock::now();
  std::string problem;
  std::optional<CacheManifest> manifest = store.find(cache.key, &problem);
  if (!manifest) {
    store.remove(cache.key);
    return failed(problem.empty() ? "its archive is gone" : problem, started);
  }
  fs::path archive = store.archive_path(cache.key);
  if (std::string wrong = store.archive_problem(*manifest); !wrong.empty()) {
    store.remove(cache.key);
    return failed(wrong + "; removed", started);
  }
  try {
    std::string actual = file_sha256(archive);
    if (actual != manifest->sha256) {
      store.remove(cache.key);
      return failed(archive.string() + " has SHA-256 " + actual + ", its manifest says " +
                        manifest->sha256 + " (corrupt; removed)",
                    started);
    }
    std::uint64_t entries =
        io_module().restore_stage_archive(archive, restore_roots(cache.key_inputs.paths));
    spdlog::debug("stage cache {}: restored {} entries", cache.key, entries);
  } catch (const std::exception& error) {
    // A checksum that matched but an archive that would not restore was made wrong, or
    // refused for safety: either way it is not to be tried again.
    store.remove(cache.key);
    return failed(std::string(error.what()) + " (removed)", started);
  }
  CacheOperation operation;
  operation.ok = true;
  operation.bytes = manifest->archive_bytes;
  operation.took = Clock::now() - started;
  operation.message = format_bytes(static_cast<double>(manifest->archive_bytes)) + ", " +
                      format_duration(operation.took);
  return operation;
}

}  // namespace ssdbuild
