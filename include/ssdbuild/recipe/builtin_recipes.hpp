#pragma once
// Recipes compiled into the binary from recipes/*.yaml, and the other files of recipes/
// that they use (scripts/embed_recipes.cmake).
#include <string>
#include <string_view>
#include <vector>

namespace ssdbuild {

struct EmbeddedRecipe {
  std::string name;  // a recipe: the file name without .yaml; another file: its file name
  std::string_view text;
};

const std::vector<EmbeddedRecipe>& embedded_recipes();
const EmbeddedRecipe* find_builtin_recipe(std::string_view name);

/// The files recipes copy out as `builtin:NAME` (the benchmark harness's source).
const std::vector<EmbeddedRecipe>& embedded_files();
const EmbeddedRecipe* find_builtin_file(std::string_view name);

/// The prefix of a `copy` source that names an embedded file.
constexpr std::string_view kBuiltinFilePrefix = "builtin:";

/// The recipe `ssdbuild run` uses when none is named.
constexpr const char* kDefaultRecipe = "ssd-caffe";

}  // namespace ssdbuild
