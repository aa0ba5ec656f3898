#pragma once
// Resolves ${name}: the recipe's vars (with --set overrides), facts.*, env.*, and the
// built-ins `workdir` and `recipe_dir`. Records which facts and environment variables were read,
// because they belong in the reading step's fingerprint.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ssdbuild/facts/facts.hpp"
#include "ssdbuild/recipe/recipe.hpp"

namespace ssdbuild {

/// "unknown variable `x` (did you mean `y`?); define it under `vars:`, ..." for a name that
/// is neither in `var_names` nor a known fact.
std::string unknown_variable_message(std::string_view name,
                                     const std::vector<std::string>& var_names);

/// The folder of the recipe file (`recipe_dir`), absolute; for a built-in recipe, the
/// start folder.
std::string recipe_folder(const std::string& recipe_file, const std::string& start_folder);

class VariableScope {
 public:
  /// `overrides` are --set values; `start_folder` is the default `workdir`; `recipe_dir`
  /// is recipe_folder(recipe.file, start_folder) unless the recipe's vars define it.
  VariableScope(const Recipe& recipe, KeyValueList overrides, Facts& facts,
                std::string start_folder);

  /// The value of `name`, vars resolved recursively; throws InterpolationError for an
  /// unknown name (with a "did you mean") or a cycle between vars.
  std::string value(std::string_view name);

  /// Interpolates `text` through value().
  std::string interpolate(std::string_view text);

  /// Whether `name` can be resolved; probes nothing.
  bool is_known(std::string_view name) const;

  /// The facts and environment variables read since the last call, as name=value.
  KeyValueList take_reads();

  /// Makes ${steps.STEP.KEY} available to the steps planned after this call.
  void set_step_output(const std::string& step, const std::string& key, const std::string& value);

  /// The names a --set may override.
  std::vector<std::string> var_names() const;

 private:
  KeyValueList vars_;
  Facts& facts_;
  std::vector<std::string> resolving_;
  std::map<std::string, std::string> step_outputs_;  // "steps.STEP.KEY" -> value
  std::set<std::pair<std::string, std::string>> reads_;
};

}  // namespace ssdbuild
