#pragma once
// `extract: {archive, dest, strip_components, overwrite}`: tar (gz, bz2, xz, zst) and zip,
// through libarchive. The archive goes into a temporary folder beside `dest`, which is
// renamed into place only when every entry came out, so `dest` is never half-extracted.
// Entries with absolute paths, `..`, or links that point outside `dest` are refused by
// name. A marker file in `dest` (the archive's SHA-256 and the strip count) tells a later
// run that this extraction is already there.
#include <filesystem>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class ExtractAction : public Action {
 public:
  ExtractAction(std::filesystem::path archive, std::filesystem::path dest, int strip,
                bool overwrite)
      : archive_(std::move(archive)),
        dest_(std::move(dest)),
        strip_(strip),
        overwrite_(overwrite) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;
  std::vector<std::string> shell_helpers() const override;
  bool one_helper_call() const override { return true; }
  std::vector<std::string> created_paths() const override { return {dest_.string()}; }
  KeyValueList outputs() const override { return {{"path", dest_.string()}}; }

  static constexpr const char* kMarker = ".ssdbuild-extracted";

 private:
  std::filesystem::path temporary() const;

  std::filesystem::path archive_;
  std::filesystem::path dest_;
  int strip_;
  bool overwrite_;
};

class ExtractActionType : public ActionType {
 public:
  std::string_view key() const override { return "extract"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::vector<std::string> output_names() const override { return {"path"}; }
  std::string derive_name(const YAML::Node& config) const override;
};

/// Extracts `archive` into the existing folder `into`, dropping `strip` leading path
/// components; throws Error naming the entry for an unsafe one. Returns the entry count.
size_t extract_archive(const std::filesystem::path& archive, const std::filesystem::path& into,
                       int strip);

}  // namespace ssdbuild
