#pragma once
// `apt: {update, install, build_dep, remove, enable_sources, keep_debs, recommends,
// apt_dir}`: system packages, as root (through `sudo -n` when not root). Never `apt-get
// upgrade`: on Colab that would move the whole CUDA stack. `install` is skipped when dpkg
// shows every package installed, so a resumed run does not wait on apt; `update` runs at
// most once per run. `install` and `build_dep` leave recommended packages out unless
// `recommends: true`.
// `unsafe_io: true` writes without fsync, for a machine that is thrown away whole: dpkg
// --force-unsafe-io, and ssdbuild-no-fsync.so preloaded into apt-get and dpkg where it
// was installed with this binary (it also drops the flushes of dpkg's database).
// `defer_byte_compile: true` leaves Python packages' byte-compiling to their first
// import. Neither changes what is installed, so neither is in the fingerprint.
// `keep_debs: true` keeps the .deb files and their index in the state folder: after a VM
// reset, what they cover installs from them alone, with no apt-get update.
// `enable_sources` turns on source packages in both formats: `# deb-src` lines in
// sources.list and *.list files, and `Types: deb` in deb822 *.sources files.
// The one implementation is shell/apt.sh: a run executes the step's .sh, which calls it as
// the plan does, and the plan's notes ask it too.
#include <filesystem>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class AptAction : public Action {
 public:
  bool restorable() const override { return false; }
  struct Settings {
    bool update = false;
    std::vector<std::string> install;    // "name" or "name=version"
    std::vector<std::string> build_dep;  // source packages
    std::vector<std::string> remove;
    bool enable_sources = false;
    bool keep_debs = false;           // .deb files kept in <state>/apt-archives across VM resets
    bool recommends = false;          // install and build-dep with recommended packages too
    bool unsafe_io = false;           // dpkg --force-unsafe-io, and no_fsync_library preloaded
    bool defer_byte_compile = false;  // dpkg's maintainer scripts find a no-op py3compile
    std::filesystem::path apt_dir = "/etc/apt";
    std::filesystem::path archives;       // <state>/apt-archives
    std::filesystem::path update_marker;  // <state>/apt-updated: the run that last updated
    // ssdbuild-no-fsync.so as installed with this binary; "" where it is not (unsafe_io then
    // means --force-unsafe-io only).
    std::filesystem::path no_fsync_library;
  };
  explicit AptAction(Settings settings) : settings_(std::move(settings)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;
  /// Installs `system_packages` only: the libraries restored programs load, not the headers
  /// and tools that built them. Nothing (null) for a step that installs nothing itself.
  std::unique_ptr<Action> for_restored(
      const std::vector<std::string>& system_packages) const override;
  std::vector<std::string> shell_helpers() const override;
  bool one_helper_call() const override { return true; }

 private:
  Settings settings_;
};

class AptActionType : public ActionType {
 public:
  std::string_view key() const override { return "apt"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node& config) const override;
};

/// The file preloaded by `unsafe_io`, found with this binary (find_companion_file).
inline constexpr const char* kNoFsyncLibraryFile = "ssdbuild-no-fsync.so";

/// The plan's notes on how an install writes (unsafe_io, defer_byte_compile), one per option that
/// differs from plain apt-get; none for the defaults.
std::vector<std::string> install_mode_notes(const AptAction::Settings& settings);

/// Turns source packages on in the files of `apt_dir` (`write`), or only finds the files
/// where they are off; returns those files. Through shell/apt.sh; throws std::runtime_error.
std::vector<std::string> enable_source_packages(const std::filesystem::path& apt_dir, bool write);

/// The packages of `wanted` ("name" or "name=version") that dpkg does not show installed
/// (at that version). Through shell/apt.sh; throws std::runtime_error.
std::vector<std::string> missing_packages(const std::vector<std::string>& wanted);

}  // namespace ssdbuild
