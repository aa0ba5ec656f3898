#pragma once
// `patch: {file | files, ops}`: text edits to configuration files, Makefiles and sources
// (see patch_ops.hpp for each op). All ops of a step are applied in memory and each changed
// file is written once, atomically, keeping its mode and owner; if any op finds neither
// its target nor its result, no file is touched and the error shows the closest lines.
#include <functional>
#include <string_view>
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
  std::vector<std::string> shell_helpers() const override { return {"ssdbuild"}; }
  bool one_helper_call() const override { return true; }
  /// Each op's status, then the unified diff of what it changes where the files exist.
  std::vector<std::string> plan_notes() const override;
  std::string effect_missing() const override;

  /// Applies every op in memory to the files as they are now.
  PatchPreview preview() const;
  /// Applies the ops and writes the changed files (all or none), saying what it does
  /// through `say`; returns "" or what went wrong. A run and `ssdbuild patch` both call it.
  std::string apply(const std::function<void(std::string_view)>& say) const;

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

/// `op` as words of `ssdbuild patch`'s command line: NAME MATCH [TEXT] [count N].
std::vector<std::string> patch_op_arguments(const PatchOp& op);
/// The ops of such words, back; throws Error (exit 2) for words that are not ops.
std::vector<PatchOp> parse_patch_arguments(const std::vector<std::string>& words);

}  // namespace ssdbuild
