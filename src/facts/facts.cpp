#include "ssdbuild/facts/facts.hpp"

#include <gnu/libc-version.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

#include "ssdbuild/exec/process.hpp"
#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

extern char** environ;

namespace ssdbuild {
namespace {

// Each fact belongs to one probe group; a group is probed whole, on first use.
struct FactName {
  const char* name;
  const char* group;
};

const FactName kFacts[] = {
    {"os.id", "os"},
    {"os.version_id", "os"},
    {"os.codename", "os"},
    {"os.pretty_name", "os"},
    {"arch", "machine"},
    {"cpu.count", "machine"},
    {"cpu.model", "cpu"},
    {"memory.total_mb", "memory"},
    {"gcc.version", "gcc"},
    {"gcc.major", "gcc"},
    {"gxx.version", "gcc"},
    {"gcc.installed", "gcc"},
    {"gxx.installed", "gcc"},
    {"nvcc.path", "nvcc"},
    {"nvcc.version", "nvcc"},
    {"nvcc.cuda_dir", "nvcc"},
    {"gpu.count", "gpu"},
    {"gpu.name", "gpu"},
    {"gpu.compute_capability", "gpu"},
    {"gpu.memory_mb", "gpu"},
    {"gpu.driver", "gpu"},
    {"python3.version", "python"},
    {"cudnn.version", "cudnn"},
    {"cudnn.include_dir", "cudnn"},
    {"cudnn.lib_dir", "cudnn"},
    {"glibc.version", "glibc"},
    {"colab", "platform"},
    {"drive.mounted", "platform"},
    {"drive.path", "platform"},
    {"boot_id", "boot"},
};

const char* group_of(std::string_view name) {
  for (const auto& fact : kFacts) {
    if (name == fact.name) return fact.group;
  }
  return nullptr;
}

std::string first_line(const std::string& text) {
  return std::string(trim(text.substr(0, text.find('\n'))));
}

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return std::string(value.substr(1, value.size() - 2));
  }
  return std::string(value);
}

// The N of every /usr/bin/PREFIX-N (gcc-11, g++-12), sorted as versions.
std::string installed_versions(const std::string& prefix) {
  std::vector<int> versions;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/bin", error)) {
    std::string file = entry.path().filename().string();
    if (!starts_with(file, prefix + "-")) continue;
    std::string suffix = file.substr(prefix.size() + 1);
    if (!suffix.empty() && std::all_of(suffix.begin(), suffix.end(), ::isdigit)) {
      versions.push_back(std::stoi(suffix));
    }
  }
  std::sort(versions.begin(), versions.end());
  std::string list;
  for (int version : versions) list += (list.empty() ? "" : " ") + std::to_string(version);
  return list;
}

// The first of `folders` that holds libcudnn.so or libcudnn.so.MAJOR, or "".
std::string cudnn_library_folder(const std::vector<std::string>& folders,
                                 const std::string& major) {
  std::error_code error;
  for (const auto& folder : folders) {
    if (std::filesystem::exists(folder + "/libcudnn.so", error) ||
        std::filesystem::exists(folder + "/libcudnn.so." + major, error))
      return std::filesystem::path(folder).lexically_normal().string();
  }
  return "";
}

}  // namespace

Facts::Facts(FactSources sources) : sources_(std::move(sources)) {}

const std::vector<std::string>& Facts::names() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> list;
    for (const auto& fact : kFacts) list.emplace_back(fact.name);
    return list;
  }();
  return all;
}

bool Facts::is_known(std::string_view name) {
  return group_of(name) != nullptr;
}

std::string Facts::get(std::string_view name) {
  const char* group = group_of(name);
  if (group == nullptr) throw std::out_of_range("unknown fact " + std::string(name));
  std::lock_guard<std::mutex> lock(mutex_);
  if (!probed_groups_[group]) {
    probe_group(group);
    probed_groups_[group] = true;
  }
  auto found = values_.find(std::string(name));
  return found == values_.end() ? std::string() : found->second;
}

nlohmann::json Facts::to_json() {
  nlohmann::json result = nlohmann::json::object();
  for (const auto& name : names()) result[name] = get(name);
  result["gpus"] = gpus_;
  return result;
}

