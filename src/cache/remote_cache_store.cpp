#include "ssdbuild/cache/remote_cache_store.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "ssdbuild/actions/io_module.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

constexpr int kAttempts = 3;
// Short: a store that fails for longer than a second or two is treated as gone, and the
// stage is built here instead.
constexpr std::chrono::milliseconds kFirstBackoff{250};

bool transient(const HttpResponse& response) {
  if (response.outcome == HttpOutcome::transient) return true;
  long status = response.status;
  return response.outcome == HttpOutcome::answered &&
         (status >= 500 || status == 408 || status == 429);
}

bool refused_credentials(const HttpResponse& response) {
  return response.outcome == HttpOutcome::answered &&
         (response.status == 401 || response.status == 403);
}

// Waits before another try; false when a signal came instead.
bool back_off(int attempt, const SignalWatcher* signals) {
  auto wait = kFirstBackoff * (1 << (attempt - 1));
  if (signals) return signals->sleep_unless_signalled(static_cast<long>(wait.count()));
  std::this_thread::sleep_for(wait);
  return true;
}

const char* method_name(HttpMethod method) {
  switch (method) {
    case HttpMethod::get:
      return "GET";
    case HttpMethod::put:
      return "PUT";
    default:
      return "HEAD";
  }
}

}  // namespace

std::string url_without_credentials(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + url.substr(at + 1);
}

RemoteCacheStore::RemoteCacheStore(const std::string& url, std::string header, Warn warn)
    : url_(url), header_(std::move(header)), warn_(std::move(warn)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  shown_ = url_without_credentials(url_);
  if (!starts_with(url_, "http://") && !starts_with(url_, "https://")) {
    throw Error("cache_url " + shown_ + ": not an http:// or https:// URL", kExitUsage);
  }
  if (!header_.empty() && (header_.find(':') == std::string::npos ||
                           header_.find_first_of("\r\n") != std::string::npos)) {
    throw Error(
        "SSDBUILD_CACHE_HEADER: not one `Name: value` line (for example `Authorization: Bearer "
        "TOKEN`); its value is not shown",
        kExitUsage);
  }
}

std::string RemoteCacheStore::archive_name(const CacheManifest& manifest) {
  return manifest.key + "-" + manifest.sha256.substr(0, 16) + ".tar.zst";
}

std::string RemoteCacheStore::shown_archive_url(const CacheManifest& manifest) const {
  return shown_ + "/" + archive_name(manifest);
}

std::string RemoteCacheStore::describe(const HttpResponse& response,
                                       const std::string& shown_url) const {
  if (response.outcome != HttpOutcome::answered) return shown_url + ": " + response.message;
  std::string text = shown_url + ": HTTP " + std::to_string(response.status);
  if (refused_credentials(response)) {
    text += header_.empty() ? " (the store wants credentials: set SSDBUILD_CACHE_HEADER)"
                            : " (the store refuses the credentials in SSDBUILD_CACHE_HEADER)";
  } else if (response.status == 507 || response.status == 413) {
    text += " (the store is full, or refuses a file this large)";
  }
  return text;
}

HttpResponse RemoteCacheStore::send(HttpRequest request, const std::string& shown_url) {
  if (given_up_) {
    HttpResponse response;
    response.message = "not asked again in this run (given up earlier)";
    return response;
  }
  request.header = header_;
  HttpResponse response;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    response = io_module().http_transfer(request);
    spdlog::debug("remote stage cache: {} {}: {}", method_name(request.method), shown_url,
                  response.outcome == HttpOutcome::answered ? std::to_string(response.status)
                                                            : response.message);
    if (!transient(response) || attempt == kAttempts) break;
    if (!back_off(attempt, request.signals)) break;
  }
  if (transient(response) || refused_credentials(response)) {
    // Asking again would cost every later stage the same wait, or the same refusal.
    given_up_ = true;
    given_up_reason_ = describe(response, shown_url);
    if (warn_) {
      warn_("cache: the remote store " + shown_ + " is given up for this run: " + given_up_reason_ +
            "; stages build here instead");
    }
  }
  return response;
}

