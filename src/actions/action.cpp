#include "ssdbuild/actions/action.hpp"

#include <cctype>

#include "ssdbuild/actions/apt_action.hpp"
#include "ssdbuild/actions/bench_action.hpp"
#include "ssdbuild/actions/copy_action.hpp"
#include "ssdbuild/actions/env_action.hpp"
#include "ssdbuild/actions/extract_action.hpp"
#include "ssdbuild/actions/fetch_action.hpp"
#include "ssdbuild/actions/git_action.hpp"
#include "ssdbuild/actions/patch_action.hpp"
#include "ssdbuild/actions/run_action.hpp"
#include "ssdbuild/actions/system_actions.hpp"

namespace ssdbuild {
namespace {

const std::vector<const ActionType*>& registry() {
  static const RunActionType run;
  static const CopyActionType copy;
  static const PatchActionType patch;
  static const EnvActionType env;
  static const AlternativesActionType alternatives;
  static const LdconfigActionType ldconfig;
  static const ExtractActionType extract;
  static const GitActionType git;
  static const FetchActionType fetch;
  static const AptActionType apt;
  static const BenchActionType bench;
  static const std::vector<const ActionType*> types = {
      &run, &copy, &patch, &env, &alternatives, &ldconfig, &extract, &git, &fetch, &apt, &bench};
  return types;
}

}  // namespace

ProcessResult StepContext::run_command(const std::vector<std::string>& argv) const {
  ProcessOptions options;
  options.argv = argv;
  options.cwd = cwd;
  options.extra_env = env;
  options.deadline = deadline;
  options.kill_grace = kill_grace;
  return run_process(options, *output, signals);
}

ActionOutcome ActionOutcome::succeeded() {
  ActionOutcome outcome;
  outcome.process.started = true;
  outcome.process.exit_code = 0;
  return outcome;
}

ActionOutcome ActionOutcome::failed(std::string message) {
  ActionOutcome outcome;
  outcome.process.started = true;
  outcome.process.exit_code = 1;
  outcome.message = std::move(message);
  return outcome;
}

ProcessResult StepContext::run_script(const KeyValueList& extra_env) const {
  ProcessOptions options;
  options.argv = {"bash", script_path.string()};
  options.extra_env = extra_env;
  options.cwd = cwd;
  options.deadline = deadline;
  options.kill_grace = kill_grace;
  return run_process(options, *output, signals);
}

const ActionType* find_action_type(std::string_view key) {
  for (const ActionType* type : registry()) {
    if (type->key() == key) return type;
  }
  return nullptr;
}

std::vector<std::string> action_keys() {
  std::vector<std::string> keys;
  for (const ActionType* type : registry()) keys.emplace_back(type->key());
  return keys;
}

std::string name_from_path(std::string_view kind, const YAML::Node& config, const char* key) {
  if (!config.IsMap() || !config[key] || !config[key].IsScalar()) return std::string(kind);
  std::string file = std::filesystem::path(config[key].Scalar()).filename().string();
  return std::string(kind) + "-" + slug_from_text(file, 31 - kind.size());
}

std::string slug_from_text(std::string_view text, size_t max_length) {
  std::string slug;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      if (slug.size() >= max_length) break;
      slug += '-';
    }
    if (slug.size() >= max_length + 8) break;
  }
  while (!slug.empty() && (slug.back() == '-' || slug.back() == '.')) slug.pop_back();
  if (slug.size() > max_length) {
    size_t cut = slug.rfind('-', max_length);
    slug.resize(cut == std::string::npos || cut == 0 ? max_length : cut);
  }
  return slug.empty() ? "step" : slug;
}

}  // namespace ssdbuild
