#include "ssdbuild/actions/patch_action.hpp"

#include <algorithm>
#include <filesystem>
#include <regex>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"
#include "ssdbuild/util/unified_diff.hpp"

namespace ssdbuild {
namespace {

// The ops' names in the YAML and on `ssdbuild patch`'s command line, in Kind's order.
const char* const kOpNames[] = {"replace", "regex",       "comment",      "uncomment",
                                "set",     "append_line", "insert_after", "diff"};

bool takes_text(PatchOp::Kind kind) {
  return kind == PatchOp::Kind::replace || kind == PatchOp::Kind::regex ||
         kind == PatchOp::Kind::set || kind == PatchOp::Kind::insert_after;
}

std::string op_label(size_t index, const PatchOp& op) {
  return "op " + std::to_string(index + 1) + " (" + op.describe() + ")";
}

std::string files_label(const std::vector<std::string>& files) {
  if (files.size() == 1) return files.front();
  return std::to_string(files.size()) + " files";
}

std::string expected_text(const PatchOp& op) {
  switch (op.kind) {
    case PatchOp::Kind::insert_after:
      return op.match;
    case PatchOp::Kind::diff: {
      for (const auto& line : split_lines(op.match)) {
        if (line.size() > 1 && (line[0] == ' ' || line[0] == '-') && line.rfind("---", 0) != 0) {
          return line.substr(1);
        }
      }
      return op.match;
    }
    default:
      return op.match;
  }
}

}  // namespace

std::string PatchAction::fingerprint_text() const {
  std::string text = "patch\n";
  for (const auto& pattern : patterns_) text += "file " + pattern + "\n";
  for (const auto& op : ops_) {
    text += std::to_string(static_cast<int>(op.kind)) + "\n" + std::to_string(op.match.size()) +
            ":" + op.match + std::to_string(op.text.size()) + ":" + op.text +
            (op.count ? std::to_string(*op.count) : "-") + "\n";
  }
  return text;
}

PatchPreview PatchAction::preview() const {
  PatchPreview preview;
  for (const auto& pattern : patterns_) {
    auto matched = expand_file_glob(pattern);
    if (matched.empty()) {
      preview.problem = "no file matches " + pattern;
      return preview;
    }
    preview.files.insert(preview.files.end(), matched.begin(), matched.end());
  }
  for (const auto& file : preview.files) preview.texts_before.push_back(read_file(file));
  preview.texts_after = preview.texts_before;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const PatchOp& op = ops_[i];
    PatchOpOutcome outcome;
    bool any_applied = false, any_already = false;
    std::string detail;
    // Applied to a copy first: an op whose count does not hold changes nothing.
    std::vector<std::string> attempt = preview.texts_after;
    for (auto& text : attempt) {
      OpResult result = apply_patch_op(op, text);
      any_applied = any_applied || result.status == OpStatus::applied;
      any_already = any_already || result.status == OpStatus::already_applied;
      outcome.matches += result.matches;
      if (!result.detail.empty()) detail = result.detail;
    }
    std::string where = "patch " + files_label(preview.files) + ": " + op_label(i, op);
    if (any_applied) {
      if (op.count && outcome.matches != *op.count) {
        outcome.problem = where + ": expected " + std::to_string(*op.count) + " match(es), found " +
                          std::to_string(outcome.matches) + "; upstream changed? Fix `count`.";
      } else {
        outcome.status = OpStatus::applied;
        preview.texts_after = std::move(attempt);
      }
    } else if (any_already) {
      outcome.status = OpStatus::already_applied;
    } else {
      outcome.problem = where + ": no match" + (detail.empty() ? "" : " (" + detail + ")");
      std::string closest;
      for (size_t f = 0; f < preview.files.size(); ++f) {
        for (const auto& line : closest_lines(preview.texts_after[f], expected_text(op))) {
          closest += "\n    " + (preview.files.size() > 1 ? preview.files[f] + ":" : "") + line;
        }
      }
      if (!closest.empty()) outcome.problem += "; the closest lines are:" + closest;
    }
    if (!outcome.problem.empty() && preview.problem.empty()) preview.problem = outcome.problem;
    preview.ops.push_back(outcome);
  }
  return preview;
}

