#include "test_support.hpp"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ssdbuild/exec/process.hpp"
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
                        const std::vector<std::pair<std::string, std::string>>& env) {
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
  options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(100);
  ProcessResult result = run_process(options, collector, nullptr);
  return {result.exit_code, collector.text};
}

std::string ssdbuild_binary() { return SSDBUILD_BINARY; }

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

}  // namespace ssdbuild::testing
