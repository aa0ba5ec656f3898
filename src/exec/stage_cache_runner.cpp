#include "ssdbuild/exec/stage_cache_runner.hpp"

#include <algorithm>
#include <thread>

#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// A `creates` of the step, under the stage's cache paths, that the restore did not bring
// back. One outside them is not the archive's to bring (a source tree the recipe chose not to
// cache): when it is missing, a later run that needs the step again reruns it.
std::string missing_create(const PlannedStep& step, const std::vector<fs::path>& roots) {
  for (const auto& pattern : step.creates) {
    fs::path path = fs::path(pattern).lexically_normal();
    bool cached = std::any_of(roots.begin(), roots.end(),
                              [&](const fs::path& root) { return is_within(path, root); });
    if (cached && !path_or_glob_exists(pattern)) return pattern;
  }
  return "";
}

bool is_last_of_stage(const Plan& plan, size_t index) {
  return index + 1 == plan.steps.size() || plan.steps[index + 1].stage != plan.steps[index].stage;
}

}  // namespace

bool StageCacheRunner::download(const PlannedStageCache& cache) {
  RemoteCacheStore& remote = *stores_.remote;
  std::string url = remote.shown_archive_url(*cache.available);
  console_.info("cache: downloading stage " + cache.stage->name + " from " + url + " (" +
                format_bytes(static_cast<double>(cache.available->archive_bytes)) + ")");
  auto started = std::chrono::steady_clock::now();
  std::string problem = remote.fetch(*cache.available, store_, &signals_);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  events_.append({{"event", "cache_download"},
                  {"stage", cache.stage->name},
                  {"key", cache.key},
                  {"url", url},
                  {"ok", problem.empty()},
                  {"message", problem},
                  {"bytes", cache.available->archive_bytes},
                  {"duration_s", took.count()}});
  if (!problem.empty()) {
    console_.warning("cache: stage " + cache.stage->name + " cannot be downloaded: " + problem +
                     "; it is built here");
  }
  return problem.empty();
}

void StageCacheRunner::restore_all(const Plan& plan) {
  for (const auto& cache : plan.caches) {
    if (!cache.restore || signals_.received() != 0) continue;
    if (cache.source == CacheSource::remote && !download(cache)) continue;
    console_.info("cache: restoring stage " + cache.stage->name + " from " +
                  store_.archive_path(cache.key).string());
    CacheOperation restore = restore_stage_cache(cache, store_);
    events_.append({{"event", "cache_restore"},
                    {"stage", cache.stage->name},
                    {"key", cache.key},
                    {"ok", restore.ok},
                    {"message", restore.message},
                    {"duration_s", restore.took.count()}});
    if (!restore.ok) {
      console_.warning("cache: stage " + cache.stage->name +
                       " cannot be restored: " + restore.message + "; it is built again");
      continue;
    }
    console_.info("cache: stage " + cache.stage->name + " restored (" + restore.message + ")");
    // A library no package owns (a CUDA from NVIDIA's installer) is not reinstalled by
    // anything: say so before a restored program fails to start.
    for (const auto& library : cache.available->unowned_libraries) {
      std::error_code error;
      if (!fs::exists(library, error)) {
        console_.warning("cache: stage " + cache.stage->name + " loads " + library +
                         ", which no package provides and which is not on this machine");
      }
    }
    restored_.emplace(cache.stage, restore);
    roots_[cache.stage] = restore_roots(cache.key_inputs.paths);
  }
}

bool StageCacheRunner::take_restored(const PlannedStep& step, const RunProgress& progress,
                                     size_t index) {
  auto found = restored_.find(step.stage);
  if (found == restored_.end()) return false;
  std::string missing = missing_create(step, roots_[step.stage]);
  bool check_ok = missing.empty() && (step.check.empty() || check_holds(step, &signals_));
  if (!check_ok) {
    console_.warning("cache: " + step.id + " restored, but " +
                     (missing.empty() ? "its check fails" : missing + " is missing") +
                     "; the rest of stage " + step.stage->name + " runs");
    restored_.erase(found);
    return false;
  }
  const CacheOperation& restore = found->second;
  std::string reason = "restored from cache (" + restore.message + ")";
  StepRecord& record = state_.record(step.id);
  start_step_record(record, step, StepStatus::done, boot_id_);
  record.details["restored"] = reason;
  record.ended_at = record.started_at;
  record.duration_s = 0;
  state_.save();
  nlohmann::json event = {{"event", "step_restore"}, {"step", step.id}, {"reason", reason}};
  event.update(progress.event_fields(index));
  events_.append(event);
  console_.step_skipped(progress.label(index), reason);
  return true;
}

