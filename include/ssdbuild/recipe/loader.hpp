#pragma once
// Loading a recipe: YAML parsing and every check that can be made before anything runs
// (unknown keys, types, duplicate names, missing fields, bad `needs`, cycles, unknown
// variables, `when` syntax). All errors are reported together as FILE:LINE:COL.
#include <filesystem>
#include <string>

#include "ssdbuild/recipe/recipe.hpp"

namespace ssdbuild {

/// Parses and validates recipe text; `file` names it in messages. Throws RecipeError.
Recipe load_recipe_text(const std::string& text, const std::string& file);

/// Reads and validates a recipe file. Throws RecipeError (exit 2), also for a missing file.
Recipe load_recipe_file(const std::filesystem::path& path);

/// A path to a file, or the name of a built-in recipe ("ssd-caffe").
Recipe load_recipe(const std::string& path_or_name);

}  // namespace ssdbuild
