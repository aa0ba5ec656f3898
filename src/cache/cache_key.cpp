#include "ssdbuild/cache/cache_key.hpp"

#include "ssdbuild/util/sha256.hpp"

namespace ssdbuild {

const std::vector<std::string>& cache_key_fact_names() {
  static const std::vector<std::string> names = {"os.id", "os.version_id", "glibc.version",
                                                 "gxx.version", "nvcc.version"};
  return names;
}

std::string stage_cache_key(const CacheKeyInputs& inputs) {
  Sha256 hash;
  hash.update_field("ssdbuild-stage-cache-v1");
  hash.update_field(inputs.stage);
  hash.update_field(inputs.fingerprint);
  hash.update_field("paths");
  for (const auto& path : inputs.paths) hash.update_field(path);
  hash.update_field("facts");
  for (const auto& [name, value] : inputs.facts) {
    hash.update_field(name);
    hash.update_field(value);
  }
  return hash.hex_digest();
}

}  // namespace ssdbuild
