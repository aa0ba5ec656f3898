#include "ssdbuild/exec/compiler_cache.hpp"

#include <unistd.h>

#include <algorithm>
#include <regex>
#include <set>

#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// Settings a user's environment may hold that would make hits impossible, or keep the
// remote storage from being read or written.
const std::vector<std::string> kBlockingSettings = {"CCACHE_DISABLE", "CCACHE_READONLY",
                                                    "CCACHE_RECACHE", "CCACHE_REMOTE_ONLY"};

std::string plural(int count, const std::string& one, const std::string& many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

// RFC 4648 base64, for the user:password of an `Authorization: Basic` header; "" when
// `text` is not base64.
std::string base64_decode(std::string_view text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    size_t value = alphabet.find(c);
    if (value == std::string::npos) return "";
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

// Characters that would end an entry of ccache's storage list, or its URL's authority.
bool storage_safe(std::string_view text) {
  return text.find_first_of(" \t|@/") == std::string_view::npos;
}

}  // namespace

std::string ccache_http_storage(const CcacheVersion& version, const CcacheHttpStorage& http,
                                std::string* why) {
  auto refuse = [&](std::string text) {
    if (why) *why = std::move(text);
    return std::string();
  };
  if (http.url.empty()) return refuse("");
  // ccache's http backend speaks plain HTTP only.
  if (!starts_with(http.url, "http://")) {
    return refuse("ccache's http storage does not speak https, so " + http.url + " is not used");
  }
  if (http.url.find_first_of(" \t|") != std::string::npos) {
    return refuse(http.url + " holds a space or `|`, which ccache's storage setting cannot hold");
  }
  if (http.header.empty()) return http.url;
  std::string_view header = http.header;
  size_t colon = header.find(':');
  std::string name(trim(header.substr(0, colon)));
  std::string value(trim(header.substr(colon + 1)));
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  size_t space = value.find(' ');
  std::string scheme = value.substr(0, space);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  std::string secret = space == std::string::npos ? "" : std::string(trim(value.substr(space)));
  std::string unusable = "ccache sends only `Authorization: Bearer` or `Basic` credentials";
  if (name != "authorization" || secret.empty()) return refuse(unusable);
  if (scheme == "bearer") {
    if (remote_storage_key(version) != RemoteStorageKey::remote_storage) {
      return refuse("ccache " + version.text() + " takes no bearer token (4.7 and later do)");
    }
    if (!storage_safe(secret))
      return refuse("the bearer token holds a character ccache cannot take");
    return http.url + "|bearer-token=" + secret;
  }
  if (scheme == "basic") {
    std::string credentials = base64_decode(secret);
    size_t split = credentials.find(':');
    if (split == std::string::npos || !storage_safe(credentials.substr(0, split)) ||
        credentials.substr(split + 1).find_first_of(" \t|@/") != std::string::npos) {
      return refuse("the Basic credentials hold a character ccache's URL cannot take");
    }
    return "http://" + credentials + "@" + http.url.substr(std::string("http://").size());
  }
  return refuse(unusable);
}

fs::path compiler_cache_remote(const fs::path& state_folder) {
  return state_folder / "ccache";
}

std::string CcacheVersion::text() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<CcacheVersion> parse_ccache_version(std::string_view version_output) {
  static const std::regex first_line(R"(^ccache version (\d+)\.(\d+)(?:\.(\d+))?)");
  std::string text(version_output.substr(0, version_output.find('\n')));
  std::smatch match;
  if (!std::regex_search(text, match, first_line)) return std::nullopt;
  CcacheVersion version;
  version.major = std::stoi(match[1].str());
  version.minor = std::stoi(match[2].str());
  version.patch = match[3].matched ? std::stoi(match[3].str()) : 0;
  return version;
}

RemoteStorageKey remote_storage_key(const CcacheVersion& version) {
  auto at_least = [&](int major, int minor) {
    return version.major > major || (version.major == major && version.minor >= minor);
  };
  if (at_least(4, 7)) return RemoteStorageKey::remote_storage;
  if (at_least(4, 4)) return RemoteStorageKey::secondary_storage;
  return RemoteStorageKey::unsupported;
}

fs::path CompilerCacheFolders::stats_log(const std::string& step_id) const {
  return root / "stats" / (step_id + ".log");
}

CompilerCacheFolders local_compiler_cache_folders() {
  CompilerCacheFolders folders;
  if (auto own = setting_value(EnvironmentSetting::ccache_dir)) {
    folders.root = *own;
  } else if (auto cache = setting_value(EnvironmentSetting::xdg_cache_home)) {
    folders.root = fs::path(*cache) / "ssdbuild" / "ccache";
  } else if (auto home = setting_value(EnvironmentSetting::home)) {
    folders.root = fs::path(*home) / ".cache" / "ssdbuild" / "ccache";
  } else {
    folders.root = fs::temp_directory_path() / ("ssdbuild-ccache-" + std::to_string(::getuid()));
  }
  folders.root = fs::absolute(folders.root).lexically_normal();
  return folders;
}

CcacheEnvironment ccache_environment(const CcacheVersion& version,
                                     const CompilerCacheFolders& folders, const fs::path& remote,
                                     const std::string& step_id, const fs::path& ccache_binary,
                                     const CcacheHttpStorage& http) {
  CcacheEnvironment environment;
  environment.unset = kBlockingSettings;
  using Mode = EnvChange::Mode;
  environment.changes.push_back({"PATH", folders.bin().string(), Mode::prepend});
  environment.changes.push_back({"CCACHE_DIR", folders.cache().string(), Mode::set});
  environment.changes.push_back(
      {"CCACHE_STATSLOG", folders.stats_log(step_id).string(), Mode::set});
  // Caffe's Makefile (patched by the recipe) and CMake (3.17 and later, from the
  // environment) put this before nvcc, which they call by its path, not through PATH.
  environment.changes.push_back(
      {"CMAKE_CUDA_COMPILER_LAUNCHER", ccache_binary.string(), Mode::set});

  std::string local = "ccache " + version.text() + ": local cache " + folders.cache().string();
  RemoteStorageKey key = remote_storage_key(version);
  // The storage setting is a space-separated list of URLs with |-separated attributes.
  bool url_safe = remote.string().find_first_of(" \t|") == std::string::npos;
  if (key == RemoteStorageKey::unsupported) {
    environment.unset.insert(environment.unset.end(),
                             {"CCACHE_SECONDARY_STORAGE", "CCACHE_REMOTE_STORAGE"});
    // stats_log came with 4.4 too: an older ccache writes no record, and an empty log would
    // read as "no cacheable compiler calls" (Debian 11's 4.2 in the platform matrix).
    // Unset, ccache-stats is given no log and says that there are no counts.
    std::erase_if(environment.changes,
                  [](const EnvChange& change) { return change.name == "CCACHE_STATSLOG"; });
    environment.unset.push_back("CCACHE_STATSLOG");
    environment.notes.push_back(local + "; ccache before 4.4 has no remote storage, so hits do " +
                                "not survive a VM reset (install ccache 4.4 or later)");
    return environment;
  }
  std::string name =
      key == RemoteStorageKey::remote_storage ? "remote_storage" : "secondary_storage";
  std::string variable = key == RemoteStorageKey::remote_storage ? "CCACHE_REMOTE_STORAGE"
                                                                 : "CCACHE_SECONDARY_STORAGE";
  // 4.7 and later also read the old name, as an alias: only one of them may be set.
  environment.unset.push_back(key == RemoteStorageKey::remote_storage ? "CCACHE_SECONDARY_STORAGE"
                                                                      : "CCACHE_REMOTE_STORAGE");
  if (!url_safe) {
    environment.unset.push_back(variable);
    environment.notes.push_back(local + "; no remote storage: the state folder's path " +
                                remote.string() +
                                " holds a space or `|`, which ccache's storage setting cannot "
                                "hold, so hits do not survive a VM reset");
    return environment;
  }
  // Read on every local miss, written on every miss (not read-only): after a reset, the
  // empty local cache fills from the state folder.
  std::string why;
  std::string shared = ccache_http_storage(version, http, &why);
  // ccache tries the list in order: the state folder first, then the shared store.
  environment.changes.push_back(
      {variable, "file:" + remote.string() + (shared.empty() ? "" : " " + shared), Mode::set});
  std::string shared_note;
  if (!shared.empty()) {
    shared_note = " and " + http.url +
                  (http.header.empty() ? "" : " (with the credentials of SSDBUILD_CACHE_HEADER)");
  } else if (!why.empty()) {
    shared_note = "; not the shared store: " + why;
  }
  environment.notes.push_back(local + ", remote storage file:" + remote.string() + shared_note +
                              " (" + name + ")");
  return environment;
}

std::string ccache_environment_as_shell(const CcacheEnvironment& environment) {
  std::string text;
  if (!environment.unset.empty()) text += "unset " + shell_words(environment.unset) + "\n";
  return text + env_changes_as_shell(environment.changes);
}

std::vector<std::string> compiler_names_in(const std::vector<fs::path>& folders) {
  static const std::regex compiler(
      R"((cc|c\+\+|([A-Za-z0-9_]+-[A-Za-z0-9_]+-[A-Za-z0-9_]+-)?(gcc|g\+\+)(-[0-9][0-9.]*)?))");
  std::set<std::string> names;
  for (const auto& folder : folders) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      std::string name = entry.path().filename().string();
      if (!std::regex_match(name, compiler)) continue;
      std::error_code status_error;
      if (fs::is_directory(entry.path(), status_error)) continue;
      if (::access(entry.path().c_str(), X_OK) == 0) names.insert(name);
    }
  }
  return {names.begin(), names.end()};
}

