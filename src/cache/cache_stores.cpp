#include "ssdbuild/cache/cache_stores.hpp"

#include <algorithm>

namespace ssdbuild {

std::optional<FoundArchive> CacheStores::find(const std::string& key) {
  if (auto manifest = local.find(key))
    return FoundArchive{std::move(*manifest), CacheSource::local};
  if (!remote) return std::nullopt;
  std::string problem;
  if (auto manifest = remote->find(key, &problem)) {
    return FoundArchive{std::move(*manifest), CacheSource::remote};
  }
  // A store given up by this call has said so already.
  if (!problem.empty() && !remote->given_up()) remote->warn("cache: " + problem);
  return std::nullopt;
}

bool CacheStores::uploaded(const CacheManifest& manifest) const {
  if (!remote) return true;
  const auto& urls = manifest.uploaded_to;
  return std::find(urls.begin(), urls.end(), remote->shown_url()) != urls.end();
}

}  // namespace ssdbuild
