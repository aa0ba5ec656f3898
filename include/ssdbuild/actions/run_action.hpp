#pragma once
// `run: SCRIPT`: a bash script, run as `bash -euo pipefail` would (the step's .sh starts
// with `set -euo pipefail`).
#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class RunAction : public Action {
 public:
  explicit RunAction(std::string script) : script_(std::move(script)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;

 private:
  std::string script_;
};

class RunActionType : public ActionType {
 public:
  std::string_view key() const override { return "run"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node& config) const override;
};

}  // namespace ssdbuild