std::string PatchAction::apply(const std::function<void(std::string_view)>& say) const {
  PatchPreview result;
  try {
    result = preview();
  } catch (const std::exception& problem) {
    return "patch: " + std::string(problem.what());
  }
  if (!result.problem.empty()) return result.problem + "\nNo file was changed.";
  for (size_t i = 0; i < ops_.size(); ++i) {
    const auto& outcome = result.ops[i];
    say("patch " + files_label(result.files) + ": " + op_label(i, ops_[i]) + ": " +
        (outcome.status == OpStatus::applied
             ? "applied (" + std::to_string(outcome.matches) + " place(s))"
             : "already applied"));
  }
  std::vector<std::pair<std::filesystem::path, std::string>> changed;
  for (size_t f = 0; f < result.files.size(); ++f) {
    if (result.texts_after[f] != result.texts_before[f])
      changed.emplace_back(result.files[f], result.texts_after[f]);
  }
  try {
    rewrite_files_atomically(changed);  // all written before any is replaced
  } catch (const std::exception& problem) {
    return "patch: " + std::string(problem.what()) + "\nNo file was changed.";
  }
  for (const auto& [file, text] : changed) say("patch: wrote " + file.string());
  return "";
}

ActionOutcome PatchAction::execute(const StepContext& context) const {
  std::string problem = apply([&](std::string_view line) { context.say(line); });
  return problem.empty() ? ActionOutcome::succeeded() : ActionOutcome::failed(problem);
}

std::vector<std::string> PatchAction::plan_notes() const {
  PatchPreview result;
  try {
    result = preview();
  } catch (const std::exception& problem) {
    return {"patch: " + std::string(problem.what())};
  }
  if (result.ops.empty()) return {"patch: " + result.problem + " (yet)"};
  std::vector<std::string> notes;
  for (size_t i = 0; i < ops_.size(); ++i) {
    const auto& outcome = result.ops[i];
    std::string status = outcome.status == OpStatus::applied           ? "will apply"
                         : outcome.status == OpStatus::already_applied ? "already applied"
                                                                       : "conflict";
    notes.push_back(op_label(i, ops_[i]) + ": " + status);
  }
  if (!result.problem.empty()) return notes;
  // The exact change, where the files are there to compare.
  for (size_t f = 0; f < result.files.size(); ++f) {
    std::string label = std::filesystem::path(result.files[f]).relative_path().string();
    for (auto& line :
         split_lines(unified_diff(result.texts_before[f], result.texts_after[f], label))) {
      notes.push_back(std::move(line));
    }
  }
  return notes;
}

std::string PatchAction::effect_missing() const {
  try {
    PatchPreview result = preview();
    for (size_t i = 0; i < result.ops.size(); ++i) {
      if (result.ops[i].status != OpStatus::already_applied) {
        return "patch op " + std::to_string(i + 1) + " is no longer applied";
      }
    }
    return result.ops.empty() ? result.problem : "";
  } catch (const std::exception& problem) {
    return problem.what();
  }
}

std::string PatchAction::shell_commands() const {
  std::string text = "\"$ssdbuild\" patch";
  for (const auto& pattern : patterns_) text += " --file " + shell_quote(pattern);
  text += " --";
  // One op per line; a single op on the command's own line.
  for (const auto& op : ops_) {
    text += (ops_.size() == 1 ? " " : " \\\n  ") + shell_words(patch_op_arguments(op));
  }
  return text + "\n";
}

