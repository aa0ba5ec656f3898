#pragma once
// The system packages that a cached stage's programs and libraries load. Found when the
// stage is packed (ldd on each ELF program and shared library under its paths, then dpkg's
// owner of each library it resolves), kept in the manifest, and installed after a VM reset
// instead of the whole package list the build needed: a restored Caffe needs libprotobuf,
// not protoc, the -dev headers or a compiler.
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ssdbuild/exec/process.hpp"

namespace ssdbuild {

struct SystemPackages {
  bool known = false;                  // ldd and dpkg-query answered
  std::vector<std::string> packages;   // "libprotobuf32:amd64", sorted
  std::vector<std::string> unowned;    // loaded libraries no package owns (a CUDA from NVIDIA)
  std::vector<std::string> not_found;  // libraries ldd could not find: "libcudnn.so.9"
  std::string problem;                 // why not known
};

/// Runs a command and captures its output (capture_output, or a fake in tests).
using CaptureCommand = std::function<CapturedOutput(const std::vector<std::string>& argv)>;

/// Whether `file` is an ELF executable or shared object: what the loader maps, and ldd reads.
/// Object files and static archives are not.
bool is_loadable_elf(const std::filesystem::path& file);

/// The loadable ELF files under `roots` (files or folders; links are not followed), sorted.
std::vector<std::filesystem::path> loadable_elf_files(
    const std::vector<std::filesystem::path>& roots);

struct LoadedLibraries {
  std::set<std::string> paths;      // resolved: "/lib/x86_64-linux-gnu/libz.so.1"
  std::set<std::string> not_found;  // "libfoo.so.2"
};

/// The libraries in the output of `ldd FILE...`.
LoadedLibraries parse_ldd_output(std::string_view output);

/// `dpkg-query -S PATH...` output: each path to the packages that own it.
std::map<std::string, std::vector<std::string>> parse_dpkg_search(std::string_view output);

/// The names under which dpkg may know `path`: itself, its twin across the merged /usr
/// (/lib/x -> /usr/lib/x and back), and the same for the file it links to.
std::vector<std::string> owner_query_paths(const std::string& path);

/// The packages the loadable files under `roots` load, libraries inside `roots` left out.
SystemPackages find_system_packages(const std::vector<std::filesystem::path>& roots,
                                    const CaptureCommand& capture);

}  // namespace ssdbuild
