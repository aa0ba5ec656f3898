#pragma once
// Recipe errors carry FILE:LINE:COL, like a compiler's, so an editor can jump to them.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ssdbuild/util/error.hpp"

namespace ssdbuild {

/// A place in a recipe file; line and column are 1-based (0 when unknown).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  std::string to_string() const;
};

/// The location of a YAML node (yaml-cpp counts from 0; people count from 1).
SourceLocation location_of(const std::string& file, const YAML::Node& node);

/// "FILE:LINE:COL: error: MESSAGE".
std::string format_diagnostic(const SourceLocation& where, const std::string& message);

/// One or more recipe errors, already formatted; exit code 2.
class RecipeError : public Error {
 public:
  explicit RecipeError(const std::vector<std::string>& diagnostics);
  RecipeError(const SourceLocation& where, const std::string& message);
  const std::vector<std::string>& diagnostics() const { return diagnostics_; }
  /// Where the (first) error is; empty for a list of errors.
  const SourceLocation& location() const { return location_; }

 private:
  std::vector<std::string> diagnostics_;
  SourceLocation location_;
};

/// Collects errors so that validation reports all of them at once.
class Diagnostics {
 public:
  void error(const SourceLocation& where, const std::string& message);
  void add(const RecipeError& error);
  bool empty() const { return messages_.empty(); }
  /// Throws a RecipeError holding every collected message, if there is any.
  void throw_if_any() const;

 private:
  std::vector<std::pair<SourceLocation, std::string>> messages_;
};

}  // namespace ssdbuild
