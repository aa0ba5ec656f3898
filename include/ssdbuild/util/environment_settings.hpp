#pragma once
// The environment variables that ssdbuild itself reads, in one table (the README's
// "Environment variables" lists the same ones, and a test checks that it does). Code reads
// them through setting_value(), never through getenv: a new one is one line here.
// Recipes read any variable as ${env.NAME}; that goes through VariableScope, not this table.
#include <optional>
#include <string>
#include <vector>

namespace ssdbuild {

enum class EnvironmentSetting {
  state_dir,          // SSDBUILD_STATE_DIR
  boot_id,            // SSDBUILD_BOOT_ID
  heartbeat_seconds,  // SSDBUILD_HEARTBEAT_SECONDS
  retry_backoff_ms,   // SSDBUILD_RETRY_BACKOFF_MS
  fetch_backoff_ms,   // SSDBUILD_FETCH_BACKOFF_MS
  fetch_progress_ms,  // SSDBUILD_FETCH_PROGRESS_MS
  kill_grace_ms,      // SSDBUILD_KILL_GRACE_MS
  io_module,          // SSDBUILD_IO_MODULE
  ccache_dir,         // SSDBUILD_CCACHE_DIR
  cache_url,          // SSDBUILD_CACHE_URL
  cache_header,       // SSDBUILD_CACHE_HEADER
  xdg_cache_home,     // XDG_CACHE_HOME
  home,               // HOME
  no_color,           // NO_COLOR
  term,               // TERM
  path,               // PATH
};

struct EnvironmentSettingInfo {
  EnvironmentSetting setting;
  const char* name;     // the variable's name
  const char* meaning;  // one line, as the README says it
};

/// Every variable of the table, in the README's order.
const std::vector<EnvironmentSettingInfo>& environment_settings();

/// The variable's name: "SSDBUILD_STATE_DIR".
const char* setting_name(EnvironmentSetting setting);

/// The variable's value, or nullopt when it is unset or empty (an empty value means
/// "not set" for every variable of the table).
std::optional<std::string> setting_value(EnvironmentSetting setting);

}  // namespace ssdbuild
