#pragma once
// Small actions that register things with the system: `alternatives` (update-alternatives)
// and `ldconfig` (a file in /etc/ld.so.conf.d, then ldconfig). Both find their effect
// already in place and then do nothing; both run as root, through `sudo -n` when ssdbuild
// is not root and sudo exists.
#include <filesystem>
#include <optional>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

/// `argv` as root: unchanged when ssdbuild is root, else behind `sudo -n` when sudo exists.
std::vector<std::string> as_root(std::vector<std::string> argv);

class AlternativesAction : public Action {
 public:
  bool restorable() const override { return false; }
  struct Settings {
    std::string name, link, path;
    int priority = 0;
    bool set = false;
    std::string altdir, admindir;  // for tests and unusual systems
  };
  explicit AlternativesAction(Settings settings) : settings_(std::move(settings)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;

  /// Whether `update-alternatives --query` output shows the alternative installed with
  /// this priority (and selected, when `set`).
  bool in_place(const std::string& query_output) const;
  /// Whether update-alternatives must run as root (through sudo when not root).
  bool needs_root() const;

 private:
  std::vector<std::string> command(std::vector<std::string> arguments) const;
  Settings settings_;
};

class AlternativesActionType : public ActionType {
 public:
  std::string_view key() const override { return "alternatives"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node& config) const override;
};

class LdconfigAction : public Action {
 public:
  bool restorable() const override { return false; }
  LdconfigAction(std::vector<std::string> paths, std::filesystem::path file)
      : paths_(std::move(paths)), file_(std::move(file)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;

 private:
  std::string content() const;
  std::vector<std::string> paths_;
  std::filesystem::path file_;
};

class LdconfigActionType : public ActionType {
 public:
  std::string_view key() const override { return "ldconfig"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node&) const override { return "ldconfig"; }
};

}  // namespace ssdbuild
