#include "ssdbuild/actions/patch_ops.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>

#include "ssdbuild/exec/process.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

// Lines with their end-of-line kept, so that joining them gives the text back.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, end - start));
    start = end;
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line;
  return text;
}

std::string_view body(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  return line;
}

std::string indentation(std::string_view line) {
  size_t end = line.find_first_not_of(" \t");
  return std::string(line.substr(0, end == std::string_view::npos ? line.size() : end));
}

// The line without its comment marks ("#", "# ", "## "), or nullopt if it is no comment.
std::optional<std::string> uncommented(std::string_view line) {
  std::string_view text = trim(body(line));
  if (text.empty() || text.front() != '#') return std::nullopt;
  while (!text.empty() && text.front() == '#') text.remove_prefix(1);
  return std::string(trim(text));
}

std::string with_newline(std::string text) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

// Appends lines, first ending the text's last line if it has no newline.
void append_text(std::string& text, const std::string& addition) {
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += with_newline(addition);
}

// Positions of `needle` in `text` outside every occurrence of `hidden` (so that a
// replacement whose new text contains the old one is still idempotent).
std::vector<size_t> find_outside(const std::string& text, const std::string& needle,
                                 const std::string& hidden) {
  std::string masked = text;
  if (!hidden.empty()) {
    for (size_t at = masked.find(hidden); at != std::string::npos;
         at = masked.find(hidden, at + hidden.size())) {
      std::fill(masked.begin() + static_cast<long>(at),
                masked.begin() + static_cast<long>(at + hidden.size()), '\0');
    }
  }
  std::vector<size_t> found;
  for (size_t at = masked.find(needle); at != std::string::npos && !needle.empty();
       at = masked.find(needle, at + needle.size())) {
    found.push_back(at);
  }
  return found;
}

OpResult replace_text(const PatchOp& op, std::string& text) {
  auto found = find_outside(text, op.match, op.text);
  if (found.empty()) {
    // With an empty new text (a deletion) the old text being gone is all there is to see.
    bool present = op.text.empty() || text.find(op.text) != std::string::npos;
    return {present ? OpStatus::already_applied : OpStatus::no_match, 0, ""};
  }
  for (auto at = found.rbegin(); at != found.rend(); ++at) {
    text.replace(*at, op.match.size(), op.text);
  }
  return {OpStatus::applied, static_cast<int>(found.size()), ""};
}

OpResult replace_regex(const PatchOp& op, std::string& text) {
  std::regex pattern;
  try {
    pattern = std::regex(op.match, std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    throw std::runtime_error("invalid regular expression `" + op.match + "`: " + error.what());
  }
  auto begin = std::sregex_iterator(text.begin(), text.end(), pattern);
  int matches = static_cast<int>(std::distance(begin, std::sregex_iterator()));
  if (matches == 0) {
    std::string signature = applied_signature(op.text);
    bool present = !signature.empty() && std::regex_search(text, std::regex(signature));
    return {present ? OpStatus::already_applied : OpStatus::no_match, 0, ""};
  }
  text = std::regex_replace(text, pattern, op.text);
  return {OpStatus::applied, matches, ""};
}

OpResult comment_line(const PatchOp& op, std::string& text) {
  auto lines = lines_of(text);
  int matches = 0;
  bool commented = false;
  for (auto& line : lines) {
    if (trim(body(line)) == op.match) {
      std::string indent = indentation(line);
      line = indent + "# " + line.substr(indent.size());
      ++matches;
    } else if (auto inner = uncommented(line); inner && *inner == op.match) {
      commented = true;
    }
  }
  if (matches == 0) return {commented ? OpStatus::already_applied : OpStatus::no_match, 0, ""};
  text = join(lines);
  return {OpStatus::applied, matches, ""};
}

OpResult uncomment_line(const PatchOp& op, std::string& text) {
  auto lines = lines_of(text);
  int matches = 0;
  bool present = false;
  for (auto& line : lines) {
    if (trim(body(line)) == op.match) {
      present = true;
    } else if (auto inner = uncommented(line); inner && *inner == op.match) {
      bool newline = !line.empty() && line.back() == '\n';
      line = indentation(line) + op.match + (newline ? "\n" : "");
      ++matches;
    }
  }
  if (matches == 0) return {present ? OpStatus::already_applied : OpStatus::no_match, 0, ""};
  text = join(lines);
  return {OpStatus::applied, matches, ""};
}

// make-style assignments: KEY := value, KEY = value, KEY ?= value, KEY += value; groups:
// 1 indent, 2 comment mark, 3 key, 4 space before the operator, 5 operator, 6 space after
// it, 7 value.
const std::regex& assignment_pattern() {
  static const std::regex pattern(
      R"(^(\s*)(#\s*)?([A-Za-z_][A-Za-z0-9_.]*)([ \t]*)(:=|\?=|\+=|=)([ \t]*)(.*)$)");
  return pattern;
}

// The key's group: its first word (`OPENCV` for OPENCV_VERSION), where a person would look
// for it.
std::string key_group(const std::string& key) {
  return key.substr(0, key.find('_'));
}

// Where a key that is not in the file goes: after the last active assignment of its group;
// npos when there is none.
size_t group_end(const std::vector<std::string>& lines, const std::string& key) {
  size_t after = std::string::npos;
  std::smatch parts;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line(body(lines[i]));
    if (std::regex_match(line, parts, assignment_pattern()) && !parts[2].matched &&
        key_group(parts[3].str()) == key_group(key)) {
      after = i;
    }
  }
  return after;
}

