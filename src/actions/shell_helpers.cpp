#include "ssdbuild/actions/shell_helpers.hpp"

#include <algorithm>
#include <stdexcept>

#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {
namespace {

// Definitions come in this order, so that a helper finds what it uses defined before it.
const std::vector<std::string> kOrder = {"ssdbuild", "unzip.py", "step_checks.sh",
                                         "copy.sh",  "fetch.sh", "extract.sh",
                                         "git.sh",   "apt.sh",   "apt_sources.sh"};

std::string_view helper_text(const std::string& name) {
  for (const auto& helper : embedded_shell_helpers()) {
    if (helper.name == name) return helper.text;
  }
  throw std::logic_error("no shell helper " + name);
}

std::string definition(const std::string& name) {
  if (name == "ssdbuild") return "ssdbuild=" + shell_quote(ssdbuild_executable()) + "\n";
  std::string text(helper_text(name));
  if (name == "unzip.py") {
    // A quoted heredoc (nothing expanded) whose delimiter no line of the program can be.
    std::string delimiter = "SSDBUILD_" + sha256_hex(text).substr(0, 16);
    return "ssdbuild_unzip_py=$(cat <<'" + delimiter + "'\n" + text + delimiter + "\n)\n";
  }
  // A plan is read for its steps: each function keeps the comment that says how it is called,
  // while the file's header, the comments inside functions and shellcheck's directives stay
  // in the file (src/actions/shell/), which the plan's helpers header names.
  std::string kept;
  bool in_header = true;
  for (const auto& line : split_lines(text)) {
    bool comment = starts_with(trim(line), "#");
    if (in_header && (comment || line.empty())) {
      in_header = !line.empty();
      continue;
    }
    in_header = false;
    if (comment && (!starts_with(line, "#") || starts_with(line, "# shellcheck "))) continue;
    kept += line + "\n";
  }
  return kept + "\n";
}

}  // namespace

std::string shell_helper_definitions(const std::vector<std::string>& names) {
  std::vector<std::string> wanted = names;
  // What the helpers themselves use (extract.sh uses unzip.py for zip archives only: the
  // action asks for it).
  auto uses = [&](const std::string& name) {
    return std::find(wanted.begin(), wanted.end(), name) != wanted.end();
  };
  if (uses("copy.sh")) wanted.push_back("ssdbuild");
  std::string text;
  for (const auto& name : kOrder) {
    if (uses(name)) text += definition(name);
  }
  for (const auto& name : wanted) {
    if (std::find(kOrder.begin(), kOrder.end(), name) == kOrder.end()) {
      throw std::logic_error("no shell helper " + name);
    }
  }
  return text;
}

}  // namespace ssdbuild
