#pragma once
// `when:` conditions: == != < <= > >=, and, or, not, parentheses, over quoted strings,
// bare versions or numbers, and names (vars, facts.*, env.*). Evaluated here, never by a
// shell. Dotted versions compare as versions (12.10 > 12.9).
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ssdbuild/recipe/interpolation.hpp"

namespace ssdbuild {

/// A syntax error or an unknown name in a `when:` expression.
class WhenExpressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Evaluates `expression`; names are resolved through `lookup`.
bool evaluate_when(std::string_view expression, const VariableLookup& lookup);

/// Checks the syntax and returns every name the expression reads (for validation).
std::vector<std::string> when_variables(std::string_view expression);

/// How a value reads as a condition: "", "0", "false", "no", "off" are false.
bool is_truthy(std::string_view value);

}  // namespace ssdbuild
