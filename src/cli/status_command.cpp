// `ssdbuild status [--json]`: each step's checkpoint and what the next run would do.
#include <iostream>

#include <spdlog/fmt/fmt.h>
#include <nlohmann/json.hpp>

#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {
namespace {

std::string ago(const std::string& utc) {
  auto time = parse_utc(utc);
  if (!time) return "-";
  auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *time);
  return format_age(std::max(age, std::chrono::seconds(0)));
}

std::string decision_name(Decision decision) {
  switch (decision) {
    case Decision::run:
      return "run";
    case Decision::restore:
      return "restore";
    default:
      return "skip";
  }
}

std::string source_name(const PlannedStageCache& cache) {
  if (!cache.available) return "build";
  return cache.source == CacheSource::remote ? "remote" : "local";
}

// Per cached stage: what the next run does with it, where the archive comes from, its size,
// and whether the remote store has it.
std::string cache_line(const PlannedStageCache& cache, const CacheStores& stores) {
  std::string line = "cache " + cache.stage->name + ": ";
  std::string size =
      cache.available ? format_bytes(static_cast<double>(cache.available->archive_bytes)) : "";
  std::string upload =
      cache.available && cache.source == CacheSource::local && !stores.uploaded(*cache.available)
          ? "; not uploaded to " + stores.remote->shown_url() +
                " (`ssdbuild cache push` uploads it)"
          : "";
  if (cache.restore && cache.source == CacheSource::remote) {
    return line + "restore from " + cache.remote_url + " (" + size + ")";
  }
  if (cache.restore) return line + "restore (" + size + ")" + upload;
  if (cache.available) return line + "archived (" + size + "), not needed" + upload;
  return line + "no archive for this key yet (" + cache.key.substr(0, 12) +
         "); packed after the stage runs";
}

}  // namespace

int status_command(const SessionArguments& arguments, bool json, Console& console) {
  auto session = open_session(arguments);
  if (!session->workdir_notice.empty()) {
    if (json) {
      std::cerr << session->workdir_notice << "\n";  // stdout stays JSON
    } else {
      console.info(session->workdir_notice);
    }
  }
  StateStore state(session->layout);
  state.load();
  CacheStores stores = open_cache_stores(*session, [&](const std::string& text) {
    if (json) {
      std::cerr << "warning: " << text << "\n";
    } else {
      console.warning(text);
    }
  });
  PlanOptions options;
  options.cache_stores = &stores;
  options.compiler_cache_url = compiler_cache_url(stores);
  Plan plan = make_plan(session->recipe, *session->variables, state, session->boot_id, options);

  std::map<std::string, int> counts;
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : plan.steps) {
    const StepRecord* record = state.find(step.id);
    std::string status = record ? to_string(record->status) : "pending";
    counts[status]++;
    nlohmann::json entry = {
        {"id", step.id},        {"stage", step.stage->name}, {"step", step.definition->name},
        {"status", status},     {"enabled", step.enabled},   {"next", decision_name(step.decision)},
        {"reason", step.reason}};
    if (record) {
      entry["started_at"] = record->started_at;
      entry["ended_at"] = record->ended_at;
      entry["duration_s"] = record->duration_s;
      entry["exit_code"] =
          record->exit_code ? nlohmann::json(*record->exit_code) : nlohmann::json();
      entry["failure"] = record->failure;
      entry["attempts"] = record->attempts;
      entry["log"] = (session->layout.folder / record->log).string();
      entry["details"] = record->details;
    }
    steps.push_back(entry);
  }
  size_t to_run = plan.count(Decision::run);
  size_t to_restore = plan.count(Decision::restore);
  nlohmann::json caches = nlohmann::json::array();
  for (const auto& cache : plan.caches) {
    caches.push_back(
        {{"stage", cache.stage->name},
         {"key", cache.key},
         {"next", cache.restore ? "restore" : (cache.available ? "keep" : "pack")},
         {"archive_bytes",
          cache.available ? nlohmann::json(cache.available->archive_bytes) : nlohmann::json()},
         {"source", source_name(cache)},
         {"url", cache.remote_url.empty() ? nlohmann::json() : nlohmann::json(cache.remote_url)},
         {"uploaded", stores.remote && cache.available
                          ? nlohmann::json(cache.source == CacheSource::remote ||
                                           stores.uploaded(*cache.available))
                          : nlohmann::json()}});
  }
  if (json) {
    nlohmann::json document = {
        {"format", 1},
        {"recipe", session->recipe.name},
        {"recipe_file", session->recipe.file},
        {"state_dir", session->layout.folder.string()},
        {"workdir", session->workdir},
        {"boot_id", session->boot_id},
        {"steps", steps},
        {"caches", caches},
        {"cache_url",
         stores.remote ? nlohmann::json(stores.remote->shown_url()) : nlohmann::json()},
        {"summary",
         {{"steps", plan.steps.size()},
          {"done", counts["done"]},
          {"failed", counts["failed"]},
          {"interrupted", counts["interrupted"]},
          {"running", counts["running"]},
          {"pending", counts["pending"]},
          {"to_run", to_run},
          {"to_restore", to_restore},
          {"to_skip", plan.steps.size() - to_run - to_restore}}}};
    std::cout << document.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "recipe " << session->recipe.name << " (" << session->recipe.file << "), state in "
            << session->layout.folder.string() << "\n";
  size_t width = 10;
  for (const auto& step : plan.steps) width = std::max(width, step.id.size());
  std::cout << fmt::format("{:<{}}  {:<11}  {:>9}  {:>9}  {}\n", "STEP", width, "STATUS", "WHEN",
                           "TOOK", "NEXT RUN");
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    const StepRecord* record = state.find(step.id);
    std::string reason = step.reason;
    if (record && record->details.contains("commit")) {
      reason += " [commit " + record->details["commit"].get<std::string>().substr(0, 12) + "]";
    }
    std::cout << fmt::format(
        "{:<{}}  {:<11}  {:>9}  {:>9}  {}\n", step.id, width, steps[i]["status"].get<std::string>(),
        record ? ago(record->ended_at.empty() ? record->started_at : record->ended_at) : "-",
        record && record->duration_s > 0
            ? format_duration(std::chrono::duration<double>(record->duration_s))
            : "-",
        reason);
  }
  for (const auto& cache : plan.caches) std::cout << cache_line(cache, stores) << "\n";
  std::cout << fmt::format(
      "{} steps: {} done, {} failed, {} interrupted, {} pending; next run: {} "
      "to run, {}{} to skip\n",
      plan.steps.size(), counts["done"], counts["failed"], counts["interrupted"],
      counts["pending"] + counts["running"], to_run,
      to_restore > 0 ? std::to_string(to_restore) + " to restore from cache, " : "",
      plan.steps.size() - to_run - to_restore);
  return kExitOk;
}

}  // namespace ssdbuild