void Facts::probe_os() {
  std::ifstream in(sources_.os_release);
  std::string line;
  while (std::getline(in, line)) {
    size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string key = line.substr(0, equals);
    std::string value = unquote(trim(std::string_view(line).substr(equals + 1)));
    if (key == "ID") set("os.id", value);
    if (key == "VERSION_ID") set("os.version_id", value);
    if (key == "VERSION_CODENAME") set("os.codename", value);
    if (key == "PRETTY_NAME") set("os.pretty_name", value);
  }
}

void Facts::probe_machine() {
  struct utsname names {};
  ::uname(&names);
  set("arch", names.machine);
  set("cpu.count", std::to_string(std::max(1u, std::thread::hardware_concurrency())));
}

void Facts::probe_cpu() {
  std::ifstream in(sources_.cpuinfo);
  std::string line;
  while (std::getline(in, line)) {
    if (starts_with(line, "model name") && line.find(':') != std::string::npos) {
      set("cpu.model", std::string(trim(std::string_view(line).substr(line.find(':') + 1))));
      break;
    }
  }
}

void Facts::probe_memory() {
  std::ifstream in(sources_.meminfo);
  std::string key;
  long long kilobytes = 0;
  while (in >> key >> kilobytes) {
    if (key == "MemTotal:") {
      set("memory.total_mb", std::to_string(kilobytes / 1024));
      break;
    }
    in.ignore(1 << 20, '\n');
  }
}

void Facts::probe_gcc() {
  auto gcc = capture_output({"gcc", "-dumpfullversion", "-dumpversion"});
  if (gcc.started && gcc.exit_code == 0) {
    std::string version = first_line(gcc.output);
    set("gcc.version", version);
    set("gcc.major", version.substr(0, version.find('.')));
  }
  auto gxx = capture_output({"g++", "-dumpfullversion", "-dumpversion"});
  if (gxx.started && gxx.exit_code == 0) set("gxx.version", first_line(gxx.output));
  set("gcc.installed", installed_versions("gcc"));
  set("gxx.installed", installed_versions("g++"));
}

void Facts::probe_nvcc() {
  std::string path = find_on_path("nvcc");
  if (path.empty()) {
    for (const char* candidate : {"/usr/local/cuda/bin/nvcc", "/usr/bin/nvcc"}) {
      if (::access(candidate, X_OK) == 0) {
        path = candidate;
        break;
      }
    }
  }
  set("nvcc.path", path);
  // CUDA_DIR in Makefile terms: the folder holding bin/nvcc (/usr for distribution packages).
  set("nvcc.cuda_dir",
      path.empty() ? "" : std::filesystem::path(path).parent_path().parent_path().string());
  if (!path.empty()) {
    auto nvcc = capture_output({path, "--version"});
    set("nvcc.version", parse_nvcc_version(nvcc.output));
  }
}

void Facts::probe_gpu() {
  auto smi =
      capture_output({"nvidia-smi", "--query-gpu=name,compute_cap,memory.total,driver_version",
                      "--format=csv,noheader,nounits"});
  gpus_ =
      smi.started && smi.exit_code == 0 ? parse_nvidia_smi(smi.output) : nlohmann::json::array();
  set("gpu.count", std::to_string(gpus_.size()));
  if (!gpus_.empty()) {
    set("gpu.name", gpus_[0]["name"]);
    set("gpu.compute_capability", gpus_[0]["compute_capability"]);
    set("gpu.memory_mb", gpus_[0]["memory_mb"]);
    set("gpu.driver", gpus_[0]["driver"]);
  }
}

void Facts::probe_python() {
  auto python =
      capture_output({"python3", "-c", "import platform; print(platform.python_version())"});
  if (python.started && python.exit_code == 0) set("python3.version", first_line(python.output));
}

void Facts::probe_glibc() {
  set("glibc.version", gnu_get_libc_version());
}

void Facts::probe_platform() {
  bool colab = false;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    colab = colab || starts_with(*entry, "COLAB_");
  }
  set("colab", colab ? "true" : "false");
  std::error_code error;
  bool mounted = std::filesystem::is_directory(sources_.drive_mount, error);
  set("drive.mounted", mounted ? "true" : "false");
  set("drive.path", mounted ? sources_.drive_mount : "");
}

void Facts::probe_boot() {
  if (auto simulated = setting_value(EnvironmentSetting::boot_id)) {
    set("boot_id", *simulated);
  } else {
    std::ifstream in(sources_.boot_id);
    std::string id;
    std::getline(in, id);
    set("boot_id", std::string(trim(id)));
  }
}