// A key that is not in the file: after its group, in its neighbour's own form, else at the
// end as `KEY := value`.
OpResult add_key(const PatchOp& op, std::string& text, std::vector<std::string> lines) {
  size_t after = group_end(lines, op.match);
  if (after == std::string::npos) {
    append_text(text, op.match + " := " + op.text);
    return {OpStatus::applied, 1, ""};
  }
  std::smatch parts;
  std::string neighbour(body(lines[after]));
  std::regex_match(neighbour, parts, assignment_pattern());
  if (lines[after].back() != '\n') lines[after] += '\n';
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(after) + 1,
               parts[1].str() + op.match + parts[4].str() + parts[5].str() + parts[6].str() +
                   op.text + "\n");
  text = join(lines);
  return {OpStatus::applied, 1, ""};
}

// Sets a key in place, keeping the line's own form (`GPU=0` becomes `GPU=1`); a commented
// assignment is uncommented; a missing key goes beside its group (add_key).
OpResult set_key(const PatchOp& op, std::string& text) {
  auto lines = lines_of(text);
  std::optional<size_t> active, commented;
  std::smatch parts;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line(body(lines[i]));
    if (!std::regex_match(line, parts, assignment_pattern()) || parts[3].str() != op.match)
      continue;
    if (!parts[2].matched && !active) active = i;
    if (parts[2].matched && !commented) commented = i;
  }
  std::optional<size_t> target = active ? active : commented;
  if (!target) return add_key(op, text, std::move(lines));
  std::string line(body(lines[*target]));
  std::regex_match(line, parts, assignment_pattern());
  if (active && trim(parts[7].str()) == op.text) return {OpStatus::already_applied, 0, ""};
  // An active assignment continued with backslashes (Caffe's CUDA_ARCH) is replaced whole:
  // left behind, its continuation lines would be make syntax errors.
  size_t last = *target;
  while (active && last + 1 < lines.size() && !trim(body(lines[last])).empty() &&
         trim(body(lines[last])).back() == '\\') {
    ++last;
  }
  bool newline = lines[last].back() == '\n';
  // `KEY :=` with no value keeps no space after the operator; give it the one before it.
  std::string space = parts[6].str();
  if (space.empty() && parts[7].str().empty()) space = parts[4].str();
  lines[*target] = parts[1].str() + op.match + parts[4].str() + parts[5].str() + space + op.text +
                   (newline ? "\n" : "");
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(*target) + 1,
              lines.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  text = join(lines);
  return {OpStatus::applied, 1, ""};
}

bool contains_block(const std::string& text, const std::string& block) {
  std::string wanted(trim(block));
  return !wanted.empty() && text.find(wanted) != std::string::npos;
}

OpResult append_line(const PatchOp& op, std::string& text) {
  if (contains_block(text, op.match)) return {OpStatus::already_applied, 0, ""};
  append_text(text, op.match);
  return {OpStatus::applied, 1, ""};
}

OpResult insert_after(const PatchOp& op, std::string& text) {
  if (contains_block(text, op.text)) return {OpStatus::already_applied, 0, ""};
  auto lines = lines_of(text);
  std::string wanted(trim(op.match));
  auto exact = std::find_if(lines.begin(), lines.end(),
                            [&](const std::string& line) { return trim(body(line)) == wanted; });
  auto at = exact != lines.end()
                ? exact
                : std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
                    return line.find(wanted) != std::string::npos;
                  });
  if (at == lines.end()) return {OpStatus::no_match, 0, ""};
  if (at->empty() || at->back() != '\n') *at += '\n';
  lines.insert(at + 1, with_newline(op.text));
  text = join(lines);
  return {OpStatus::applied, 1, ""};
}

