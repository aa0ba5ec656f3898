#pragma once
// What ssdbuild knows about the machine, as ${facts.NAME} in recipes and `ssdbuild facts`.
// Probes are lazy: a probe that starts a process (gcc, nvcc, nvidia-smi, python3) runs
// only when a recipe or command asks for one of its facts, and then once.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ssdbuild {

/// Where probes look; tests point these at folders they make.
struct FactSources {
  std::string os_release = "/etc/os-release";
  std::string boot_id = "/proc/sys/kernel/random/boot_id";
  std::string drive_mount = "/content/drive/MyDrive";
  std::string meminfo = "/proc/meminfo";
  std::string cpuinfo = "/proc/cpuinfo";
  /// Folders searched for cudnn_version.h; empty: CUDA's, the system's, then python3's
  /// nvidia-cudnn package (when cudnn_from_python).
  std::vector<std::string> cudnn_include_dirs;
  bool cudnn_from_python = true;
};

class Facts {
 public:
  explicit Facts(FactSources sources = {});

  /// Every fact name, in display order ("os.id", "gpu.count", ...).
  static const std::vector<std::string>& names();
  static bool is_known(std::string_view name);

  /// The fact's value ("" when the machine has no such thing, e.g. nvcc.version without
  /// nvcc); probes on first use. Throws std::out_of_range for an unknown name.
  std::string get(std::string_view name);

  /// Every fact, probing all; GPUs as a list.
  nlohmann::json to_json();

 private:
  void probe_group(const std::string& group);
  using Probe = void (Facts::*)();
  static const std::vector<std::pair<std::string, Probe>>& probe_table();
  // One per group of facts (group_of() in facts.cpp names each fact's group).
  void probe_os();
  void probe_machine();
  void probe_cpu();
  void probe_memory();
  void probe_gcc();
  void probe_nvcc();
  void probe_gpu();
  void probe_python();
  void probe_cudnn();
  void probe_glibc();
  void probe_platform();
  void probe_boot();
  void set(const std::string& name, std::string value) { values_[name] = std::move(value); }

  FactSources sources_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> probed_groups_;
  nlohmann::json gpus_ = nlohmann::json::array();
  std::mutex mutex_;
};

/// Parses `nvidia-smi --query-gpu=name,compute_cap,memory.total,driver_version
/// --format=csv,noheader,nounits` output into a list of GPU objects.
nlohmann::json parse_nvidia_smi(std::string_view csv);

/// "9.19.0" from a cudnn_version.h (CUDNN_MAJOR, CUDNN_MINOR, CUDNN_PATCHLEVEL); "" if absent.
std::string parse_cudnn_version(std::string_view header);

/// "13.0" from `nvcc --version` output ("... release 13.0, V13.0.48"); "" if absent.
std::string parse_nvcc_version(std::string_view output);

}  // namespace ssdbuild
