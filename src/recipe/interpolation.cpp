#include "ssdbuild/recipe/interpolation.hpp"

#include <cctype>
#include <optional>

namespace ssdbuild {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// Walks `text`, calling on_literal for plain text and on_name for each reference.
template <typename Literal, typename Name>
void scan(std::string_view text, Literal on_literal, Name on_name) {
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      on_literal(std::string_view("${"));
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      size_t next = text.find('$', i + 1);
      if (next == std::string_view::npos) next = text.size();
      on_literal(text.substr(i, next - i));
      i = next;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      throw InterpolationError("unclosed `${` at offset " + std::to_string(i) +
                               " (write `$${` for a literal `${`)");
    }
    std::string_view reference = text.substr(i + 2, close - i - 2);
    std::string_view name = reference.substr(0, reference.find('|'));
    std::optional<std::string_view> each;
    if (name.size() < reference.size()) each = reference.substr(name.size() + 1);
    if (each &&
        (each->find('%') == std::string_view::npos || each->find('$') != std::string_view::npos ||
         each->find('{') != std::string_view::npos)) {
      throw InterpolationError("`${" + std::string(reference) +
                               "}`: after `|` comes a template with `%` for each word, such as "
                               "`${arches|-gencode arch=compute_%,code=sm_%}`, without `$`, `{` "
                               "or `}`");
    }
    bool valid =
        !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (char c : name) valid = valid && is_name_char(c);
    if (!valid) {
      throw InterpolationError("`${" + std::string(name) +
                               "}` is not a variable reference (names are letters, digits, _ . "
                               "-; write `$${` for a literal `${`, as in shell code)");
    }
    on_name(name, each);
    i = close + 1;
  }
}

// `template` once per word of `value` (split at spaces and commas), `%` replaced by the
// word, joined with spaces: one -gencode pair per architecture of a list.
std::string for_each_word(const std::string& value, std::string_view pattern) {
  std::string result;
  size_t start = 0;
  while ((start = value.find_first_not_of(" \t\n,", start)) != std::string::npos) {
    size_t end = value.find_first_of(" \t\n,", start);
    std::string word = value.substr(start, end == std::string::npos ? end : end - start);
    if (!result.empty()) result += ' ';
    for (char c : pattern) {
      if (c == '%') {
        result += word;
      } else {
        result += c;
      }
    }
    start = end;
  }
  return result;
}

}  // namespace

std::string interpolate(std::string_view text, const VariableLookup& lookup) {
  std::string result;
  result.reserve(text.size());
  scan(
      text, [&](std::string_view literal) { result += literal; },
      [&](std::string_view name, std::optional<std::string_view> each) {
        result += each ? for_each_word(lookup(name), *each) : lookup(name);
      });
  return result;
}

std::vector<std::string> referenced_variables(std::string_view text) {
  std::vector<std::string> names;
  scan(
      text, [](std::string_view) {},
      [&](std::string_view name, std::optional<std::string_view>) { names.emplace_back(name); });
  return names;
}

}  // namespace ssdbuild
