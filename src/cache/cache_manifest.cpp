#include "ssdbuild/cache/cache_manifest.hpp"

#include "ssdbuild/util/error.hpp"

namespace ssdbuild {

nlohmann::json CacheManifest::to_json() const {
  nlohmann::json facts_json = nlohmann::json::object();
  for (const auto& [name, value] : facts) facts_json[name] = value;
  nlohmann::json json = {{"format", kFormatVersion},
                         {"key", key},
                         {"recipe", recipe},
                         {"stage", stage},
                         {"fingerprint", fingerprint},
                         {"facts", facts_json},
                         {"paths", paths},
                         {"archive_bytes", archive_bytes},
                         {"content_bytes", content_bytes},
                         {"entries", entries},
                         {"sha256", sha256},
                         {"created_at", created_at},
                         {"pack_seconds", pack_seconds}};
  if (system_packages) {
    json["system_packages"] = *system_packages;
    json["unowned_libraries"] = unowned_libraries;
  }
  if (!uploaded_to.empty()) json["uploaded_to"] = uploaded_to;
  return json;
}

CacheManifest CacheManifest::from_json(const nlohmann::json& json, const std::string& where) {
  if (!json.is_object() || json.value("format", 0) != kFormatVersion) {
    throw Error(where + ": not a stage cache manifest of format " + std::to_string(kFormatVersion) +
                " (`ssdbuild cache prune` removes it)");
  }
  try {
    CacheManifest manifest;
    manifest.key = json.at("key").get<std::string>();
    manifest.recipe = json.value("recipe", "");
    manifest.stage = json.at("stage").get<std::string>();
    manifest.fingerprint = json.value("fingerprint", "");
    nlohmann::json facts = json.value("facts", nlohmann::json::object());
    for (const auto& [name, value] : facts.items()) {
      manifest.facts.emplace_back(name, value.get<std::string>());
    }
    manifest.paths = json.value("paths", std::vector<std::string>{});
    manifest.archive_bytes = json.at("archive_bytes").get<std::uint64_t>();
    manifest.content_bytes = json.value("content_bytes", std::uint64_t{0});
    manifest.entries = json.value("entries", std::uint64_t{0});
    manifest.sha256 = json.at("sha256").get<std::string>();
    manifest.created_at = json.value("created_at", "");
    manifest.pack_seconds = json.value("pack_seconds", 0.0);
    if (json.contains("system_packages")) {
      manifest.system_packages = json.at("system_packages").get<std::vector<std::string>>();
      manifest.unowned_libraries = json.value("unowned_libraries", std::vector<std::string>{});
    }
    manifest.uploaded_to = json.value("uploaded_to", std::vector<std::string>{});
    return manifest;
  } catch (const nlohmann::json::exception& problem) {
    throw Error(where + ": a stage cache manifest with a bad field: " + problem.what() +
                " (`ssdbuild cache prune` removes it)");
  }
}

}  // namespace ssdbuild
