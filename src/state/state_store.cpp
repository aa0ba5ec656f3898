#include "ssdbuild/state/state_store.hpp"

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"

#include <stdexcept>

namespace ssdbuild {
namespace {

const char* const kStatusNames[] = {"pending", "running", "done", "failed", "interrupted"};

std::pair<std::string, std::string> split_step_id(const std::string& step_id) {
  size_t slash = step_id.find('/');
  return {step_id.substr(0, slash), slash == std::string::npos ? "" : step_id.substr(slash + 1)};
}

}  // namespace

std::string to_string(StepStatus status) {
  return kStatusNames[static_cast<int>(status)];
}

std::optional<StepStatus> parse_step_status(const std::string& text) {
  for (int i = 0; i < 5; ++i) {
    if (text == kStatusNames[i]) return static_cast<StepStatus>(i);
  }
  return std::nullopt;
}

std::filesystem::path StateLayout::log_file(const std::string& step_id) const {
  auto [stage, step] = split_step_id(step_id);
  return folder / "logs" / stage / (step + ".log");
}

std::filesystem::path StateLayout::script_file(const std::string& step_id) const {
  auto [stage, step] = split_step_id(step_id);
  return folder / "logs" / stage / (step + ".sh");
}

void StateStore::load() {
  records_.clear();
  std::error_code error;
  if (!std::filesystem::exists(layout_.state_file(), error)) return;
  std::string text = read_file(layout_.state_file());
  std::string way_out =
      "; nothing was changed. Look at it, or move it aside (mv " + layout_.state_file().string() +
      " state.json.bad) so that the next run starts from no checkpoints (logs are kept)";
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& problem) {
    throw Error(layout_.state_file().string() + " is corrupt (" + problem.what() + ")" + way_out);
  }
  try {
    int version = document.at("format").get<int>();
    if (version > kFormatVersion) {
      throw Error(layout_.state_file().string() + " was written by a newer ssdbuild (format " +
                  std::to_string(version) + "); upgrade ssdbuild or use another --state-dir");
    }
    recipe_ = document.value("recipe", "");
    workdir_ = document.value("workdir", "");
    pins_ = document.contains("pins") ? document["pins"] : nlohmann::json::object();
    for (const auto& [id, entry] : document.at("steps").items()) {
      StepRecord record;
      auto status = parse_step_status(entry.at("status").get<std::string>());
      if (!status) {
        throw std::runtime_error("step `" + id + "` has an unknown status `" +
                                 entry.at("status").get<std::string>() + "`");
      }
      record.status = *status;
      record.fingerprint = entry.value("fingerprint", "");
      record.boot_id = entry.value("boot_id", "");
      record.scope = entry.value("scope", "");
      record.started_at = entry.value("started_at", "");
      record.ended_at = entry.value("ended_at", "");
      record.duration_s = entry.value("duration_s", 0.0);
      if (entry.contains("exit_code") && entry["exit_code"].is_number_integer()) {
        record.exit_code = entry["exit_code"].get<int>();
      }
      record.failure = entry.value("failure", "");
      record.attempts = entry.value("attempts", 0);
      record.runner_pid = entry.value("runner_pid", 0);
      record.log = entry.value("log", "");
      if (entry.contains("details")) record.details = entry["details"];
      records_[id] = std::move(record);
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& problem) {
    throw Error(layout_.state_file().string() + " is not a valid state file (" + problem.what() +
                ")" + way_out);
  }
}

nlohmann::json StateStore::to_json() const {
  nlohmann::json steps = nlohmann::json::object();
  for (const auto& [id, record] : records_) {
    nlohmann::json entry = {{"status", to_string(record.status)},
                            {"fingerprint", record.fingerprint},
                            {"boot_id", record.boot_id},
                            {"scope", record.scope},
                            {"started_at", record.started_at},
                            {"ended_at", record.ended_at},
                            {"duration_s", record.duration_s},
                            {"failure", record.failure},
                            {"attempts", record.attempts},
                            {"runner_pid", record.runner_pid},
                            {"log", record.log},
                            {"details", record.details}};
    entry["exit_code"] = record.exit_code ? nlohmann::json(*record.exit_code) : nlohmann::json();
    steps[id] = std::move(entry);
  }
  nlohmann::json document = {
      {"format", kFormatVersion}, {"recipe", recipe_}, {"steps", steps}, {"pins", pins_}};
  // A field added within format 1: older files have none, and older ssdbuilds ignore it.
  if (!workdir_.empty()) document["workdir"] = workdir_;
  return document;
}

void StateStore::save() const {
  write_file_atomically(layout_.state_file(), to_json().dump(2) + "\n");
}

const StepRecord* StateStore::find(const std::string& step_id) const {
  auto found = records_.find(step_id);
  return found == records_.end() ? nullptr : &found->second;
}

}  // namespace ssdbuild