std::optional<CacheManifest> RemoteCacheStore::find(const std::string& key, std::string* problem) {
  // mkstemp: a name nobody else can have made first (a link in a shared /tmp).
  std::string name = (fs::temp_directory_path() / "ssdbuild-manifest-XXXXXX").string();
  int fd = ::mkstemp(name.data());
  if (fd < 0) {
    if (problem) *problem = errno_message("cannot make a temporary file " + name, errno);
    return std::nullopt;
  }
  ::close(fd);
  fs::path body = name;
  HttpRequest request;
  request.method = HttpMethod::get;
  request.url = manifest_url(key);
  request.file = body;
  std::string shown = shown_ + "/" + key + ".json";
  HttpResponse response = send(request, shown);
  std::error_code error;
  std::string text = response.ok() ? read_file(body) : "";
  fs::remove(body, error);
  if (!response.ok()) {
    bool absent = response.outcome == HttpOutcome::answered && response.status == 404;
    if (!absent && problem) *problem = describe(response, shown);
    return std::nullopt;
  }
  try {
    CacheManifest manifest = CacheManifest::from_json(nlohmann::json::parse(text), shown);
    if (manifest.key != key) throw Error(shown + " names another key");
    manifest.uploaded_to.clear();  // a record of this machine's, not the store's
    return manifest;
  } catch (const std::exception& wrong) {
    if (problem) *problem = wrong.what();
    return std::nullopt;
  }
}

std::string RemoteCacheStore::fetch(const CacheManifest& manifest, const CacheStore& local,
                                    const SignalWatcher* signals) {
  std::error_code error;
  fs::create_directories(local.folder(), error);
  if (error) return "cannot create " + local.folder().string() + ": " + error.message();
  fs::path temporary = local.temporary_archive_path(manifest.key);
  HttpRequest request;
  request.method = HttpMethod::get;
  request.url = url_ + "/" + archive_name(manifest);
  request.file = temporary;
  request.signals = signals;
  std::string shown = shown_archive_url(manifest);
  HttpResponse response = send(request, shown);
  std::string problem;
  if (!response.ok()) {
    problem = describe(response, shown);
  } else if (response.bytes != manifest.archive_bytes) {
    problem = shown + " has " + std::to_string(response.bytes) + " bytes, its manifest says " +
              std::to_string(manifest.archive_bytes) + " (truncated; not used)";
  } else if (response.sha256 != manifest.sha256) {
    problem = shown + " has SHA-256 " + response.sha256 + ", its manifest says " + manifest.sha256 +
              " (corrupt on the store; not used)";
  }
  if (!problem.empty()) {
    fs::remove(temporary, error);
    return problem;
  }
  CacheManifest kept = manifest;
  kept.uploaded_to = {shown_};  // the store has it: nothing to push
  try {
    local.publish(kept, temporary);
  } catch (const Error& failed) {
    fs::remove(temporary, error);
    return failed.what();
  }
  return "";
}

RemoteCacheStore::Upload RemoteCacheStore::upload(const CacheManifest& manifest,
                                                  const fs::path& archive, const fs::path& scratch,
                                                  const SignalWatcher* signals) {
  Upload upload;
  std::string shown_manifest = shown_ + "/" + manifest.key + ".json";
  HttpRequest head;
  head.method = HttpMethod::head;
  head.url = manifest_url(manifest.key);
  head.signals = signals;
  HttpResponse there = send(head, shown_manifest);
  if (there.ok()) {
    upload.result = UploadResult::already_there;
    return upload;
  }
  if (there.outcome != HttpOutcome::answered || there.status != 404) {
    upload.message = describe(there, shown_manifest);
    return upload;
  }
  HttpRequest put;
  put.method = HttpMethod::put;
  put.url = url_ + "/" + archive_name(manifest);
  put.file = archive;
  put.signals = signals;
  HttpResponse sent = send(put, shown_archive_url(manifest));
  if (!sent.ok()) {
    upload.message = describe(sent, shown_archive_url(manifest));
    return upload;
  }
  // The manifest last: until it is there, no machine uses the archive.
  CacheManifest shared = manifest;
  shared.uploaded_to.clear();
  fs::path file = scratch / (manifest.key + ".json.tmp-upload-" + std::to_string(::getpid()));
  std::error_code error;
  try {
    write_file_atomically(file, shared.to_json().dump(2) + "\n");
  } catch (const Error& failed) {
    upload.message = failed.what();
    return upload;
  }
  put.url = manifest_url(manifest.key);
  put.file = file;
  sent = send(put, shown_manifest);
  fs::remove(file, error);
  if (!sent.ok()) {
    upload.message = describe(sent, shown_manifest);
    return upload;
  }
  upload.result = UploadResult::uploaded;
  return upload;
}

}  // namespace ssdbuild
