#include "test_support.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "ssdbuild/exec/process.hpp"
#include "ssdbuild/recipe/loader.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ssdbuild-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

CommandResult run_shell(const std::string& command, const std::filesystem::path& cwd,
                        const std::vector<std::pair<std::string, std::string>>& env,
                        std::chrono::seconds limit) {
  struct Collector : LineSink {
    std::string text;
    void on_line(std::string_view line) override {
      text += line;
      text += '\n';
    }
  } collector;
  ProcessOptions options;
  options.argv = {"bash", "-c", command};
  options.cwd = cwd;
  options.extra_env = env;
  options.deadline = std::chrono::steady_clock::now() + limit;
  ProcessResult result = run_process(options, collector, nullptr);
  return {result.exit_code, collector.text};
}

std::string without_counters(const std::string& output) {
  static const std::regex counter(R"((^|\n)(==> |--- |ok  )\[[0-9]+/[0-9]+\] )");
  return std::regex_replace(output, counter, "$1$2");
}

std::string ssdbuild_binary() {
  return SSDBUILD_BINARY;
}

int spawn_ssdbuild(const std::vector<std::string>& arguments, const std::filesystem::path& cwd,
                   const std::vector<std::pair<std::string, std::string>>& env,
                   const std::filesystem::path& output_file) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  if (::chdir(cwd.c_str()) != 0) ::_exit(126);
  int out = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(out, 1);
  ::dup2(out, 2);
  ::setenv("NO_COLOR", "1", 1);
  ::setenv("SSDBUILD_BOOT_ID", "test-boot-1", 1);
  for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
  std::vector<std::string> words = {ssdbuild_binary()};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

HttpTestServer::HttpTestServer(const std::filesystem::path& root,
                               const std::filesystem::path& tls_folder) {
  if (!tls_folder.empty()) scheme_ = "https";
  std::string cert = (tls_folder / "cert.pem").string(), key = (tls_folder / "key.pem").string();
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    std::string script = std::string(SSDBUILD_TEST_DIR) + "/http_test_server.py";
    if (tls_folder.empty()) {
      ::execlp("python3", "python3", script.c_str(), root.c_str(), nullptr);
    } else {
      ::execlp("python3", "python3", script.c_str(), root.c_str(), "--tls", cert.c_str(),
               key.c_str(), nullptr);
    }
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);
  port_ = std::atoi(line.c_str());
  if (port_ <= 0) throw std::runtime_error("the test HTTP server did not start");
}

HttpTestServer::~HttpTestServer() {
  ::kill(pid_, SIGKILL);
  wait_for_exit(pid_);
}

std::string HttpTestServer::url(const std::string& path) const {
  return scheme_ + "://127.0.0.1:" + std::to_string(port_) + path;
}

std::string HttpTestServer::requests() const {
  return run_shell("curl -fsSk " + url("/log"), "/").output;
}

int wait_for_exit(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

bool process_group_alive(int pgid) {
  return ::kill(-pgid, 0) == 0 || errno == EPERM;
}

CommandResult run_ssdbuild(const std::vector<std::string>& arguments,
                           const std::filesystem::path& cwd,
                           std::vector<std::pair<std::string, std::string>> env) {
  std::string command = shell_quote(ssdbuild_binary());
  for (const auto& argument : arguments) command += " " + shell_quote(argument);
  bool has_boot = false;
  for (const auto& [name, value] : env) has_boot = has_boot || name == "SSDBUILD_BOOT_ID";
  if (!has_boot) env.emplace_back("SSDBUILD_BOOT_ID", "test-boot-1");
  env.emplace_back("NO_COLOR", "1");
  return run_shell(command, cwd, env);
}

CommandResult run_git(const std::filesystem::path& folder, const std::string& arguments) {
  return run_shell(
      "git -c user.name=test -c user.email=test@example.invalid -c init.defaultBranch=master "
      "-c commit.gpgsign=false " +
          arguments,
      folder);
}

size_t steps_in(const std::string& recipe_text) {
  size_t count = 0;
  for (const auto& stage : load_recipe_text(recipe_text, "recipe.yaml").stages) {
    count += stage.steps.size();
  }
  return count;
}

}  // namespace ssdbuild::testing