void make_masquerade_links(const fs::path& folder, const fs::path& ccache,
                           const std::vector<std::string>& names) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw Error("ccache: cannot create " + folder.string() + ": " + error.message() +
                " (set SSDBUILD_CCACHE_DIR to a folder on local disk)");
  }
  for (const auto& name : names) {
    fs::path link = folder / name;
    std::error_code read_error;
    if (fs::read_symlink(link, read_error) == ccache && !read_error) continue;
    fs::path temporary = folder / ("." + name + ".tmp-" + std::to_string(::getpid()));
    fs::remove(temporary, error);
    fs::create_symlink(ccache, temporary, error);
    if (!error) fs::rename(temporary, link, error);
    if (error) {
      fs::remove(temporary, read_error);
      throw Error("ccache: cannot link " + link.string() + " to " + ccache.string() + ": " +
                  error.message() + " (the folder must be on a disk that allows symbolic links)");
    }
  }
  // Links to compilers that are gone would fail the calls that find them first on PATH.
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    std::string name = entry.path().filename().string();
    bool wanted = std::find(names.begin(), names.end(), name) != names.end();
    bool in_the_making = name.front() == '.' && name.find(".tmp-") != std::string::npos;
    if (!wanted && !in_the_making) stale.push_back(entry.path());
  }
  for (const auto& path : stale) fs::remove(path, error);
}

