#include "ssdbuild/util/environment_settings.hpp"

#include <cstdlib>

namespace ssdbuild {

const std::vector<EnvironmentSettingInfo>& environment_settings() {
  using S = EnvironmentSetting;
  static const std::vector<EnvironmentSettingInfo> table = {
      {S::state_dir, "SSDBUILD_STATE_DIR", "the state folder when --state-dir is not given"},
      {S::boot_id, "SSDBUILD_BOOT_ID", "replaces the kernel's boot id (tests simulate a reset)"},
      {S::heartbeat_seconds, "SSDBUILD_HEARTBEAT_SECONDS",
       "silence before a `still running` line (default 60 s)"},
      {S::retry_backoff_ms, "SSDBUILD_RETRY_BACKOFF_MS",
       "the first wait between retries, in ms (default 5000)"},
      {S::fetch_backoff_ms, "SSDBUILD_FETCH_BACKOFF_MS",
       "the first delay before a fetch retries, in ms (default 1000)"},
      {S::fetch_progress_ms, "SSDBUILD_FETCH_PROGRESS_MS",
       "how often a slow download says how far it is, in ms (default 5000)"},
      {S::kill_grace_ms, "SSDBUILD_KILL_GRACE_MS",
       "between SIGTERM and SIGKILL for a step, in ms (default 10000)"},
      {S::io_module, "SSDBUILD_IO_MODULE", "the path of ssdbuild-io.so"},
      {S::ccache_dir, "SSDBUILD_CCACHE_DIR",
       "the local folder of `ccache: true` steps (default ~/.cache/ssdbuild/ccache)"},
      {S::cache_url, "SSDBUILD_CACHE_URL",
       "the shared stage cache's base URL when --cache-url is not given"},
      {S::cache_header, "SSDBUILD_CACHE_HEADER",
       "one header line sent to that store (credentials); never shown or written"},
      {S::xdg_cache_home, "XDG_CACHE_HOME",
       "where the default ccache folder goes, before ~/.cache"},
      {S::home, "HOME", "the default ccache folder is under ~/.cache"},
      {S::no_color, "NO_COLOR", "no colour, whatever --color says"},
      {S::term, "TERM", "unset or `dumb`: no colour in auto mode"},
      {S::path, "PATH", "where ssdbuild looks for nvcc and the programs it starts"},
  };
  return table;
}

const char* setting_name(EnvironmentSetting setting) {
  for (const auto& entry : environment_settings()) {
    if (entry.setting == setting) return entry.name;
  }
  return "";
}

std::optional<std::string> setting_value(EnvironmentSetting setting) {
  const char* value = std::getenv(setting_name(setting));
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace ssdbuild
