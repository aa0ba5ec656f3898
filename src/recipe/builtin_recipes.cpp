#include "ssdbuild/recipe/builtin_recipes.hpp"

namespace ssdbuild {

const EmbeddedRecipe* find_builtin_recipe(std::string_view name) {
  for (const auto& recipe : embedded_recipes()) {
    if (recipe.name == name) return &recipe;
  }
  return nullptr;
}

const EmbeddedRecipe* find_builtin_file(std::string_view name) {
  for (const auto& file : embedded_files()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

}  // namespace ssdbuild
