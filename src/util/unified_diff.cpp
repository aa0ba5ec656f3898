#include "ssdbuild/util/unified_diff.hpp"

#include <algorithm>
#include <vector>

#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

// The lines without their newlines; a last line without one is marked as diff marks it.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines = split_lines(text);
  if (!text.empty() && text.back() != '\n') lines.back() += "\n\\ No newline at end of file";
  return lines;
}

struct Edit {
  char kind;  // ' ', '-', '+'
  size_t old_line, new_line;
};

// The longest common subsequence of the lines between the common head and tail; texts the
// size of a Makefile make that table small. Larger changes are shown as removed and added.
std::vector<Edit> edit_script(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) {
  size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  size_t n = a.size() - head - tail, m = b.size() - head - tail;
  std::vector<std::vector<unsigned>> lcs;
  bool small = n * m <= 4'000'000;
  if (small) {
    lcs.assign(n + 1, std::vector<unsigned>(m + 1, 0));
    for (size_t i = n; i-- > 0;) {
      for (size_t j = m; j-- > 0;) {
        lcs[i][j] = a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1
                                               : std::max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
  }
  std::vector<Edit> edits;
  for (size_t i = 0; i < head; ++i) edits.push_back({' ', i, i});
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (small && i < n && j < m && a[head + i] == b[head + j]) {
      edits.push_back({' ', head + i++, head + j++});
    } else if (i < n && (j == m || !small || lcs[i + 1][j] >= lcs[i][j + 1])) {
      edits.push_back({'-', head + i++, head + j});
    } else {
      edits.push_back({'+', head + i, head + j++});
    }
  }
  for (size_t k = 0; k < tail; ++k) {
    edits.push_back({' ', a.size() - tail + k, b.size() - tail + k});
  }
  return edits;
}

std::string range(size_t start, size_t count) {
  // diff -u numbers an empty range by the line before it.
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(const std::string& before, const std::string& after,
                         const std::string& label, size_t context) {
  if (before == after) return "";
  auto a = lines_of(before), b = lines_of(after);
  auto edits = edit_script(a, b);
  std::string out = "--- a/" + label + "\n+++ b/" + label + "\n";
  size_t k = 0;
  while (k < edits.size()) {
    while (k < edits.size() && edits[k].kind == ' ') ++k;
    if (k == edits.size()) break;
    size_t begin = k >= context ? k - context : 0;
    // Extend the hunk while the next change is within 2 * context unchanged lines.
    size_t end = k, unchanged = 0;
    for (size_t at = k; at < edits.size(); ++at) {
      if (edits[at].kind == ' ') {
        if (++unchanged > 2 * context) break;
      } else {
        unchanged = 0;
        end = at + 1;
      }
    }
    end = std::min(edits.size(), end + context);
    size_t old_count = 0, new_count = 0;
    std::string body;
    for (size_t at = begin; at < end; ++at) {
      const Edit& edit = edits[at];
      const std::string& line = edit.kind == '+' ? b[edit.new_line] : a[edit.old_line];
      if (edit.kind != '+') ++old_count;
      if (edit.kind != '-') ++new_count;
      body += edit.kind + line + "\n";
    }
    out += "@@ -" + range(edits[begin].old_line, old_count) + " +" +
           range(edits[begin].new_line, new_count) + " @@\n" + body;
    k = end;
  }
  return out;
}

}  // namespace ssdbuild
