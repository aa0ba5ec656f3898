#pragma once
// libcurl, libgit2 and libarchive, with the forty-odd libraries they pull in, take ~20 ms to
// load: most of what `plan` or a resumed run would spend. So the work that needs them lives
// in a module, ssdbuild-io.so, loaded the first time a step downloads, clones or extracts.
// The actions stay in the core (parsing, fingerprints, plan); only these calls cross over.
#include <cstddef>
#include <filesystem>
#include <string>

#include "ssdbuild/actions/action.hpp"
#include "ssdbuild/actions/git_action.hpp"
#include "ssdbuild/cache/http_transfer.hpp"
#include "ssdbuild/cache/stage_archive.hpp"

namespace ssdbuild {

enum class DownloadResult { done, transient, permanent, stopped };

/// One try at one URL: `transient` failures (5xx, timeouts, resets) are worth retrying.
struct DownloadAttempt {
  DownloadResult result = DownloadResult::permanent;
  std::string message;
  std::string sha256;  // of the whole file, when done
};

struct IoModule {
  const char* version;  // the module's SSDBUILD_VERSION: it must be the binary's
  /// Downloads `url` into `part`, resuming what `part` holds with a Range request.
  DownloadAttempt (*download)(const std::string& url, const std::filesystem::path& part,
                              const StepContext& context);
  /// The `git` action's work: clone or fetch into settings.dest, then check out.
  ActionOutcome (*check_out)(const GitAction::Settings& settings, const StepContext& context);
  /// See extract_archive() in extract_action.hpp.
  size_t (*extract_archive)(const std::filesystem::path& archive, const std::filesystem::path& into,
                            int strip);
  /// See stage_archive.hpp: the stage cache's archives.
  PackedArchive (*pack_stage_archive)(const std::vector<std::filesystem::path>& paths,
                                      const std::filesystem::path& archive, int threads);
  std::uint64_t (*restore_stage_archive)(const std::filesystem::path& archive,
                                         const std::vector<std::filesystem::path>& roots);
  /// See http_transfer.hpp: one request of the remote stage cache.
  HttpResponse (*http_transfer)(const HttpRequest& request);
};

/// The module's file name, and the C symbol that returns its IoModule.
inline constexpr const char* kIoModuleFile = "ssdbuild-io.so";
inline constexpr const char* kIoModuleEntry = "ssdbuild_io_module";

/// The module, loaded on first use from $SSDBUILD_IO_MODULE, else beside the binary, else
/// from ../lib/ssdbuild/ next to its folder. Throws Error saying where it looked and what
/// to do when it cannot be loaded.
const IoModule& io_module();

}  // namespace ssdbuild
