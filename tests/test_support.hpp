#pragma once
// Shared test helpers: a fresh folder per test, files, and the real ssdbuild binary run as
// a child process.
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace ssdbuild::testing {

/// A fresh temporary folder, removed with its content at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// Runs a bash command line in `cwd`, with extra environment variables; a command still
/// running after `limit` is killed (its process group) and fails.
CommandResult run_shell(const std::string& command, const std::filesystem::path& cwd,
                        const std::vector<std::pair<std::string, std::string>>& env = {},
                        std::chrono::seconds limit = std::chrono::seconds(100));

/// Runs the ssdbuild binary with `arguments` in `cwd` (NO_COLOR and a fixed boot id unless
/// `env` sets SSDBUILD_BOOT_ID).
CommandResult run_ssdbuild(const std::vector<std::string>& arguments,
                           const std::filesystem::path& cwd,
                           std::vector<std::pair<std::string, std::string>> env = {});

/// Starts ssdbuild in the background (its output to `output_file`); returns its pid.
int spawn_ssdbuild(const std::vector<std::string>& arguments, const std::filesystem::path& cwd,
                   const std::vector<std::pair<std::string, std::string>>& env,
                   const std::filesystem::path& output_file);

/// Waits for a child started by spawn_ssdbuild; returns its exit code, or 128+signal.
int wait_for_exit(int pid);

/// Whether any process of process group `pgid` is left.
bool process_group_alive(int pgid);

/// tests/http_test_server.py serving `root` on 127.0.0.1, for the life of the object.
class HttpTestServer {
 public:
  /// With `tls_folder` (holding cert.pem and key.pem), it speaks HTTPS with that certificate.
  explicit HttpTestServer(const std::filesystem::path& root,
                          const std::filesystem::path& tls_folder = {});
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;
  /// "http://127.0.0.1:PORT" + path.
  std::string url(const std::string& path) const;
  /// The requests served so far: "PATH RANGE" lines.
  std::string requests() const;

 private:
  int pid_ = 0;
  int port_ = 0;
  std::string scheme_ = "http";
};

/// `output` with the step counters ("[7/23] ") taken out of the start, skip and ok lines
/// ("==> [7/23] build/caffe  (reason)" becomes "==> build/caffe  (reason)"), for tests that
/// look for one step's line whatever its place in the recipe.
std::string without_counters(const std::string& output);

/// The ssdbuild binary under test.
std::string ssdbuild_binary();

/// How many steps the recipe has, enabled or not: what a no-op run skips.
size_t steps_in(const std::string& recipe_text);

/// `git ARGUMENTS` in `folder` (through bash, so `&&` chains work) with a fixed identity,
/// default branch and no signing, whatever ~/.gitconfig says.
CommandResult run_git(const std::filesystem::path& folder, const std::string& arguments);

/// Polls `condition` every 20 ms until it holds or `limit` passes; returns whether it held.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    struct timespec pause {
      0, 20 * 1000 * 1000
    };
    nanosleep(&pause, nullptr);
  }
  return condition();
}

}  // namespace ssdbuild::testing
