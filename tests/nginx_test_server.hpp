#pragma once
// nginx from Debian's packages as a shared HTTP store: WebDAV PUT (the http_dav module that
// Debian's nginx builds in), on 127.0.0.1 on a free port, serving a folder. It is started
// by the constructor and killed by stop() or the destructor; restart() starts it again on the
// same port and folder, with other options.
#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace ssdbuild::testing {

struct NginxOptions {
  // Requests without `Authorization: <this>` (or the Basic credentials below) get 401;
  // "" for none.
  std::string authorization;
  std::string basic_authorization;  // another accepted value, "Basic <base64>"
  std::string archive_rate;         // nginx's limit_rate for *.tar.zst ("2k"); "" for none
};

class NginxTestServer {
 public:
  NginxTestServer(const std::filesystem::path& root, NginxOptions options);
  ~NginxTestServer();
  NginxTestServer(const NginxTestServer&) = delete;
  NginxTestServer& operator=(const NginxTestServer&) = delete;

  /// "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path = "") const;
  /// The files it stores, under root.
  const std::filesystem::path& root() const { return root_; }
  /// Kills it (SIGKILL: as a store that goes away mid-transfer).
  void stop();
  void restart(NginxOptions options);
  /// The access log: one "METHOD PATH STATUS" line per request.
  std::string requests() const;

 private:
  void start();

  TempDir dir_;
  std::filesystem::path root_;
  NginxOptions options_;
  int port_ = 0;
  int pid_ = 0;
};

/// Whether nginx is installed (scripts/setup.sh's test packages have it).
bool nginx_available();

}  // namespace ssdbuild::testing
