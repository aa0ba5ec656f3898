#pragma once
// The name a stage's archive is stored under. Two machines may share an archive only when
// it was made by the same steps (the stage's fingerprint chain) on a machine whose built
// files run here: the same OS release, C library, C++ compiler and CUDA.
#include <string>
#include <vector>

#include "ssdbuild/recipe/recipe.hpp"

namespace ssdbuild {

/// The facts (as in ${facts.NAME}) that decide binary compatibility. The GPU architectures
/// built for are not among them: the steps that choose them read them, so they are in the
/// fingerprint chain already, and a fixed list shares one archive across GPUs.
const std::vector<std::string>& cache_key_fact_names();

struct CacheKeyInputs {
  std::string stage;
  std::string fingerprint;         // the stage's last step's fingerprint (the whole chain)
  std::vector<std::string> paths;  // the stage's resolved `cache.paths`
  KeyValueList facts;              // cache_key_fact_names() with their values
};

/// A SHA-256 in hex over all of `inputs`, with a version prefix.
std::string stage_cache_key(const CacheKeyInputs& inputs);

}  // namespace ssdbuild
