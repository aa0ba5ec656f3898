#pragma once
// Recipes compiled into the binary from recipes/*.yaml (scripts/embed_recipes.cmake).
#include <string>
#include <string_view>
#include <vector>

namespace ssdbuild {

struct EmbeddedRecipe {
  std::string name;  // the file name without .yaml
  std::string_view text;
};

const std::vector<EmbeddedRecipe>& embedded_recipes();
const EmbeddedRecipe* find_builtin_recipe(std::string_view name);

/// The recipe `ssdbuild run` uses when none is named.
constexpr const char* kDefaultRecipe = "ssd-caffe";

}  // namespace ssdbuild
