#include "ssdbuild/actions/extract_action.hpp"

#include <fstream>
#include <memory>

#include "ssdbuild/actions/io_module.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

size_t extract_archive(const fs::path& archive, const fs::path& into, int strip) {
  return io_module().extract_archive(archive, into, strip);
}

fs::path ExtractAction::temporary() const {
  fs::path path = dest_;
  path += ".ssdbuild-tmp";
  return path;
}

std::string ExtractAction::fingerprint_text() const {
  return "extract\n" + archive_.string() + "\n" + dest_.string() + "\n" + std::to_string(strip_) +
         "\n" + (overwrite_ ? "overwrite" : "");
}

// The plan's side of the step: shell/extract.sh, with GNU tar (and unzip.py for a zip).
std::string ExtractAction::shell_commands() const {
  return std::string("ssdbuild_extract ") + (overwrite_ ? "--overwrite " : "") +
         shell_quote(archive_.string()) + " " + shell_quote(dest_.string()) + " " +
         std::to_string(strip_) + "\n";
}

std::vector<std::string> ExtractAction::shell_helpers() const {
  if (ends_with(archive_.string(), ".zip")) return {"extract.sh", "unzip.py"};
  return {"extract.sh"};
}

std::vector<std::string> ExtractAction::plan_notes() const {
  std::error_code error;
  if (!fs::exists(dest_, error)) return {"extract: will create " + dest_.string()};
  if (!fs::exists(dest_ / kMarker, error)) {
    return {overwrite_ ? "extract: will replace " + dest_.string()
                       : "extract: conflict: " + dest_.string() + " exists and is not ours"};
  }
  return {"extract: " + dest_.string() + " holds an extraction (replaced if the archive changed)"};
}

ActionOutcome ExtractAction::execute(const StepContext& context) const {
  std::error_code error;
  if (!fs::exists(archive_, error)) {
    return ActionOutcome::failed("extract: the archive " + archive_.string() +
                                 " does not exist (did the fetch step run?)");
  }
  std::string marker = file_sha256(archive_) + " strip=" + std::to_string(strip_);
  fs::path marker_file = dest_ / kMarker;
  if (fs::exists(marker_file, error)) {
    std::string current(trim(read_file(marker_file)));
    if (current == marker) {
      context.say("extract: " + dest_.string() + " already holds this archive");
      return ActionOutcome::succeeded();
    }
  } else if (fs::exists(dest_, error) && !overwrite_) {
    return ActionOutcome::failed("extract: " + dest_.string() +
                                 " exists and was not extracted by ssdbuild; move it away or "
                                 "set `overwrite: true`");
  }
  fs::remove_all(temporary(), error);
  fs::create_directories(temporary(), error);
  if (error) {
    return ActionOutcome::failed("extract: cannot create " + temporary().string() + ": " +
                                 error.message());
  }
  size_t entries = 0;
  try {
    context.say("extract: " + archive_.string() + " -> " + dest_.string());
    entries = extract_archive(archive_, temporary(), strip_);
    write_file_atomically(temporary() / kMarker, marker + "\n");
  } catch (const Error& problem) {
    fs::remove_all(temporary(), error);
    return ActionOutcome::failed("extract: " + std::string(problem.what()) +
                                 "; nothing was extracted into " + dest_.string());
  }
  fs::remove_all(dest_, error);
  fs::create_directories(dest_.parent_path(), error);
  fs::rename(temporary(), dest_, error);
  if (error) {
    return ActionOutcome::failed("extract: cannot move " + temporary().string() + " to " +
                                 dest_.string() + ": " + error.message());
  }
  context.say("extract: " + std::to_string(entries) + " entries");
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> ExtractActionType::parse(const YAML::Node& config,
                                                 const ConfigReader& reader) const {
  reader.expect_map(config, "`extract`", {"archive", "dest", "strip_components", "overwrite"},
                    {"archive", "dest"});
  int strip = 0;
  if (config["strip_components"]) {
    long long value = reader.integer(config["strip_components"], "`strip_components`");
    if (value < 0 || value > 16) {
      reader.fail(config["strip_components"], "`strip_components` must be from 0 to 16");
    }
    strip = static_cast<int>(value);
  }
  bool overwrite = config["overwrite"] ? reader.boolean(config["overwrite"], "`overwrite`") : false;
  return std::make_unique<ExtractAction>(reader.path(config["archive"], "`archive`"),
                                         reader.path(config["dest"], "`dest`"), strip, overwrite);
}

std::string ExtractActionType::derive_name(const YAML::Node& config) const {
  return name_from_path("extract", config, "dest");
}

}  // namespace ssdbuild