std::unique_ptr<Action> PatchActionType::parse(const YAML::Node& config,
                                               const ConfigReader& reader) const {
  reader.expect_map(config, "`patch`", {"file", "files", "ops"}, {"ops"});
  std::vector<std::string> patterns;
  if (config["file"] && config["files"])
    reader.fail(config, "`patch` takes `file` or `files`, not both");
  if (config["file"]) patterns.push_back(reader.path(config["file"], "`file`").string());
  if (config["files"]) {
    for (const auto& pattern : reader.strings(config["files"], "`files`")) {
      patterns.push_back((reader.settings().cwd / pattern).lexically_normal().string());
    }
  }
  if (patterns.empty()) reader.fail(config, "`patch` needs `file` or `files`");
  const YAML::Node ops_node = config["ops"];
  if (!ops_node.IsSequence() || ops_node.size() == 0) {
    reader.fail(ops_node,
                "`ops` must be a list of edits (replace, regex, comment, uncomment, "
                "set, append_line, insert_after, diff)");
  }
  const std::vector<std::string> kinds(std::begin(kOpNames), std::end(kOpNames));
  std::vector<PatchOp> ops;
  for (const auto& node : ops_node) {
    if (!node.IsMap() || node.size() != 1) {
      reader.fail(node,
                  "each op is a map with one key: replace, regex, comment, uncomment, "
                  "set, append_line, insert_after or diff");
    }
    const auto entry = *node.begin();
    std::string kind = entry.first.Scalar();
    const YAML::Node value = entry.second;
    PatchOp op{};
    auto count = [&]() -> std::optional<int> {
      if (!value["count"]) return std::nullopt;
      long long number = reader.integer(value["count"], "`count`");
      if (number < 1) reader.fail(value["count"], "`count` must be 1 or more");
      return static_cast<int>(number);
    };
    if (kind == "replace") {
      reader.expect_map(value, "`replace`", {"old", "new", "count"}, {"old", "new"});
      op = {PatchOp::Kind::replace, reader.string(value["old"], "`old`"),
            reader.string(value["new"], "`new`"), count()};
      if (op.match.empty()) reader.fail(value["old"], "`old` must not be empty");
    } else if (kind == "regex") {
      reader.expect_map(value, "`regex`", {"pattern", "replace", "count"}, {"pattern", "replace"});
      op = {PatchOp::Kind::regex, reader.string(value["pattern"], "`pattern`"),
            reader.string(value["replace"], "`replace`"), count()};
      try {
        std::regex check(op.match, std::regex::ECMAScript);
      } catch (const std::regex_error& error) {
        reader.fail(value["pattern"], "invalid regular expression: " + std::string(error.what()));
      }
    } else if (kind == "comment" || kind == "uncomment" || kind == "append_line" ||
               kind == "diff") {
      PatchOp::Kind which = kind == "comment"     ? PatchOp::Kind::comment
                            : kind == "uncomment" ? PatchOp::Kind::uncomment
                            : kind == "diff"      ? PatchOp::Kind::diff
                                                  : PatchOp::Kind::append_line;
      op = {which, reader.string(value, "`" + kind + "`"), "", std::nullopt};
      if (which != PatchOp::Kind::diff && which != PatchOp::Kind::append_line) {
        op.match = std::string(trim(op.match));
      }
      if (trim(op.match).empty()) reader.fail(value, "`" + kind + "` must not be empty");
      if ((which == PatchOp::Kind::comment || which == PatchOp::Kind::uncomment) &&
          op.match.front() == '#') {
        reader.fail(value, "`" + kind + "` takes the line as it reads uncommented, without `#`");
      }
      if (which == PatchOp::Kind::diff && patterns.size() != 1) {
        reader.fail(value, "`diff` applies to one `file`, not to `files`");
      }
    } else if (kind == "set") {
      reader.expect_map(value, "`set`", {"key", "value"}, {"key", "value"});
      op = {PatchOp::Kind::set, reader.string(value["key"], "`key`"),
            reader.string(value["value"], "`value`"), std::nullopt};
    } else if (kind == "insert_after") {
      reader.expect_map(value, "`insert_after`", {"match", "text"}, {"match", "text"});
      op = {PatchOp::Kind::insert_after, reader.string(value["match"], "`match`"),
            reader.string(value["text"], "`text`"), std::nullopt};
    } else {
      reader.fail(entry.first, "unknown patch op `" + kind + "`" + did_you_mean(kind, kinds));
    }
    ops.push_back(std::move(op));
  }
  return std::make_unique<PatchAction>(std::move(patterns), std::move(ops));
}

std::vector<std::string> patch_op_arguments(const PatchOp& op) {
  std::vector<std::string> words = {kOpNames[static_cast<size_t>(op.kind)], op.match};
  if (takes_text(op.kind)) words.push_back(op.text);
  if (op.count) words.insert(words.end(), {"count", std::to_string(*op.count)});
  return words;
}

std::vector<PatchOp> parse_patch_arguments(const std::vector<std::string>& words) {
  std::vector<PatchOp> ops;
  for (size_t at = 0; at < words.size();) {
    auto name = std::find(std::begin(kOpNames), std::end(kOpNames), words[at]);
    if (name == std::end(kOpNames)) {
      std::vector<std::string> names(std::begin(kOpNames), std::end(kOpNames));
      throw Error("patch: unknown op `" + words[at] + "`" + did_you_mean(words[at], names),
                  kExitUsage);
    }
    PatchOp op{static_cast<PatchOp::Kind>(name - std::begin(kOpNames)), "", "", std::nullopt};
    size_t needed = takes_text(op.kind) ? 2 : 1;
    if (at + needed >= words.size()) {
      throw Error("patch: `" + words[at] + "` needs " + std::to_string(needed) + " argument(s)",
                  kExitUsage);
    }
    op.match = words[at + 1];
    if (needed == 2) op.text = words[at + 2];
    at += needed + 1;
    if (at + 1 < words.size() && words[at] == "count") {
      op.count = std::stoi(words[at + 1]);
      at += 2;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

std::string PatchActionType::derive_name(const YAML::Node& config) const {
  return name_from_path("patch", config, "file");
}

}  // namespace ssdbuild
