#pragma once
// Where a run looks for a stage's archive: the state folder first, then the remote store
// when a cache_url is set. What comes from the remote store is kept in the state folder too.
#include <optional>
#include <string>

#include "ssdbuild/cache/cache_manifest.hpp"
#include "ssdbuild/cache/cache_store.hpp"
#include "ssdbuild/cache/remote_cache_store.hpp"

namespace ssdbuild {

/// Where an archive is: the state folder, or the remote store (to be downloaded first).
enum class CacheSource { local, remote };

struct FoundArchive {
  CacheManifest manifest;
  CacheSource source = CacheSource::local;
};

struct CacheStores {
  CacheStore local;
  std::optional<RemoteCacheStore> remote;  // none without a cache_url

  /// The archive of `key`: in the state folder, else on the remote store, else nullopt.
  std::optional<FoundArchive> find(const std::string& key);

  /// Whether the remote store is known to hold `manifest`'s archive (it is in its
  /// uploaded_to); true when there is no remote store.
  bool uploaded(const CacheManifest& manifest) const;
};

}  // namespace ssdbuild
