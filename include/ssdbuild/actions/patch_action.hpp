#pragma once
// `patch: {file | files, ops}`: text edits to configuration files, Makefiles and sources
// (see patch_ops.hpp for each op). All ops of a step are applied in memory and each changed
// file is written once, atomically, keeping its mode and owner; if any op finds neither
// its target nor its result, no file is touched and the error shows the closest lines.
#include <vector>

#include "ssdbuild/actions/action.hpp"
#include "ssdbuild/actions/patch_ops.hpp"

namespace ssdbuild {

/// How one op fares on the current files, without writing anything.
struct PatchOpOutcome {
  OpStatus status = OpStatus::no_match;
  int matches = 0;
  std::string problem;  // set when the op cannot be applied: what and where
};

struct PatchPreview {
  std::vector<std::string> files;
  std::vector<std::string> texts_before;
  std::vector<std::string> texts_after;
  std::vector<PatchOpOutcome> ops;
  std::string problem;  // the first op's problem, or a file problem
};

class PatchAction : public Action {
 public:
  PatchAction(std::vector<std::string> patterns, std::vector<PatchOp> ops)
      : patterns_(std::move(patterns)), ops_(std::move(ops)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;

  /// Applies every op in memory to the files as they are now.
  PatchPreview preview() const;

 private:
  std::vector<std::string> patterns_;  // absolute paths or globs
  std::vector<PatchOp> ops_;
};

class PatchActionType : public ActionType {
 public:
  std::string_view key() const override { return "patch"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node& config) const override;
};

/// The python3 program (a heredoc for bash) that does what PatchAction does.
std::string patch_python_script(const std::vector<std::string>& patterns,
                                const std::vector<PatchOp>& ops);

}  // namespace ssdbuild
