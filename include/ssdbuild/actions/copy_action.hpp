#pragma once
// `copy: {from, to, overwrite}`: a file or folder copied into place atomically (a temporary
// copy beside `to`, then a rename). With `overwrite: false` (the default) an existing
// `to` is kept, so a configuration edited after the copy survives a re-run.
// `from: builtin:NAME` copies a file embedded in the binary (`ssdbuild recipes` lists them),
// such as the benchmark harness's source (`ssdbuild show NAME` prints it). A run executes the
// step's .sh, which calls the helper in shell/copy.sh, as the plan does.
#include <filesystem>
#include <optional>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class CopyAction : public Action {
 public:
  CopyAction(std::filesystem::path from, std::filesystem::path to, bool overwrite)
      : from_(std::move(from)), to_(std::move(to)), overwrite_(overwrite) {}
  /// A copy of an embedded file's `text`, named `name` in messages.
  static CopyAction from_builtin(std::string name, std::string_view text, std::filesystem::path to,
                                 bool overwrite);
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;
  std::vector<std::string> shell_helpers() const override { return {"copy.sh"}; }
  bool one_helper_call() const override { return true; }
  std::vector<std::string> created_paths() const override { return {to_.string()}; }

 private:
  std::filesystem::path from_;
  std::filesystem::path to_;
  bool overwrite_;
  std::optional<std::string_view> builtin_text_;  // set: `from` is builtin:NAME
};

class CopyActionType : public ActionType {
 public:
  std::string_view key() const override { return "copy"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node& config) const override;
};

}  // namespace ssdbuild