CcacheStats parse_ccache_stats_log(std::string_view text) {
  CcacheStats stats;
  std::set<std::string> ids;
  bool in_record = false;
  auto close_record = [&] {
    if (!in_record) return;
    if (ids.count("direct_cache_hit") || ids.count("preprocessed_cache_hit")) {
      ++stats.hits;
      // 4.7 and later say remote_storage_hit, 4.4 to 4.6 secondary_storage_hit.
      if (ids.count("remote_storage_hit") || ids.count("secondary_storage_hit")) {
        ++stats.remote_hits;
      }
    } else if (ids.count("cache_miss")) {
      ++stats.misses;
    } else {
      ++stats.uncacheable;
    }
    ids.clear();
  };
  for (const auto& line : split_lines(text)) {
    std::string_view id = trim(line);
    if (starts_with(id, "#")) {
      close_record();
      in_record = true;
    } else if (!id.empty()) {
      ids.insert(std::string(id));
    }
  }
  close_record();
  return stats;
}

std::string describe_no_ccache_stats_log() {
  return "ccache: no hit and miss counts (ccache before 4.4 keeps no stats log)";
}

std::string describe_ccache_stats(const CcacheStats& stats) {
  int cacheable = stats.hits + stats.misses;
  std::string uncacheable = stats.uncacheable == 0
                                ? ""
                                : plural(stats.uncacheable, "call", "calls") + " not cacheable " +
                                      "(linking, preprocessing, failed compiles, ...)";
  if (cacheable == 0) {
    return "ccache: no cacheable compiler calls" +
           (uncacheable.empty() ? std::string() : "; " + uncacheable);
  }
  return "ccache: " + plural(stats.hits, "hit", "hits") + " (" + std::to_string(stats.remote_hits) +
         " from the remote storage), " + plural(stats.misses, "miss", "misses") + ": " +
         std::to_string(stats.hits * 100 / cacheable) + " % hits" +
         (uncacheable.empty() ? "" : "; " + uncacheable);
}

std::string with_compiler_cache(const std::string& commands, const std::string& step_id,
                                const CompilerCacheSetting& setting) {
  std::string ssdbuild = shell_quote(ssdbuild_executable());
  std::string text =
      "# ccache: compilers through ccache; remote storage " + setting.remote.string() + "\n";
  text += "ccache_env=$(" + ssdbuild + " ccache-env --remote " +
          shell_quote(setting.remote.string()) +
          (setting.http_url.empty() ? "" : " --http " + shell_quote(setting.http_url)) +
          " --step " + shell_quote(step_id) + ")\n";
  text += "eval \"$ccache_env\"\n";
  // On exit, so that the stats line comes after a failing command too (the step runs in a
  // subshell of the plan, or as its own .sh: either way the trap is the step's).
  text += "trap " + shell_quote(ssdbuild + " ccache-stats \"${CCACHE_STATSLOG:-}\" || true") +
          " EXIT\n";
  text += commands;
  if (!commands.empty() && commands.back() != '\n') text += "\n";
  return text;
}

}  // namespace ssdbuild