// GNU patch does what a unified diff means (offsets, context checks) better than anything
// written here; it runs on a temporary copy of the in-memory text.
OpResult apply_diff(const PatchOp& op, std::string& text) {
  char folder_template[] = "/tmp/ssdbuild-patch-XXXXXX";
  if (::mkdtemp(folder_template) == nullptr) throw std::runtime_error("cannot make a temp folder");
  std::filesystem::path folder = folder_template;
  write_file_atomically(folder / "in", text);
  write_file_atomically(folder / "diff", op.match);
  auto patch = [&](std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(),
                     {"patch", "--batch", "--silent", "-i", (folder / "diff").string()});
    return capture_output(arguments);
  };
  OpResult result;
  auto reverse = patch({"--reverse", "--dry-run", "--force", (folder / "in").string()});
  if (reverse.started && reverse.exit_code == 0) {
    result.status = OpStatus::already_applied;
  } else {
    auto forward = patch({"--forward", "-o", (folder / "out").string(), (folder / "in").string()});
    if (!forward.started) {
      result.detail = "GNU patch is not installed (apt-get install patch)";
    } else if (forward.exit_code == 0) {
      text = read_file(folder / "out");
      result = {OpStatus::applied, 1, ""};
    } else {
      result.detail = "patch(1) says: " + std::string(trim(forward.output));
    }
  }
  std::error_code error;
  std::filesystem::remove_all(folder, error);
  return result;
}

}  // namespace

std::string PatchOp::describe() const {
  auto shorten = [](const std::string& value) {
    std::string line(trim(value.substr(0, value.find('\n'))));
    if (line.size() > 60) line = line.substr(0, 57) + "...";
    return "`" + line + "`";
  };
  switch (kind) {
    case Kind::replace:
      return "replace " + shorten(match) + " with " + shorten(text);
    case Kind::regex:
      return "regex " + shorten(match) + " -> " + shorten(text);
    case Kind::comment:
      return "comment " + shorten(match);
    case Kind::uncomment:
      return "uncomment " + shorten(match);
    case Kind::set:
      return "set " + match + " := " + text;
    case Kind::append_line:
      return "append_line " + shorten(match);
    case Kind::insert_after:
      return "insert_after " + shorten(match) + ": " + shorten(text);
    case Kind::diff:
      return "diff " + shorten(match);
  }
  return "";
}

OpResult apply_patch_op(const PatchOp& op, std::string& text) {
  switch (op.kind) {
    case PatchOp::Kind::replace:
      return replace_text(op, text);
    case PatchOp::Kind::regex:
      return replace_regex(op, text);
    case PatchOp::Kind::comment:
      return comment_line(op, text);
    case PatchOp::Kind::uncomment:
      return uncomment_line(op, text);
    case PatchOp::Kind::set:
      return set_key(op, text);
    case PatchOp::Kind::append_line:
      return append_line(op, text);
    case PatchOp::Kind::insert_after:
      return insert_after(op, text);
    case PatchOp::Kind::diff:
      return apply_diff(op, text);
  }
  return {};
}

std::vector<std::string> closest_lines(const std::string& text, const std::string& wanted,
                                       size_t limit) {
  std::string needle(trim(wanted.substr(0, wanted.find('\n'))));
  std::vector<std::pair<size_t, size_t>> scored;  // distance, line index
  auto lines = lines_of(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string line(trim(body(lines[i])));
    if (line.empty()) continue;
    // Lines far longer than the needle are compared on a window of its size.
    std::string window =
        line.size() > needle.size() * 2 + 8 ? line.substr(0, needle.size() * 2 + 8) : line;
    scored.emplace_back(edit_distance(needle, window), i);
  }
  std::stable_sort(scored.begin(), scored.end());
  std::vector<std::string> result;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) {
    size_t index = scored[i].second;
    result.push_back(std::to_string(index + 1) + ": " + std::string(body(lines[index])));
  }
  return result;
}

std::string applied_signature(const std::string& replacement) {
  static const std::string special = R"(\^$.|?*+()[]{}-/)";
  std::string signature;
  bool literal = false;
  for (size_t i = 0; i < replacement.size(); ++i) {
    char c = replacement[i];
    if (c == '$' && i + 1 < replacement.size()) {
      char next = replacement[i + 1];
      if (next == '$') {
        signature += "\\$";
        literal = true;
        ++i;
        continue;
      }
      if (next == '&' || std::isdigit(static_cast<unsigned char>(next))) {
        ++i;
        while (i + 1 < replacement.size() &&
               std::isdigit(static_cast<unsigned char>(replacement[i + 1])))
          ++i;
        signature += ".*?";
        continue;
      }
    }
    if (special.find(c) != std::string::npos) signature += '\\';
    signature += c;
    literal = true;
  }
  return literal ? signature : "";
}

}  // namespace ssdbuild
