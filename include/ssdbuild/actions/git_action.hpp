#pragma once
// `git: {url, ref, commit, dest, submodules, force}` through libgit2: clone, or fetch into
// an existing clone of the same URL, then check out the resolved commit detached. `commit`
// pins it: the resolved commit must equal it. A `dest` whose tracked files were changed is
// not switched to another commit unless `force: true`, and then the discarded changes are
// listed. A `dest` already at the target commit is left as it is (patches applied after
// the checkout stay), which makes a resumed run instant.
#include <filesystem>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class GitAction : public Action {
 public:
  struct Settings {
    std::string url;
    std::string ref;     // branch, tag or commit; "" with only `commit`
    std::string commit;  // full SHA-1 pin, or ""
    std::filesystem::path dest;
    bool submodules = false;
    bool force = false;
  };
  explicit GitAction(Settings settings) : settings_(std::move(settings)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;
  std::vector<std::string> shell_helpers() const override { return {"git.sh"}; }
  bool one_helper_call() const override { return true; }
  std::vector<std::string> created_paths() const override { return {settings_.dest.string()}; }
  KeyValueList outputs() const override { return {{"path", settings_.dest.string()}}; }

 private:
  Settings settings_;
};

class GitActionType : public ActionType {
 public:
  std::string_view key() const override { return "git"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::vector<std::string> output_names() const override { return {"path"}; }
  std::string derive_name(const YAML::Node& config) const override;
};

}  // namespace ssdbuild
