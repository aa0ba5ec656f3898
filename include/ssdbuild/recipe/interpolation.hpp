#pragma once
// ${name} substitution in recipe strings. `$${` writes a literal `${`, so shell code can
// still say $${HOME}. Names: a var, facts.NAME, env.NAME, steps.NAME.KEY. A list becomes
// flags with `${name|TEMPLATE}`: TEMPLATE once per word of the value (words split at
// spaces and commas), `%` replaced by the word, joined with spaces; so `${arches|-gencode
// arch=compute_%,code=sm_%}` with arches `61 75` gives two -gencode pairs.
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ssdbuild {

/// A malformed reference or an unknown name; the caller adds the step and location.
class InterpolationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using VariableLookup = std::function<std::string(std::string_view name)>;

/// Replaces every ${name} in `text` with lookup(name).
std::string interpolate(std::string_view text, const VariableLookup& lookup);

/// The names `text` refers to, in order; throws InterpolationError on bad syntax.
std::vector<std::string> referenced_variables(std::string_view text);

}  // namespace ssdbuild
