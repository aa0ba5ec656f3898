#include "ssdbuild/actions/fetch_action.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "ssdbuild/actions/extract_action.hpp"
#include "ssdbuild/actions/io_module.hpp"
#include "ssdbuild/exec/signals.hpp"
#include "ssdbuild/util/duration.hpp"
#include "ssdbuild/util/environment_settings.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kAttemptsPerMirror = 5;

std::chrono::milliseconds backoff_base() {
  auto text = setting_value(EnvironmentSetting::fetch_backoff_ms);
  return std::chrono::milliseconds(text ? std::atol(text->c_str()) : 1000);
}

}  // namespace

std::string url_file_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  std::string name = path.substr(path.find_last_of('/') + 1);
  std::string safe;
  for (char c : name) {
    safe +=
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '_';
  }
  return safe.empty() ? "download" : safe;
}

std::string FetchAction::fingerprint_text() const {
  std::string text = "fetch\n";
  for (const auto& url : settings_.urls) text += url + "\n";
  text += std::to_string(static_cast<int>(settings_.verify)) + " " + settings_.sha256 + "\n" +
          settings_.dest.string();
  return text;
}

std::vector<std::string> FetchAction::plan_notes() const {
  std::vector<std::string> notes;
  if (settings_.verify == Verify::skip) {
    notes.push_back("fetch: warning: sha256: skip, the download is not verified");
  } else if (settings_.verify == Verify::first_use) {
    notes.push_back(settings_.sha256.empty()
                        ? "fetch: sha256: first-use, nothing pinned yet: the first download's "
                          "hash will be pinned"
                        : "fetch: sha256: first-use, pinned to " + settings_.sha256);
  }
  std::error_code error;
  if (fs::exists(settings_.dest, error)) {
    notes.push_back("fetch: " + settings_.dest.string() + " exists");
  } else {
    notes.push_back("fetch: will download to " + settings_.dest.string());
  }
  return notes;
}

// The plan's side of the step: shell/fetch.sh, with curl.
std::string FetchAction::shell_commands() const {
  std::string text = "ssdbuild_fetch " + shell_quote(settings_.dest.string()) + " " +
                     (settings_.sha256.empty() ? "-" : settings_.sha256);
  for (const auto& url : settings_.urls) text += " " + shell_quote(url);
  return text + "\n";
}

ActionOutcome FetchAction::execute(const StepContext& context) const {
  std::string expected = settings_.sha256;
  const std::string& primary = settings_.urls.front();
  if (settings_.verify == Verify::first_use && context.pins && context.pins->contains(primary)) {
    expected = (*context.pins)[primary].get<std::string>();  // pinned since planning
  }
  if (settings_.verify == Verify::skip) {
    context.say("fetch: warning: sha256: skip: " + settings_.dest.filename().string() +
                " is not verified; pin it with its sha256");
  }
  std::error_code error;
  if (fs::exists(settings_.dest, error)) {
    if (settings_.verify == Verify::skip) {
      context.say("fetch: " + settings_.dest.string() + " exists (not verified)");
      return ActionOutcome::succeeded();
    }
    std::string actual = file_sha256(settings_.dest);
    if (expected.empty() || actual == expected) {
      context.say("fetch: " + settings_.dest.string() + " is already downloaded (sha256 " +
                  actual.substr(0, 16) + "...)");
      if (expected.empty() && context.pins) (*context.pins)[primary] = actual;
      if (context.details) (*context.details)["sha256"] = actual;
      return ActionOutcome::succeeded();
    }
    context.say("fetch: " + settings_.dest.string() + " has other content (sha256 " + actual +
                "); downloading again");
    fs::remove(settings_.dest, error);
  }
  fs::create_directories(settings_.dest.parent_path(), error);
  fs::path part = settings_.dest;
  part += ".part";
  std::string failures;
  for (const auto& url : settings_.urls) {
    DownloadAttempt attempt;
    for (int tries = 0; tries < kAttemptsPerMirror; ++tries) {
      attempt = io_module().download(url, part, context);
      if (attempt.result != DownloadResult::transient) break;
      auto wait = backoff_base() * (1 << tries);
      context.say("fetch: " + attempt.message + "; retrying in " + format_duration(wait));
      if (context.signals && !context.signals->sleep_unless_signalled(wait.count())) {
        attempt.result = DownloadResult::stopped;
        break;
      }
    }
    if (attempt.result == DownloadResult::stopped) {
      ActionOutcome outcome = ActionOutcome::failed(
          "fetch: stopped; the .part is kept and "
          "resumes on the next run");
      if (context.signals && context.signals->received()) {
        outcome.process.interrupted_by = context.signals->received();
      } else {
        outcome.process.timed_out = true;
      }
      return outcome;
    }
    if (attempt.result != DownloadResult::done) {
      failures += "\n    " + url + ": " + attempt.message;
      continue;
    }
    if (!expected.empty() && attempt.sha256 != expected) {
      fs::remove(part, error);
      failures +=
          "\n    " + url + ": checksum mismatch: expected " + expected + ", got " + attempt.sha256;
      continue;
    }
    fs::rename(part, settings_.dest, error);
    if (error) {
      return ActionOutcome::failed("fetch: cannot move " + part.string() +
                                   " into place: " + error.message());
    }
    if (settings_.verify == Verify::first_use && expected.empty()) {
      if (context.pins) (*context.pins)[primary] = attempt.sha256;
      context.say("fetch: first use: pinned sha256 " + attempt.sha256 +
                  "; later downloads must match it");
    }
    if (context.details) {
      (*context.details)["sha256"] = attempt.sha256;
      (*context.details)["url"] = url;
    }
    context.say("fetch: " + settings_.dest.string() + " (sha256 " + attempt.sha256 + ")");
    return ActionOutcome::succeeded();
  }
  return ActionOutcome::failed("fetch: no URL gave " + settings_.dest.filename().string() + ":" +
                               failures);
}

