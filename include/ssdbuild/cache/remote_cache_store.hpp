#pragma once
// The stage cache on an HTTP(S) store shared by many machines: a WebDAV server, Artifactory,
// anything that speaks GET, PUT and HEAD of whole files under a base URL. ssdbuild runs no
// server of its own. Under the base URL:
//
//   <key>.json                       the manifest (cache_manifest.hpp), written last
//   <key>-<sha256, 16 hex>.tar.zst   the archive, named by its content
//
// Because an archive's name carries its hash, a manifest always names bytes that match it,
// even when two machines upload the same key at once (their archives differ in their
// timestamps): each uploads its own archive first, then its manifest, and either manifest
// is whole. The first complete upload wins: a manifest that is there already is not
// replaced. A partial upload has no manifest yet, so it is never used.
//
// Faults never fail a build: each call says what went wrong as data, transient failures
// (5xx, timeouts, resets) are tried again twice, and once the store proves unreachable (or
// refuses the credentials) it is not asked again for the rest of the run, with one warning.
#include <functional>
#include <optional>
#include <string>

#include "ssdbuild/cache/cache_manifest.hpp"
#include "ssdbuild/cache/cache_store.hpp"
#include "ssdbuild/cache/http_transfer.hpp"

namespace ssdbuild {

/// `url` without the `user:password@` of its authority, to show and to record.
std::string url_without_credentials(const std::string& url);

class RemoteCacheStore {
 public:
  using Warn = std::function<void(const std::string&)>;

  /// `url`: the base URL (http or https; a trailing `/` is dropped); `header`: one
  /// "Name: value" line sent with every request, or "". `warn` gets the one warning that
  /// says the store is given up. Throws Error (exit 2) for a URL that is not http(s) or a
  /// header that is not one line with a colon, naming neither's secret.
  RemoteCacheStore(const std::string& url, std::string header, Warn warn);

  /// The base URL without credentials: what messages, the plan and the state show.
  const std::string& shown_url() const { return shown_; }
  /// The archive's file name under the base URL: <key>-<first 16 hex of its SHA-256>.tar.zst.
  static std::string archive_name(const CacheManifest& manifest);
  /// The archive's URL without credentials.
  std::string shown_archive_url(const CacheManifest& manifest) const;
  /// Passes `text` to the `warn` the store was made with.
  void warn(const std::string& text) const {
    if (warn_) warn_(text);
  }
  /// Whether the store was given up in this run (unreachable, or the credentials refused).
  bool given_up() const { return given_up_; }

  /// The manifest of `key` on the store; nullopt when it is absent (404), unreadable, or
  /// the store cannot be asked. `problem` gets why, except for a plain absence.
  std::optional<CacheManifest> find(const std::string& key, std::string* problem = nullptr);

  /// Downloads the archive `manifest` names into `local`'s temporary path, checks its size
  /// and SHA-256 against the manifest, and publishes it in `local` (the state folder keeps
  /// it). Returns "" when done, else why not (naming the URL); nothing is left behind.
  std::string fetch(const CacheManifest& manifest, const CacheStore& local,
                    const SignalWatcher* signals = nullptr);

  enum class UploadResult { uploaded, already_there, failed };
  struct Upload {
    UploadResult result = UploadResult::failed;
    std::string message;  // why it failed, naming the URL
  };
  /// Uploads `archive` and then its manifest, unless the store has a manifest for the key
  /// already (the first complete upload wins). `scratch` is a folder for the manifest's file.
  Upload upload(const CacheManifest& manifest, const std::filesystem::path& archive,
                const std::filesystem::path& scratch, const SignalWatcher* signals = nullptr);

 private:
  HttpResponse send(HttpRequest request, const std::string& shown_url);
  std::string describe(const HttpResponse& response, const std::string& shown_url) const;
  std::string manifest_url(const std::string& key) const { return url_ + "/" + key + ".json"; }

  std::string url_;
  std::string shown_;
  std::string header_;
  Warn warn_;
  bool given_up_ = false;
  std::string given_up_reason_;
};

}  // namespace ssdbuild
