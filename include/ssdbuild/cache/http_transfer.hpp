#pragma once
// One HTTP request of the remote stage cache (remote_cache_store.hpp): a GET into a file,
// hashed as it streams, a PUT from a file, or a HEAD. The work is libcurl's, done in
// ssdbuild-io.so (io_module.hpp). The outcome is data: the store decides what a status
// means (404: absent; 5xx: try again; 401: a wrong header) and what to say about it.
#include <cstdint>
#include <filesystem>
#include <string>

namespace ssdbuild {

class SignalWatcher;

enum class HttpMethod { get, put, head };

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  // One "Name: value" line sent with the request, or "". It carries credentials: nothing
  // that handles a request logs it, and it never goes into a message.
  std::string header;
  std::filesystem::path file;  // GET: written here (replaced); PUT: read from here
  long connect_timeout_s = 10;
  // A transfer that moves less than 1 byte/s for this long has stalled: a store that is slow
  // costs a rebuild, not a hung run.
  long stall_timeout_s = 30;
  const SignalWatcher* signals = nullptr;  // a signal stops the transfer
};

enum class HttpOutcome {
  answered,   // the server answered with `status`, whatever it was
  transient,  // no answer: refused, reset, timed out; worth another try
  permanent,  // no answer, and none will come: a bad URL, a file that cannot be written
  stopped,    // a signal
};

struct HttpResponse {
  HttpOutcome outcome = HttpOutcome::permanent;
  long status = 0;          // when answered
  std::string message;      // curl's text when not answered; never the header
  std::uint64_t bytes = 0;  // GET: the body's size as written
  std::string sha256;       // GET: of the body as written
  bool ok() const { return outcome == HttpOutcome::answered && status >= 200 && status < 300; }
};

}  // namespace ssdbuild
