#include "nginx_test_server.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild::testing {

namespace fs = std::filesystem;

namespace {

// nginx's -e (the error log before the configuration is read) came in nginx 1.19.5; Debian
// 11 has 1.18. Without it nginx opens its compiled-in log first, and goes on if it cannot.
bool has_error_log_option(const std::string& nginx) {
  std::string version = run_shell(shell_quote(nginx) + " -v 2>&1", "/").output;
  int major = 0, minor = 0, patch = 0;
  size_t at = version.find("nginx/");
  if (at == std::string::npos ||
      std::sscanf(version.c_str() + at, "nginx/%d.%d.%d", &major, &minor, &patch) != 3)
    return true;  // an unknown version: assume a current one
  return std::make_tuple(major, minor, patch) >= std::make_tuple(1, 19, 5);
}

// A port the kernel had free just now (bound to 0, read back, closed).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("no free port");
  }
  int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::string configuration(const fs::path& dir, const fs::path& root, int port,
                          const NginxOptions& options) {
  std::string d = dir.string();
  std::string check;
  if (!options.authorization.empty()) {
    check = "    if ($denied) { return 401; }\n";
  }
  std::string rate = options.archive_rate.empty()
                         ? ""
                         : "    location ~ \\.tar\\.zst$ {\n      limit_rate " +
                               options.archive_rate + ";\n" + check +
                               "      dav_methods PUT;\n      create_full_put_path on;\n    }\n";
  return "daemon off;\nmaster_process off;\npid " + d + "/nginx.pid;\nerror_log " + d +
         "/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log " + d +
         "/access.log;\n  log_format plain '$request_method $uri $status';\n  access_log " + d +
         "/requests.log plain;\n  client_body_temp_path " + d + "/body;\n  proxy_temp_path " + d +
         "/proxy;\n  fastcgi_temp_path " + d + "/fastcgi;\n  uwsgi_temp_path " + d +
         "/uwsgi;\n  scgi_temp_path " + d + "/scgi;\n  client_max_body_size 0;\n" +
         "  map $http_authorization $denied {\n    default 1;\n    \"" + options.authorization +
         "\" 0;\n" +
         (options.basic_authorization.empty()
              ? ""
              : "    \"" + options.basic_authorization + "\" 0;\n") +
         "  }\n  server {\n    listen 127.0.0.1:" + std::to_string(port) + ";\n    root " +
         root.string() + ";\n" + check + rate +
         "    location / {\n      dav_methods PUT DELETE;\n      create_full_put_path on;\n" +
         "      dav_access user:rw group:r all:r;\n    }\n  }\n}\n";
}

}  // namespace

bool nginx_available() {
  return fs::exists("/usr/sbin/nginx") || !find_on_path("nginx").empty();
}

NginxTestServer::NginxTestServer(const fs::path& root, NginxOptions options)
    : root_(root), options_(std::move(options)), port_(free_port()) {
  fs::create_directories(root_);
  start();
}

NginxTestServer::~NginxTestServer() {
  stop();
}

void NginxTestServer::start() {
  write_text(dir_ / "nginx.conf", configuration(dir_.path(), root_, port_, options_));
  std::string nginx = fs::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : find_on_path("nginx");
  // -e: the error log before the configuration is read (not /var/log/nginx, not ours).
  std::vector<std::string> arguments = {nginx, "-p", dir_.path().string()};
  if (has_error_log_option(nginx))
    arguments.insert(arguments.end(), {"-e", (dir_ / "error.log").string()});
  arguments.insert(arguments.end(), {"-c", (dir_ / "nginx.conf").string()});
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::execv(nginx.c_str(), argv.data());
    ::_exit(127);
  }
  if (!wait_until([&] { return accepts_connections(port_); })) {
    throw std::runtime_error("nginx did not start: " + read_text(dir_ / "error.log"));
  }
}

void NginxTestServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_for_exit(pid_);
  pid_ = 0;
}

void NginxTestServer::restart(NginxOptions options) {
  stop();
  options_ = std::move(options);
  start();
}

std::string NginxTestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::string NginxTestServer::requests() const {
  std::error_code error;
  return fs::exists(dir_ / "requests.log", error) ? read_text(dir_ / "requests.log") : "";
}

}  // namespace ssdbuild::testing
