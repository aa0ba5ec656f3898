#pragma once
// `ccache: true` on a `run` step: its compilers go through ccache. The cache lives on local
// disk, and the state folder's ccache/ is ccache's `file:` remote storage, so that after a
// VM reset (an empty local cache) the hits come from the state folder. The local cache
// cannot live in the state folder: ccache locks it with symbolic links, which Google
// Drive's mount refuses; its remote storage writes plain files and renames them.
//
// One implementation for `run` and `plan`: the step's commands are wrapped (step_commands
// in plan_script.cpp) in a call to `ssdbuild ccache-env`, which installs ccache when it is
// missing, makes the masquerade links and prints the environment, and `ssdbuild
// ccache-stats`, which prints the step's hits and misses. A run executes that same .sh.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ssdbuild/exec/environment.hpp"

namespace ssdbuild {

/// A step's compiler cache, resolved when the plan is made.
struct CompilerCacheSetting {
  std::filesystem::path remote;  // <state folder>/ccache: ccache's remote storage
  std::string http_url;          // the shared store's ccache folder, no credentials; or ""
};

/// The folder in the state folder that holds ccache's remote storage.
std::filesystem::path compiler_cache_remote(const std::filesystem::path& state_folder);

/// A ccache release, from `ccache --version`.
struct CcacheVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  std::string text() const;  // "4.7.5"
};

/// The release in `ccache --version`'s output ("ccache version 4.10.2\n..."); nullopt when
/// the first line is not that.
std::optional<CcacheVersion> parse_ccache_version(std::string_view version_output);

/// How a ccache release names its remote storage setting: 4.4 to 4.6 call it
/// `secondary_storage`, 4.7 and later `remote_storage` (and take the old name as an alias);
/// before 4.4 there is none.
enum class RemoteStorageKey { unsupported, secondary_storage, remote_storage };
RemoteStorageKey remote_storage_key(const CcacheVersion& version);

/// The local folders of the compiler cache on this machine.
struct CompilerCacheFolders {
  std::filesystem::path root;
  std::filesystem::path cache() const { return root / "cache"; }  // CCACHE_DIR
  std::filesystem::path bin() const { return root / "bin"; }      // the masquerade links
  /// The step's stats log (CCACHE_STATSLOG): one record per compiler call of this attempt.
  std::filesystem::path stats_log(const std::string& step_id) const;
};

/// $SSDBUILD_CCACHE_DIR, else $XDG_CACHE_HOME/ssdbuild/ccache, else
/// ~/.cache/ssdbuild/ccache: local disk (a VM reset empties it), where ccache's own default
/// cache goes too, and never under the work folder, which a recipe may put on Drive.
CompilerCacheFolders local_compiler_cache_folders();

/// What a ccache step's environment gets, decided from the release (no side effects).
struct CcacheEnvironment {
  std::vector<std::string> unset;  // settings that would break the promise (read-only, ...)
  std::vector<EnvChange> changes;  // the links first on PATH, CCACHE_DIR, the remote, ...
  std::vector<std::string> notes;  // lines for the step's output
};
/// The shared store as ccache's `http:` remote storage, beside the state folder's `file:`.
struct CcacheHttpStorage {
  std::string url;     // <cache_url>/ccache without credentials; "" for none
  std::string header;  // $SSDBUILD_CACHE_HEADER: `Authorization: Bearer T` or `... Basic B64`
};
CcacheEnvironment ccache_environment(const CcacheVersion& version,
                                     const CompilerCacheFolders& folders,
                                     const std::filesystem::path& remote,
                                     const std::string& step_id,
                                     const std::filesystem::path& ccache_binary,
                                     const CcacheHttpStorage& http = {});

/// The entry of ccache's storage list for `http` on `version` ("http://h/ccache|bearer-token=T",
/// or with user:password@ from Basic credentials), or "" when ccache cannot use it; `why`
/// then says why, without the credentials.
std::string ccache_http_storage(const CcacheVersion& version, const CcacheHttpStorage& http,
                                std::string* why);

/// `unset` and `export` lines for bash that apply `environment`.
std::string ccache_environment_as_shell(const CcacheEnvironment& environment);

/// The compiler names found in `folders` that the links cover: cc, c++, gcc, g++, and the
/// versioned and target-prefixed names (g++-11, x86_64-linux-gnu-gcc-12). Sorted, unique.
std::vector<std::string> compiler_names_in(const std::vector<std::filesystem::path>& folders);

/// Makes `folder` hold one symbolic link to `ccache` for each of `names`, and nothing else
/// (ccache, called by a compiler's name, runs the next compiler of that name on PATH). Each
/// link is replaced atomically, so a step running beside this sees old or new links.
/// Throws Error naming the link and errno's text.
void make_masquerade_links(const std::filesystem::path& folder, const std::filesystem::path& ccache,
                           const std::vector<std::string>& names);

/// A step's compiler calls, from its ccache stats log.
struct CcacheStats {
  int hits = 0;         // direct or preprocessed hits
  int remote_hits = 0;  // of those, read from the remote storage
  int misses = 0;
  int uncacheable = 0;  // links, preprocessing, failed compiles, unsupported options, ...
};

/// Counts the records of a stats log (`# FILE` then one statistic id per line).
CcacheStats parse_ccache_stats_log(std::string_view text);

/// "ccache: 19 hits (19 from the remote storage), 1 miss: 95 % hits; 2 calls not cacheable"
std::string describe_ccache_stats(const CcacheStats& stats);

/// The stats line when the step has no stats log (CCACHE_STATSLOG unset: ccache before 4.4).
std::string describe_no_ccache_stats_log();

/// `commands` (a step's commands, run under `set -euo pipefail`) wrapped for ccache: the
/// environment from `ssdbuild ccache-env`, the commands in a subshell, then the stats line
/// from `ssdbuild ccache-stats`, whether they succeeded or not, and their exit status.
/// `ssdbuild` is this binary, by its absolute path.
std::string with_compiler_cache(const std::string& commands, const std::string& step_id,
                                const CompilerCacheSetting& setting);

}  // namespace ssdbuild