// Each group of facts and its probe, which sets them all; probe_group() runs it once.
const std::vector<std::pair<std::string, Facts::Probe>>& Facts::probe_table() {
  static const std::vector<std::pair<std::string, Probe>> table = {
      {"os", &Facts::probe_os},
      {"machine", &Facts::probe_machine},
      {"cpu", &Facts::probe_cpu},
      {"memory", &Facts::probe_memory},
      {"gcc", &Facts::probe_gcc},
      {"nvcc", &Facts::probe_nvcc},
      {"gpu", &Facts::probe_gpu},
      {"python", &Facts::probe_python},
      {"cudnn", &Facts::probe_cudnn},
      {"glibc", &Facts::probe_glibc},
      {"platform", &Facts::probe_platform},
      {"boot", &Facts::probe_boot},
  };
  return table;
}

void Facts::probe_group(const std::string& group) {
  for (const auto& [name, probe] : probe_table()) {
    if (name == group) (this->*probe)();
  }
}

void Facts::probe_cudnn() {
  struct utsname names {};
  ::uname(&names);
  const std::string multiarch = std::string(names.machine) + "-linux-gnu";
  std::vector<std::string> include_dirs = sources_.cudnn_include_dirs;
  if (include_dirs.empty()) {
    include_dirs = {"/usr/local/cuda/include", "/usr/include", "/usr/include/" + multiarch};
    if (sources_.cudnn_from_python) {
      auto python = capture_output(
          {"python3", "-c",
           "import nvidia.cudnn, os; print(os.path.join(list(nvidia.cudnn.__path__)[0], "
           "'include'))"});
      if (python.started && python.exit_code == 0)
        include_dirs.push_back(first_line(python.output));
    }
  }
  for (const auto& include_dir : include_dirs) {
    std::ifstream header(include_dir + "/cudnn_version.h");
    if (!header) continue;
    std::string text((std::istreambuf_iterator<char>(header)), std::istreambuf_iterator<char>());
    std::string version = parse_cudnn_version(text);
    if (version.empty()) continue;
    std::string lib_dir = cudnn_library_folder({include_dir + "/../lib", include_dir + "/../lib64",
                                                "/usr/lib/" + multiarch, "/usr/local/cuda/lib64"},
                                               version.substr(0, version.find('.')));
    if (lib_dir.empty()) continue;  // headers without the library build nothing
    set("cudnn.version", version);
    set("cudnn.include_dir", std::filesystem::path(include_dir).lexically_normal().string());
    set("cudnn.lib_dir", lib_dir);
    return;
  }
}

std::string parse_cudnn_version(std::string_view header) {
  static const std::regex define(R"(#define\s+CUDNN_(MAJOR|MINOR|PATCHLEVEL)\s+([0-9]+))");
  std::string text(header), major, minor, patch;
  for (std::sregex_iterator it(text.begin(), text.end(), define), end; it != end; ++it) {
    std::string key = (*it)[1].str(), value = (*it)[2].str();
    if (key == "MAJOR" && major.empty()) major = value;
    if (key == "MINOR" && minor.empty()) minor = value;
    if (key == "PATCHLEVEL" && patch.empty()) patch = value;
  }
  if (major.empty() || minor.empty()) return "";
  return major + "." + minor + (patch.empty() ? "" : "." + patch);
}

nlohmann::json parse_nvidia_smi(std::string_view csv) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const auto& line : split_lines(csv)) {
    if (trim(line).empty()) continue;
    std::vector<std::string> fields;
    size_t start = 0;
    while (true) {
      size_t comma = line.find(',', start);
      fields.emplace_back(trim(std::string_view(line).substr(start, comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (fields.size() < 4) continue;
    gpus.push_back({{"name", fields[0]},
                    {"compute_capability", fields[1]},
                    {"memory_mb", fields[2]},
                    {"driver", fields[3]}});
  }
  return gpus;
}

std::string parse_nvcc_version(std::string_view output) {
  static const std::regex release(R"(release ([0-9]+\.[0-9]+))");
  std::string text(output);
  std::smatch match;
  return std::regex_search(text, match, release) ? match[1].str() : "";
}

}  // namespace ssdbuild
