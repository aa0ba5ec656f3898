#include "ssdbuild/actions/io_module.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/paths.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> candidate_paths() {
  if (auto path = setting_value(EnvironmentSetting::io_module)) return {*path};
  return companion_file_paths(kIoModuleFile);
}

const IoModule* load() {
  std::string tried;
  for (const auto& path : candidate_paths()) {
    std::error_code error;
    if (!fs::exists(path, error)) {
      tried += "\n    " + path.string() + ": not there";
      continue;
    }
    // RTLD_NOW: a missing library shows here, with its name, not halfway through a step.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      tried += "\n    " + path.string() + ": " + dlerror();
      continue;
    }
    using Entry = const IoModule* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, kIoModuleEntry));
    const IoModule* module = entry ? entry() : nullptr;
    if (module == nullptr) {
      tried += "\n    " + path.string() + ": not an ssdbuild I/O module";
    } else if (std::strcmp(module->version, SSDBUILD_VERSION) != 0) {
      tried += "\n    " + path.string() + ": from ssdbuild " + module->version +
               ", not this ssdbuild " SSDBUILD_VERSION;
    } else {
      return module;  // never unloaded: it lives as long as the process
    }
    dlclose(handle);
  }
  throw Error(std::string("cannot load ") + kIoModuleFile +
              ", which downloads, git checkouts and extraction need:" + tried +
              "\n  Install ssdbuild with its module (cmake --install), or point "
              "SSDBUILD_IO_MODULE at the file");
}

}  // namespace

const IoModule& io_module() {
  static std::once_flag once;
  static const IoModule* module = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    try {
      module = load();
    } catch (const Error& problem) {
      failure = problem.what();
    }
  });
  if (module == nullptr) throw Error(failure);
  return *module;
}

}  // namespace ssdbuild
