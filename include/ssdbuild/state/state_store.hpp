#pragma once
// state.json: one record per step, the checkpoints a resumed run decides from. Every save
// replaces the file atomically, so it is valid at every moment; a corrupt file is reported
// with the way out and never silently reset.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ssdbuild {

enum class StepStatus { pending, running, done, failed, interrupted };

std::string to_string(StepStatus status);
std::optional<StepStatus> parse_step_status(const std::string& text);

struct StepRecord {
  StepStatus status = StepStatus::pending;
  std::string fingerprint;
  std::string boot_id;     // the boot the step last ran in
  std::string scope;       // "system" or "persistent", as it ran
  std::string started_at;  // UTC, format_utc
  std::string ended_at;
  double duration_s = 0;
  std::optional<int> exit_code;
  std::string failure;  // "exit 2", "timeout", "interrupted (SIGINT)"
  int attempts = 0;
  int runner_pid = 0;  // the ssdbuild that ran it, to tell a crash from a live run
  std::string log;     // relative to the state folder
  nlohmann::json details = nlohmann::json::object();  // action-specific (resolved commit...)
};

/// The state folder's file layout; nothing here uses links (Google Drive refuses them).
struct StateLayout {
  std::filesystem::path folder;

  std::filesystem::path state_file() const { return folder / "state.json"; }
  std::filesystem::path lock_file() const { return folder / "lock.json"; }
  std::filesystem::path events_file() const { return folder / "events.jsonl"; }
  /// logs/<stage>/<step>.log for "stage/step".
  std::filesystem::path log_file(const std::string& step_id) const;
  std::filesystem::path script_file(const std::string& step_id) const;
};

class StateStore {
 public:
  static constexpr int kFormatVersion = 1;

  explicit StateStore(StateLayout layout) : layout_(std::move(layout)) {}

  /// Reads state.json; a missing file is an empty state. Throws Error for a corrupt file.
  void load();
  /// Writes state.json atomically.
  void save() const;

  const StepRecord* find(const std::string& step_id) const;
  StepRecord& record(const std::string& step_id) { return records_[step_id]; }
  void erase(const std::string& step_id) { records_.erase(step_id); }
  void clear() { records_.clear(); }
  const std::map<std::string, StepRecord>& records() const { return records_; }

  void set_recipe(const std::string& name) { recipe_ = name; }
  /// The work folder (`${workdir}`, absolute) of the last run; "" before any run recorded
  /// one (files written before the field existed have none).
  const std::string& workdir() const { return workdir_; }
  void set_workdir(const std::string& folder) { workdir_ = folder; }
  /// SHA-256 pins of `sha256: first-use` downloads, by URL; kept by `reset` of a step.
  nlohmann::json& pins() { return pins_; }
  const nlohmann::json& pins() const { return pins_; }
  const StateLayout& layout() const { return layout_; }

  nlohmann::json to_json() const;

 private:
  StateLayout layout_;
  std::string recipe_;
  std::string workdir_;
  std::map<std::string, StepRecord> records_;
  nlohmann::json pins_ = nlohmann::json::object();
};

}  // namespace ssdbuild
