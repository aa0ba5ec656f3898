#pragma once
// <state>/cache/: the stage archives, one <key>.tar.zst and one <key>.json each. Few large
// files, each written under a temporary name and renamed into place (Google Drive's FUSE
// mount uploads lazily and times out on many small files; it refuses links).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ssdbuild/cache/cache_manifest.hpp"

namespace ssdbuild {

class CacheStore {
 public:
  explicit CacheStore(std::filesystem::path folder) : folder_(std::move(folder)) {}
  /// The stage cache of a state folder: <state>/cache.
  static CacheStore in_state_folder(const std::filesystem::path& state_folder) {
    return CacheStore(state_folder / "cache");
  }

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path archive_path(const std::string& key) const;
  std::filesystem::path manifest_path(const std::string& key) const;
  /// Where a pack writes before publish(): beside the archive, named for this process.
  std::filesystem::path temporary_archive_path(const std::string& key) const;

  /// The manifest of `key` when both it and its archive are there. A manifest that cannot
  /// be read counts as absent (and is logged); `problem` gets why, if given. The archive is
  /// verified when it is restored (archive_problem(), then its SHA-256).
  std::optional<CacheManifest> find(const std::string& key, std::string* problem = nullptr) const;

  /// Why the archive cannot be what `manifest` describes (a size that differs), or "".
  std::string archive_problem(const CacheManifest& manifest) const;

  /// Renames `temporary_archive` to its final name, then writes the manifest atomically:
  /// a manifest always names a whole archive.
  void publish(const CacheManifest& manifest, const std::filesystem::path& temporary_archive) const;

  /// Adds `url` to the manifest's uploaded_to (rewritten atomically). Throws Error when the
  /// manifest cannot be read or written.
  void record_upload(const std::string& key, const std::string& url) const;

  /// Removes the manifest first, then the archive, so that no reader finds one without the
  /// other. Missing files are fine.
  void remove(const std::string& key) const;

  /// Every readable manifest, newest first.
  std::vector<CacheManifest> list() const;

  /// Keeps the `keep` newest archives of each recipe and stage and removes the rest, along
  /// with unreadable manifests and leftover temporary files (call it with the run lock held).
  /// Returns what was removed, as "stage key-prefix (size)" lines.
  std::vector<std::string> prune(size_t keep) const;

 private:
  std::filesystem::path folder_;
};

}  // namespace ssdbuild