bool StageCacheRunner::stage_done(const Plan& plan, const StageDefinition* stage) const {
  for (const auto& step : plan.steps) {
    if (step.stage != stage || !step.enabled) continue;
    const StepRecord* record = state_.find(step.id);
    if (record == nullptr || record->status != StepStatus::done ||
        record->fingerprint != step.fingerprint) {
      return false;
    }
  }
  return true;
}

void StageCacheRunner::after_step(const Plan& plan, size_t index, bool ran) {
  const PlannedStep& step = plan.steps[index];
  if (ran) ran_.insert(step.stage);
  if (!is_last_of_stage(plan, index) || !ran_.count(step.stage)) return;
  const PlannedStageCache* cache = plan.cache_of(step.stage);
  if (cache == nullptr || !stage_done(plan, step.stage) || signals_.received() != 0) return;
  if (store_.find(cache->key)) return;  // another run made it already
  console_.info("cache: packing stage " + step.stage->name + " into " + store_.folder().string());
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CacheOperation pack = pack_stage_cache(*cache, store_, recipe_name_, threads);
  events_.append({{"event", "cache_pack"},
                  {"stage", step.stage->name},
                  {"key", cache->key},
                  {"ok", pack.ok},
                  {"message", pack.message},
                  {"bytes", pack.bytes},
                  {"duration_s", pack.took.count()}});
  if (pack.ok) {
    console_.info("cache: stage " + step.stage->name + " saved: " + pack.message);
    upload(*cache);
  } else {
    console_.warning("cache: stage " + step.stage->name + " could not be saved: " + pack.message +
                     " (the build is fine; after a VM reset this stage runs again)");
  }
}

void StageCacheRunner::upload(const PlannedStageCache& cache) {
  if (!stores_.remote || signals_.received() != 0) return;
  RemoteCacheStore& remote = *stores_.remote;
  std::optional<CacheManifest> manifest = store_.find(cache.key);
  if (!manifest) return;
  if (remote.given_up()) {
    // The store's one warning said why already.
    console_.info("cache: stage " + cache.stage->name + " not uploaded (the store was given up " +
                  "in this run; `ssdbuild cache push` uploads it later)");
    return;
  }
  console_.info("cache: uploading stage " + cache.stage->name + " to " + remote.shown_url());
  auto started = std::chrono::steady_clock::now();
  RemoteCacheStore::Upload upload =
      remote.upload(*manifest, store_.archive_path(cache.key), store_.folder(), &signals_);
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  bool ok = upload.result != RemoteCacheStore::UploadResult::failed;
  events_.append({{"event", "cache_upload"},
                  {"stage", cache.stage->name},
                  {"key", cache.key},
                  {"url", remote.shown_url()},
                  {"ok", ok},
                  {"message", upload.message},
                  {"duration_s", took.count()}});
  if (!ok) {
    console_.warning("cache: stage " + cache.stage->name + " was not uploaded: " + upload.message +
                     " (the build is fine; `ssdbuild cache push` tries again)");
    return;
  }
  try {
    store_.record_upload(cache.key, remote.shown_url());
  } catch (const Error& problem) {
    console_.warning("cache: " + std::string(problem.what()));
  }
  console_.info(upload.result == RemoteCacheStore::UploadResult::uploaded
                    ? "cache: stage " + cache.stage->name + " uploaded in " + format_duration(took)
                    : "cache: stage " + cache.stage->name + " is on " + remote.shown_url() +
                          " already (another machine uploaded it first)");
}

}  // namespace ssdbuild
