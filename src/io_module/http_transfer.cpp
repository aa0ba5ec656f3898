// One request of the remote stage cache through libcurl: GET streams into a file and its
// hash, PUT streams from a file, HEAD asks. Failures without an answer are sorted into
// transient and permanent the way curl_download.cpp sorts a fetch's.
#include <curl/curl.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "io_module_parts.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/sha256.hpp"

namespace ssdbuild {

namespace {

// The body of a GET, shared with libcurl's write callback.
struct Body {
  std::FILE* file = nullptr;
  Sha256 hash;
  std::uint64_t bytes = 0;
  bool write_failed = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  size_t bytes = size * count;
  if (std::fwrite(data, 1, bytes, body->file) != bytes) {
    body->write_failed = true;
    return 0;
  }
  body->hash.update(std::string_view(data, bytes));
  body->bytes += bytes;
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* signals = static_cast<const SignalWatcher*>(user);
  return signals != nullptr && signals->received() != 0 ? 1 : 0;
}

bool is_transient(CURLcode code) {
  return code == CURLE_OPERATION_TIMEDOUT || code == CURLE_COULDNT_CONNECT ||
         code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
         code == CURLE_GOT_NOTHING || code == CURLE_SSL_CONNECT_ERROR || code == CURLE_HTTP2 ||
         code == CURLE_HTTP2_STREAM || code == CURLE_COULDNT_RESOLVE_HOST;
}

using FilePointer = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;
using HeaderList = std::unique_ptr<curl_slist, void (*)(curl_slist*)>;
using CurlPointer = std::unique_ptr<CURL, void (*)(CURL*)>;

void set_common_options(CURL* curl, const HttpRequest& request, char* error_text) {
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ssdbuild/" SSDBUILD_VERSION);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, request.signals);
}

}  // namespace

HttpResponse http_transfer(const HttpRequest& request) {
  HttpResponse response;
  CurlPointer curl(curl_easy_init(), curl_easy_cleanup);
  char error_text[CURL_ERROR_SIZE] = {};
  set_common_options(curl.get(), request, error_text);
  HeaderList headers(nullptr, curl_slist_free_all);
  if (!request.header.empty()) {
    headers.reset(curl_slist_append(nullptr, request.header.c_str()));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  }
  Body body;
  FilePointer file(nullptr, std::fclose);
  if (request.method == HttpMethod::head) {
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  } else if (request.method == HttpMethod::get) {
    file.reset(std::fopen(request.file.c_str(), "wb"));
    if (!file) {
      response.message = errno_message("cannot write " + request.file.string(), errno);
      return response;
    }
    body.file = file.get();
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  } else {
    std::error_code error;
    auto size = std::filesystem::file_size(request.file, error);
    file.reset(std::fopen(request.file.c_str(), "rb"));
    if (!file || error) {
      response.message = errno_message("cannot read " + request.file.string(), errno);
      return response;
    }
    curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_READDATA, file.get());  // libcurl freads it
    curl_easy_setopt(curl.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  }
  CURLcode code = curl_easy_perform(curl.get());
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &response.status);
  bool flushed = request.method != HttpMethod::get || std::fflush(file.get()) == 0;
  if (code == CURLE_OK && flushed) {
    response.outcome = HttpOutcome::answered;
    response.bytes = body.bytes;
    if (request.method == HttpMethod::get) response.sha256 = body.hash.hex_digest();
    return response;
  }
  std::string detail = error_text[0] ? error_text : curl_easy_strerror(code);
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    response.outcome = HttpOutcome::stopped;
    response.message = "stopped";
  } else if (body.write_failed || !flushed) {
    response.message = "cannot write " + request.file.string() + " (is the disk full?)";
  } else {
    response.outcome = is_transient(code) ? HttpOutcome::transient : HttpOutcome::permanent;
    response.message = detail;
  }
  return response;
}

}  // namespace ssdbuild
