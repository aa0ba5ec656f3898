#include "ssdbuild/actions/run_action.hpp"

#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

std::string RunAction::fingerprint_text() const {
  return "run\n" + script_;
}

std::string RunAction::shell_commands() const {
  return script_;
}

ActionOutcome RunAction::execute(const StepContext& context) const {
  // The step's .sh is the script itself (with its cd and exports): what ran is exactly
  // what a person can re-run.
  return {context.run_script(), ""};
}

std::unique_ptr<Action> RunActionType::parse(const YAML::Node& config,
                                             const ConfigReader& reader) const {
  std::string script = reader.string(config, "`run`");
  if (trim(script).empty()) reader.fail(config, "`run` needs a script; it is empty");
  return std::make_unique<RunAction>(std::move(script));
}

std::string RunActionType::derive_name(const YAML::Node& config) const {
  if (!config.IsScalar()) return "run";
  for (const auto& line : split_lines(config.Scalar())) {
    std::string_view text = trim(line);
    if (!text.empty() && text.front() != '#') return slug_from_text(text);
  }
  return "run";
}

}  // namespace ssdbuild
