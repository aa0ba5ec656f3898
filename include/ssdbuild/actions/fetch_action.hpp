#pragma once
// `fetch: {url | urls, sha256, dest}` through libcurl. The download streams into
// DEST.part while its SHA-256 is computed, resumes a partial .part with a Range request
// (starting over when the server ignores Range), retries transient failures (5xx, timeouts,
// resets) with exponential backoff, then tries the next mirror; it is renamed into place
// only when the checksum holds. By default DEST is a content-addressed file in the state
// folder's downloads/, which survives a VM reset. `${steps.NAME.path}` gives later steps
// the path. `sha256: first-use` pins the first download's hash in the state; `sha256: skip`
// verifies nothing and says so on every run.
#include <filesystem>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class FetchAction : public Action {
 public:
  enum class Verify { sha256, first_use, skip };
  struct Settings {
    std::vector<std::string> urls;
    Verify verify = Verify::sha256;
    std::string sha256;  // known hash, or the pin found in the state for first_use
    std::filesystem::path dest;
  };
  explicit FetchAction(Settings settings) : settings_(std::move(settings)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;
  std::vector<std::string> shell_helpers() const override { return {"fetch.sh"}; }
  bool one_helper_call() const override { return true; }
  std::vector<std::string> created_paths() const override { return {settings_.dest.string()}; }
  KeyValueList outputs() const override { return {{"path", settings_.dest.string()}}; }

 private:
  Settings settings_;
};

class FetchActionType : public ActionType {
 public:
  std::string_view key() const override { return "fetch"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::vector<std::string> output_names() const override { return {"path"}; }
  std::string derive_name(const YAML::Node& config) const override;
};

/// The file name a URL ends with ("boost_1_67_0.tar.bz2"), made safe for a file name.
std::string url_file_name(const std::string& url);

}  // namespace ssdbuild
