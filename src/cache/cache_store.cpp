#include "ssdbuild/cache/cache_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

constexpr const char* kArchiveSuffix = ".tar.zst";
constexpr const char* kManifestSuffix = ".json";
constexpr const char* kTemporaryMark = ".tmp-";

std::optional<CacheManifest> read_manifest(const fs::path& path, std::string* problem) {
  try {
    return CacheManifest::from_json(nlohmann::json::parse(read_file(path)), path.string());
  } catch (const nlohmann::json::exception& error) {
    if (problem) *problem = path.string() + ": not valid JSON: " + error.what();
  } catch (const Error& error) {
    if (problem) *problem = error.what();
  }
  return std::nullopt;
}

}  // namespace

fs::path CacheStore::archive_path(const std::string& key) const {
  return folder_ / (key + kArchiveSuffix);
}

fs::path CacheStore::manifest_path(const std::string& key) const {
  return folder_ / (key + kManifestSuffix);
}

fs::path CacheStore::temporary_archive_path(const std::string& key) const {
  return folder_ / (key + kArchiveSuffix + kTemporaryMark + std::to_string(::getpid()));
}

std::optional<CacheManifest> CacheStore::find(const std::string& key, std::string* problem) const {
  std::error_code error;
  if (!fs::exists(manifest_path(key), error)) return std::nullopt;
  std::string why;
  auto manifest = read_manifest(manifest_path(key), &why);
  if (manifest && manifest->key != key) {
    why = manifest_path(key).string() + " names another key";
    manifest.reset();
  }
  if (manifest && !fs::exists(archive_path(key), error)) {
    why = archive_path(key).string() + " is missing";
    manifest.reset();
  }
  if (!manifest) {
    spdlog::debug("stage cache {}: {}", key, why);
    if (problem) *problem = why;
  }
  return manifest;
}

std::string CacheStore::archive_problem(const CacheManifest& manifest) const {
  std::error_code error;
  auto size = fs::file_size(archive_path(manifest.key), error);
  if (error) return archive_path(manifest.key).string() + ": " + error.message();
  if (size != manifest.archive_bytes) {
    return archive_path(manifest.key).string() + " has " + std::to_string(size) +
           " bytes, its manifest says " + std::to_string(manifest.archive_bytes) + " (truncated?)";
  }
  return "";
}

void CacheStore::publish(const CacheManifest& manifest, const fs::path& temporary_archive) const {
  std::error_code error;
  fs::rename(temporary_archive, archive_path(manifest.key), error);
  if (error) {
    throw Error("cannot move " + temporary_archive.string() + " to " +
                archive_path(manifest.key).string() + ": " + error.message());
  }
  write_file_atomically(manifest_path(manifest.key), manifest.to_json().dump(2) + "\n");
}

void CacheStore::record_upload(const std::string& key, const std::string& url) const {
  std::string why;
  std::optional<CacheManifest> manifest = read_manifest(manifest_path(key), &why);
  if (!manifest) throw Error(why);
  auto& urls = manifest->uploaded_to;
  if (std::find(urls.begin(), urls.end(), url) != urls.end()) return;
  urls.push_back(url);
  write_file_atomically(manifest_path(key), manifest->to_json().dump(2) + "\n");
}

void CacheStore::remove(const std::string& key) const {
  std::error_code error;
  fs::remove(manifest_path(key), error);
  fs::remove(archive_path(key), error);
}

std::vector<CacheManifest> CacheStore::list() const {
  std::vector<CacheManifest> manifests;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder_, error)) {
    std::string name = entry.path().filename().string();
    if (!ends_with(name, kManifestSuffix)) continue;
    std::string key = name.substr(0, name.size() - std::string(kManifestSuffix).size());
    if (auto manifest = find(key)) manifests.push_back(std::move(*manifest));
  }
  std::sort(manifests.begin(), manifests.end(),
            [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
  return manifests;
}

std::vector<std::string> CacheStore::prune(size_t keep) const {
  std::vector<std::string> removed;
  std::map<std::pair<std::string, std::string>, size_t> kept;  // (recipe, stage) -> count
  std::vector<std::string> listed;
  for (const auto& manifest : list()) {
    listed.push_back(manifest.key);
    if (++kept[{manifest.recipe, manifest.stage}] <= keep) continue;
    remove(manifest.key);
    removed.push_back(manifest.stage + " " + manifest.key.substr(0, 12) + " (" +
                      format_bytes(static_cast<double>(manifest.archive_bytes)) + ")");
  }
  // What list() did not show: unreadable manifests, archives without one, temporary files.
  std::error_code error;
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(folder_, error)) {
    std::string name = entry.path().filename().string();
    std::string key = name.substr(0, name.find('.'));
    if (std::find(listed.begin(), listed.end(), key) == listed.end()) {
      leftovers.push_back(entry.path());
    }
  }
  for (const auto& path : leftovers) {
    fs::remove(path, error);
    removed.push_back(path.filename().string() + " (incomplete or unreadable)");
  }
  return removed;
}

}  // namespace ssdbuild
