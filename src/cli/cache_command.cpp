// `ssdbuild cache list | prune [--keep N] | clear | push`: the stage archives in the state
// folder, and uploading them to the shared store.
#include <iostream>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/state/run_lock.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

// The keys the recipe's current plan would restore or pack, to mark them in the list.
std::vector<std::string> current_keys(Session& session, const CacheStore& store) {
  StateStore state(session.layout);
  state.load();
  CacheStores local_only{store, std::nullopt};  // marking the list asks no remote store
  PlanOptions options;
  options.cache_stores = &local_only;
  Plan plan = make_plan(session.recipe, *session.variables, state, session.boot_id, options);
  std::vector<std::string> keys;
  for (const auto& cache : plan.caches) keys.push_back(cache.key);
  return keys;
}

int list_archives(Session& session, const CacheStore& store) {
  std::vector<CacheManifest> manifests = store.list();
  if (manifests.empty()) {
    std::cout << "no stage archives in " << store.folder().string() << "\n";
    return kExitOk;
  }
  std::vector<std::string> current = current_keys(session, store);
  std::cout << fmt::format("{:<16} {:<12} {:>11} {:>11} {:>8}  {:<20}  {}\n", "STAGE", "KEY",
                           "ARCHIVE", "FILES", "ENTRIES", "PACKED", "RECIPE");
  double total = 0;
  for (const auto& manifest : manifests) {
    bool in_use = std::find(current.begin(), current.end(), manifest.key) != current.end();
    std::cout << fmt::format(
        "{:<16} {:<12} {:>11} {:>11} {:>8}  {:<20}  {}{}\n", manifest.stage,
        manifest.key.substr(0, 12), format_bytes(static_cast<double>(manifest.archive_bytes)),
        format_bytes(static_cast<double>(manifest.content_bytes)), manifest.entries,
        manifest.created_at, manifest.recipe, in_use ? " (current)" : "");
    total += static_cast<double>(manifest.archive_bytes);
  }
  std::cout << manifests.size() << " archive(s), " << format_bytes(total) << " in "
            << store.folder().string() << "; (current): the key this recipe's next run uses\n";
  return kExitOk;
}

// Uploads every archive of the state folder that the remote store is not known to hold.
// Unlike a run, a failure here fails the command: uploading is all it is asked to do.
int push_archives(CacheStores& stores, Console& console) {
  if (!stores.remote) {
    throw Error(
        "cache push: no shared store; give one with --cache-url, SSDBUILD_CACHE_URL or "
        "the recipe's var cache_url",
        kExitUsage);
  }
  RemoteCacheStore& remote = *stores.remote;
  int failed = 0, uploaded = 0, there = 0;
  for (const auto& manifest : stores.local.list()) {
    if (stores.uploaded(manifest)) {
      ++there;
      continue;
    }
    std::string name = manifest.stage + " " + manifest.key.substr(0, 12);
    RemoteCacheStore::Upload upload =
        remote.upload(manifest, stores.local.archive_path(manifest.key), stores.local.folder());
    if (upload.result == RemoteCacheStore::UploadResult::failed) {
      console.warning("cache push: " + name + " not uploaded: " + upload.message);
      ++failed;
      continue;
    }
    stores.local.record_upload(manifest.key, remote.shown_url());
    console.info(upload.result == RemoteCacheStore::UploadResult::uploaded
                     ? "uploaded " + name + " (" +
                           format_bytes(static_cast<double>(manifest.archive_bytes)) + ")"
                     : name + " is there already");
    ++(upload.result == RemoteCacheStore::UploadResult::uploaded ? uploaded : there);
  }
  console.info("cache push: " + std::to_string(uploaded) + " uploaded, " + std::to_string(there) +
               " there already, " + std::to_string(failed) + " failed, to " + remote.shown_url());
  return failed > 0 ? kExitStepFailed : kExitOk;
}

}  // namespace

int cache_command(const CacheArguments& arguments, Console& console) {
  auto session = open_session(arguments.session);
  CacheStore store = CacheStore::in_state_folder(session->layout.folder);
  if (arguments.action == "list") return list_archives(*session, store);
  // Removing under a run that is packing or restoring would pull the archive from under it,
  // and a push rewrites manifests that a run may be rewriting.
  RunLock lock(session->layout.lock_file(), session->boot_id);
  std::string taken_over = lock.acquire();
  if (!taken_over.empty()) console.warning(taken_over);
  if (arguments.action == "push") {
    CacheStores stores =
        open_cache_stores(*session, [&](const std::string& text) { console.warning(text); });
    int exit_code = push_archives(stores, console);
    lock.release();
    return exit_code;
  }
  size_t keep = arguments.action == "clear" ? 0 : arguments.keep;
  std::vector<std::string> removed = store.prune(keep);
  lock.release();
  for (const auto& line : removed) console.info("removed " + line);
  console.info("cache: " + std::to_string(removed.size()) + " file(s) removed from " +
               store.folder().string() +
               (keep > 0 ? " (kept the " + std::to_string(keep) + " newest per stage)" : ""));
  return kExitOk;
}

}  // namespace ssdbuild
