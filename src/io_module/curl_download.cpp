// One download attempt through libcurl, for the `fetch` action: streams into the .part,
// hashing as it goes, resumes with Range, and sorts failures into transient and permanent.
#include <curl/curl.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "io_module_parts.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// One transfer's state, shared with libcurl's callbacks.
struct Transfer {
  const StepContext* context = nullptr;
  std::FILE* file = nullptr;
  Sha256* hash = nullptr;
  curl_off_t offset = 0;   // bytes of .part kept from before
  bool restarted = false;  // the server ignored Range: the .part was emptied
  bool write_failed = false;
  bool stopped = false;  // a signal or the deadline
  CURL* curl = nullptr;
  std::string part;
  Clock::time_point started = Clock::now();
  Clock::time_point last_report = Clock::now();
  int last_percent = -10;
};

size_t on_data(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->offset > 0 && !transfer->restarted) {
    long code = 0;
    curl_easy_getinfo(transfer->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200) {
      // Range was ignored: the body is the whole file, so start the .part over.
      transfer->context->say("fetch: the server ignored the Range request; starting over");
      transfer->restarted = true;
      if (std::freopen(transfer->part.c_str(), "wb", transfer->file) == nullptr) {
        transfer->write_failed = true;
        return 0;
      }
      transfer->hash->reset();
      transfer->offset = 0;
    }
  }
  if (std::fwrite(data, 1, bytes, transfer->file) != bytes) {
    transfer->write_failed = true;
    return 0;
  }
  transfer->hash->update(std::string_view(data, bytes));
  return bytes;
}

// A progress line every 10 %, or every 5 s (SSDBUILD_FETCH_PROGRESS_MS, for tests) of a
// download that goes slowly or has no known size.
std::chrono::milliseconds progress_interval() {
  static const std::chrono::milliseconds interval = [] {
    auto text = setting_value(EnvironmentSetting::fetch_progress_ms);
    long value = text ? std::strtol(text->c_str(), nullptr, 10) : 0;
    return std::chrono::milliseconds(value > 0 ? value : 5000);
  }();
  return interval;
}

int on_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  const StepContext& context = *transfer->context;
  if ((context.signals && context.signals->received() != 0) ||
      (context.deadline && Clock::now() > *context.deadline)) {
    transfer->stopped = true;
    return 1;
  }
  auto clock = Clock::now();
  double seconds = std::chrono::duration<double>(clock - transfer->started).count();
  double rate = seconds > 0 ? static_cast<double>(now) / seconds : 0;
  double done = static_cast<double>(transfer->offset + now);
  if (total <= 0) {
    // No size from the server (a chunked reply): bytes and rate on the clock alone.
    if (now == 0 || clock - transfer->last_report < progress_interval()) return 0;
    transfer->last_report = clock;
    context.say("fetch: " + format_bytes(done) + " so far, " + format_bytes(rate) +
                "/s (the server gives no size)");
    return 0;
  }
  double all = static_cast<double>(transfer->offset + total);
  int percent = static_cast<int>(100 * done / all);
  if (percent < transfer->last_percent + 10 &&
      clock - transfer->last_report < progress_interval()) {
    return 0;
  }
  transfer->last_percent = percent;
  transfer->last_report = clock;
  std::string eta =
      rate > 0 ? format_duration(std::chrono::duration<double>((all - done) / rate)) : "?";
  context.say("fetch: " + format_bytes(done) + " / " + format_bytes(all) + " (" +
              std::to_string(percent) + "%), " + format_bytes(rate) + "/s, ETA " + eta);
  return 0;
}

}  // namespace

DownloadAttempt download_once(const std::string& url, const fs::path& part,
                              const StepContext& context) {
  DownloadAttempt attempt;
  Sha256 hash;
  std::error_code error;
  curl_off_t offset = fs::exists(part, error) ? static_cast<curl_off_t>(fs::file_size(part)) : 0;
  if (offset > 0) {
    // The kept part of the file goes into the hash first.
    std::FILE* kept = std::fopen(part.c_str(), "rb");
    char buffer[1 << 16];
    size_t got;
    while (kept && (got = std::fread(buffer, 1, sizeof buffer, kept)) > 0) {
      hash.update(std::string_view(buffer, got));
    }
    if (kept) std::fclose(kept);
    context.say("fetch: resuming " + url + " at " + format_bytes(static_cast<double>(offset)));
  } else {
    context.say("fetch: " + url);
  }
  Transfer transfer;
  transfer.context = &context;
  transfer.hash = &hash;
  transfer.offset = offset;
  transfer.part = part.string();
  transfer.file = std::fopen(part.c_str(), offset > 0 ? "ab" : "wb");
  if (transfer.file == nullptr) {
    attempt.message = errno_message("cannot write " + part.string(), errno);
    return attempt;
  }
  CURL* curl = curl_easy_init();
  transfer.curl = curl;
  char error_text[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);  // bytes/s ...
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);  // ... for a minute: stalled
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ssdbuild/" SSDBUILD_VERSION);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  if (offset > 0) curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, offset);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  bool flushed = std::fclose(transfer.file) == 0;
  std::string detail = error_text[0] ? error_text : curl_easy_strerror(code);
  if (code == CURLE_OK && flushed) {
    attempt.result = DownloadResult::done;
    attempt.sha256 = hash.hex_digest();
  } else if (transfer.stopped) {
    attempt.result = DownloadResult::stopped;
    attempt.message = "stopped";
  } else if (transfer.write_failed || !flushed) {
    attempt.message = "cannot write " + part.string() + " (is the disk full?)";
  } else if (code == CURLE_HTTP_RETURNED_ERROR && status == 416 && offset > 0) {
    attempt.result = DownloadResult::done;  // the .part was complete already
    attempt.sha256 = hash.hex_digest();
  } else if (code == CURLE_HTTP_RETURNED_ERROR) {
    bool transient = status >= 500 || status == 408 || status == 429;
    attempt.result = transient ? DownloadResult::transient : DownloadResult::permanent;
    attempt.message = "HTTP " + std::to_string(status);
  } else if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY) {
    attempt.message = detail + " (no network, or a mistyped host?)";
  } else if (code == CURLE_RANGE_ERROR || code == CURLE_BAD_DOWNLOAD_RESUME) {
    fs::remove(part, error);  // start over on the next attempt
    attempt.result = DownloadResult::transient;
    attempt.message = "the server ignored the Range request; starting over";
  } else {
    bool transient = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_COULDNT_CONNECT ||
                     code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR ||
                     code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING ||
                     code == CURLE_SSL_CONNECT_ERROR || code == CURLE_HTTP2 ||
                     code == CURLE_HTTP2_STREAM;
    attempt.result = transient ? DownloadResult::transient : DownloadResult::permanent;
    attempt.message = detail;
  }
  return attempt;
}

}  // namespace ssdbuild
