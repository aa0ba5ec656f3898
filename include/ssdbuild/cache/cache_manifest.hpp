#pragma once
// <key>.json beside <key>.tar.zst: what the archive holds, how big it is, its SHA-256, and
// what made it. It is written after the archive, so a manifest names a complete archive.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ssdbuild/recipe/recipe.hpp"

namespace ssdbuild {

struct CacheManifest {
  static constexpr int kFormatVersion = 1;

  std::string key;
  std::string recipe;
  std::string stage;
  std::string fingerprint;
  KeyValueList facts;              // the key's facts, for `cache list` and for people
  std::vector<std::string> paths;  // the stage's cache paths as resolved when packed
  std::uint64_t archive_bytes = 0;
  std::uint64_t content_bytes = 0;  // the files' sizes, uncompressed
  std::uint64_t entries = 0;
  std::string sha256;  // of the archive file
  std::string created_at;
  double pack_seconds = 0;
  // The system packages the archive's programs load (system_packages.hpp); unset when they
  // could not be found, and then a restore needs the build's whole package list.
  std::optional<std::vector<std::string>> system_packages;
  std::vector<std::string> unowned_libraries;  // loaded, but no package's: checked on restore
  // The remote stores (URLs without credentials) known to hold this archive: uploaded there,
  // or fetched from there. Only in the state folder's copy; `status` shows what is missing.
  std::vector<std::string> uploaded_to;

  nlohmann::json to_json() const;
  /// Throws Error naming `where` for a manifest of another format or with missing fields.
  static CacheManifest from_json(const nlohmann::json& json, const std::string& where);
};

}  // namespace ssdbuild
