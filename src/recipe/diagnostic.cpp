#include "ssdbuild/recipe/diagnostic.hpp"

#include <algorithm>

namespace ssdbuild {
namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) {
    if (!text.empty()) text += '\n';
    text += line;
  }
  return text;
}

}  // namespace

std::string SourceLocation::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

SourceLocation location_of(const std::string& file, const YAML::Node& node) {
  if (!node.IsDefined()) return {file, 0, 0};
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

std::string format_diagnostic(const SourceLocation& where, const std::string& message) {
  return where.to_string() + ": error: " + message;
}

RecipeError::RecipeError(const std::vector<std::string>& diagnostics)
    : Error(join_lines(diagnostics), kExitUsage), diagnostics_(diagnostics) {}

RecipeError::RecipeError(const SourceLocation& where, const std::string& message)
    : RecipeError(std::vector<std::string>{format_diagnostic(where, message)}) {
  location_ = where;
}

void Diagnostics::error(const SourceLocation& where, const std::string& message) {
  messages_.emplace_back(where, format_diagnostic(where, message));
}

void Diagnostics::add(const RecipeError& error) {
  for (const auto& text : error.diagnostics()) messages_.emplace_back(error.location(), text);
}

void Diagnostics::throw_if_any() const {
  if (messages_.empty()) return;
  // In file order, as a compiler reports them.
  auto sorted = messages_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.first.line, a.first.column) <
           std::make_pair(b.first.line, b.first.column);
  });
  std::vector<std::string> texts;
  for (const auto& entry : sorted) texts.push_back(entry.second);
  throw RecipeError(texts);
}

}  // namespace ssdbuild