std::unique_ptr<Action> FetchActionType::parse(const YAML::Node& config,
                                               const ConfigReader& reader) const {
  reader.expect_map(config, "`fetch`", {"url", "urls", "sha256", "dest"}, {"sha256"});
  FetchAction::Settings settings;
  if (config["url"] && config["urls"])
    reader.fail(config, "`fetch` takes `url` or `urls`, not both");
  if (config["url"]) settings.urls.push_back(reader.string(config["url"], "`url`"));
  if (config["urls"]) settings.urls = reader.strings(config["urls"], "`urls`");
  if (settings.urls.empty()) reader.fail(config, "`fetch` needs `url` or `urls`");
  std::string sha = reader.string(config["sha256"], "`sha256`");
  for (auto& c : sha) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (sha == "first-use") {
    settings.verify = FetchAction::Verify::first_use;
    const nlohmann::json* pins = reader.settings().pins;
    if (pins && pins->contains(settings.urls.front())) {
      settings.sha256 = (*pins)[settings.urls.front()].get<std::string>();
    }
  } else if (sha == "skip") {
    settings.verify = FetchAction::Verify::skip;
  } else if (std::regex_match(sha, std::regex("[0-9a-f]{64}"))) {
    settings.sha256 = sha;
  } else if (!(reader.settings().validating && sha.find("${") != std::string::npos)) {
    reader.fail(config["sha256"],
                "`sha256` must be 64 hex digits, `first-use` (pin the first "
                "download) or `skip`, not `" +
                    sha + "`");
  }
  std::string key = settings.verify == FetchAction::Verify::sha256
                        ? settings.sha256.substr(0, 16)
                        : "url-" + sha256_hex(settings.urls.front()).substr(0, 16);
  settings.dest = config["dest"] ? reader.path(config["dest"], "`dest`")
                                 : reader.settings().state_folder / "downloads" /
                                       (key + "-" + url_file_name(settings.urls.front()));
  return std::make_unique<FetchAction>(std::move(settings));
}

std::string FetchActionType::derive_name(const YAML::Node& config) const {
  if (config.IsMap()) {
    YAML::Node url =
        config["url"]
            ? config["url"]
            : (config["urls"] && config["urls"].IsSequence() ? config["urls"][0] : YAML::Node());
    if (url && url.IsScalar()) return "fetch-" + slug_from_text(url_file_name(url.Scalar()), 26);
  }
  return "fetch";
}

}  // namespace ssdbuild
