#include "ssdbuild/cache/system_packages.hpp"

#include <algorithm>
#include <array>
#include <fstream>

#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// ldd and dpkg-query take many operands at once; a bounded batch keeps argv short.
constexpr size_t kBatch = 200;

bool within_any(const fs::path& path, const std::vector<fs::path>& roots) {
  fs::path normal = path.lexically_normal();
  return std::any_of(roots.begin(), roots.end(),
                     [&](const fs::path& root) { return is_within(normal, root); });
}

// `/lib/x` and `/usr/lib/x` are one file on a merged /usr; dpkg knows only the name its
// package shipped. Returns the other name, or "".
std::string usr_merge_twin(const std::string& path) {
  for (const char* top : {"/lib/", "/lib64/", "/lib32/", "/libx32/", "/bin/", "/sbin/"}) {
    if (starts_with(path, top)) return "/usr" + path;
    if (starts_with(path, std::string("/usr") + top)) return path.substr(4);
  }
  return "";
}

template <typename Each>
void in_batches(const std::vector<std::string>& operands, Each each) {
  for (size_t begin = 0; begin < operands.size(); begin += kBatch) {
    size_t end = std::min(operands.size(), begin + kBatch);
    each(std::vector<std::string>(operands.begin() + static_cast<long>(begin),
                                  operands.begin() + static_cast<long>(end)));
  }
}

}  // namespace

bool is_loadable_elf(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<unsigned char, 18> header{};
  if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) return false;
  if (header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F') return false;
  // e_type, in the file's byte order (EI_DATA: 1 little, 2 big): 2 executable, 3 shared.
  unsigned type = header[5] == 2 ? header[17] | (header[16] << 8) : header[16] | (header[17] << 8);
  return type == 2 || type == 3;
}

std::vector<fs::path> loadable_elf_files(const std::vector<fs::path>& roots) {
  std::vector<fs::path> files;
  auto consider = [&](const fs::directory_entry& entry) {
    std::error_code error;
    if (entry.is_regular_file(error) && !entry.is_symlink(error) && is_loadable_elf(entry.path()))
      files.push_back(entry.path());
  };
  for (const auto& root : roots) {
    std::error_code error;
    fs::directory_entry top(root, error);
    if (error || top.is_symlink(error)) continue;
    if (!top.is_directory(error)) {
      consider(top);
      continue;
    }
    for (fs::recursive_directory_iterator
             it(root, fs::directory_options::skip_permission_denied, error),
         end;
         !error && it != end; it.increment(error)) {
      consider(*it);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

LoadedLibraries parse_ldd_output(std::string_view output) {
  LoadedLibraries loaded;
  for (const auto& raw : split_lines(output)) {
    std::string_view line = trim(raw);
    size_t arrow = line.find(" => ");
    if (arrow == std::string_view::npos) continue;  // a file's header, the vDSO, the loader
    std::string_view name = line.substr(0, arrow);
    std::string_view target = line.substr(arrow + 4);
    if (starts_with(target, "not found")) {
      loaded.not_found.insert(std::string(name));
    } else if (starts_with(target, "/")) {
      loaded.paths.insert(std::string(target.substr(0, target.find(" ("))));
    }
  }
  return loaded;
}

std::map<std::string, std::vector<std::string>> parse_dpkg_search(std::string_view output) {
  std::map<std::string, std::vector<std::string>> owners;
  for (const auto& raw : split_lines(output)) {
    std::string_view line = trim(raw);
    if (starts_with(line, "diversion by ")) continue;
    size_t colon = line.find(": /");
    if (colon == std::string_view::npos) continue;
    auto& packages = owners[std::string(line.substr(colon + 2))];
    std::string_view list = line.substr(0, colon);
    while (!list.empty()) {
      size_t comma = std::min(list.find(','), list.size());
      std::string name(trim(list.substr(0, comma)));
      if (!name.empty()) packages.push_back(name);
      list.remove_prefix(std::min(comma + 1, list.size()));
    }
  }
  return owners;
}

std::vector<std::string> owner_query_paths(const std::string& path) {
  std::vector<std::string> names = {path};
  std::error_code error;
  fs::path target = fs::canonical(path, error);
  if (!error && target.string() != path) names.push_back(target.string());
  size_t direct = names.size();
  for (size_t i = 0; i < direct; ++i) {
    std::string twin = usr_merge_twin(names[i]);
    if (!twin.empty()) names.push_back(twin);
  }
  return names;
}

SystemPackages find_system_packages(const std::vector<fs::path>& roots,
                                    const CaptureCommand& capture) {
  SystemPackages result;
  std::vector<fs::path> normal_roots;
  for (const auto& root : roots) normal_roots.push_back(root.lexically_normal());
  std::vector<std::string> files;
  for (const auto& file : loadable_elf_files(normal_roots)) files.push_back(file.string());
  LoadedLibraries loaded;
  bool ldd_ran = true;
  in_batches(files, [&](std::vector<std::string> batch) {
    batch.insert(batch.begin(), "ldd");
    // ldd exits 1 when one file is static; the others' lines are still there.
    CapturedOutput output = capture(batch);
    ldd_ran = ldd_ran && output.started;
    LoadedLibraries part = parse_ldd_output(output.output);
    loaded.paths.insert(part.paths.begin(), part.paths.end());
    loaded.not_found.insert(part.not_found.begin(), part.not_found.end());
  });
  if (!ldd_ran) {
    result.problem = "ldd did not start";
    return result;
  }
  std::map<std::string, std::vector<std::string>> names;  // library -> its query paths
  std::vector<std::string> queries;
  for (const auto& library : loaded.paths) {
    if (within_any(library, normal_roots)) continue;  // restored with the stage
    names[library] = owner_query_paths(library);
    queries.insert(queries.end(), names[library].begin(), names[library].end());
  }
  std::map<std::string, std::vector<std::string>> owners;
  bool dpkg_ran = true;
  in_batches(queries, [&](std::vector<std::string> batch) {
    batch.insert(batch.begin(), {"dpkg-query", "-S"});
    CapturedOutput output = capture(batch);  // exit 1 when one path has no owner
    dpkg_ran = dpkg_ran && output.started;
    for (auto& [path, packages] : parse_dpkg_search(output.output)) owners[path] = packages;
  });
  if (!dpkg_ran) {
    result.problem = "dpkg-query did not start (not a Debian or Ubuntu system?)";
    return result;
  }
  std::set<std::string> packages;
  for (const auto& [library, queried] : names) {
    bool owned = false;
    for (const auto& name : queried) {
      auto found = owners.find(name);
      if (found == owners.end()) continue;
      packages.insert(found->second.begin(), found->second.end());
      owned = true;
    }
    if (!owned) result.unowned.push_back(library);
  }
  result.known = true;
  result.packages.assign(packages.begin(), packages.end());
  result.not_found.assign(loaded.not_found.begin(), loaded.not_found.end());
  return result;
}

}  // namespace ssdbuild
