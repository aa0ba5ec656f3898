#pragma once
// `env: {set, prepend, append}`: environment variables for every step after this one, in
// this run and in later ones (they come from the recipe, so a resumed run has them too).
// The step writes the environment as of itself to <state>/env.sh, and `ssdbuild env` prints
// it for a notebook's own Python process (PYTHONPATH for pycaffe, LD_LIBRARY_PATH).
#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class EnvAction : public Action {
 public:
  EnvAction(std::vector<EnvChange> changes, std::vector<EnvChange> preceding,
            std::filesystem::path env_file)
      : changes_(std::move(changes)),
        preceding_(std::move(preceding)),
        env_file_(std::move(env_file)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<EnvChange> env_changes() const override { return changes_; }

 private:
  std::string env_file_content() const;

  std::vector<EnvChange> changes_;
  std::vector<EnvChange> preceding_;
  std::filesystem::path env_file_;
};

class EnvActionType : public ActionType {
 public:
  std::string_view key() const override { return "env"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node& config) const override;
};

/// The changes as `--format` asks: "sh" (export lines), "json" (the resulting values) or
/// "python" (os.environ assignments, and sys.path for PYTHONPATH).
std::string format_environment(const std::vector<EnvChange>& changes, const std::string& format);

}  // namespace ssdbuild
