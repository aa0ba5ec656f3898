#pragma once
// The text edits of the `patch` action, applied to a file's content in memory. Every op
// recognises that it is already applied (the new text there and the old one gone, the line
// already commented, the key already set) instead of failing; pure, so that
// the rules are easy to test. This is the one implementation: a plan runs it through
// `ssdbuild patch` (cli/patch_command.cpp).
#include <optional>
#include <string>
#include <vector>

namespace ssdbuild {

struct PatchOp {
  enum class Kind { replace, regex, comment, uncomment, set, append_line, insert_after, diff };
  Kind kind;
  // What the op looks for: replace: the old text; regex: the pattern; set: the key;
  // insert_after: the line to insert after; comment, uncomment, append_line: the line;
  // diff: the unified diff.
  std::string match;
  // What it puts there: replace: the new text; regex: the replacement; set: the value;
  // insert_after: the lines to insert; unused by the others.
  std::string text;
  std::optional<int> count;  // replace, regex: matches expected over all files

  /// "replace `-isystem` with `-I`", for messages and plan comments.
  std::string describe() const;
};

enum class OpStatus { applied, already_applied, no_match };

struct OpResult {
  OpStatus status = OpStatus::no_match;
  int matches = 0;     // places changed
  std::string detail;  // why there is no match (e.g. patch(1)'s output)
};

/// Applies `op` to `text` (changed only when the op applies). Throws std::runtime_error
/// for an invalid regular expression.
OpResult apply_patch_op(const PatchOp& op, std::string& text);

/// Up to `limit` lines of `text` most like `wanted`, as "LINE: text", for conflict messages.
std::vector<std::string> closest_lines(const std::string& text, const std::string& wanted,
                                       size_t limit = 3);

/// "$1"-style replacement turned into a pattern that finds its result (literal parts kept,
/// references as `.*?`); "" when the replacement is only references.
std::string applied_signature(const std::string& replacement);

}  // namespace ssdbuild
