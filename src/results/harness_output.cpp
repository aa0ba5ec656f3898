#include "ssdbuild/results/harness_output.hpp"

#include <cmath>

#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

bool HarnessOutput::add_line(std::string_view line) {
  std::string_view text = trim(line);
  if (!starts_with(text, "{\"type\"")) return false;
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded() || !value.is_object() || !value["type"].is_string()) {
    throw Error("the " + device + " harness printed a malformed line: " + std::string(text));
  }
  const std::string type = value["type"];
  if (type == "header") {
    header = value;
    header.erase("type");
  } else if (type == "pass") {
    if (!value.contains("ms") || !value["ms"].is_number() || !(value["ms"].get<double>() > 0) ||
        !std::isfinite(value["ms"].get<double>())) {
      throw Error("the " + device +
                  " harness printed a pass without a positive \"ms\": " + std::string(text));
    }
    times_ms.push_back(value["ms"].get<double>());
  } else if (type == "detection") {
    value.erase("type");
    detections.push_back(value);
  } else if (type == "compare") {
    if (!value["blob"].is_string() || !value["ok"].is_boolean() ||
        !value["max_abs_diff"].is_number() || !value["relative"].is_number()) {
      throw Error("the " + device +
                  " harness printed a compare line without blob, max_abs_diff, relative and "
                  "ok: " +
                  std::string(text));
    }
    value.erase("type");
    comparisons.push_back(value);
  } else if (type == "skip") {
    skip_reason = value.value("reason", std::string("the harness gave no reason"));
  } else {
    return false;  // a newer harness's line: ignored, like any other output
  }
  return true;
}

std::string HarnessOutput::problem() const {
  if (header.empty()) return "no header line";
  if (times_ms.empty()) return "no pass line";
  if (header.contains("iterations") && header["iterations"].is_number_integer() &&
      header["iterations"].get<long long>() != static_cast<long long>(times_ms.size())) {
    return std::to_string(times_ms.size()) + " passes of the " +
           std::to_string(header["iterations"].get<long long>()) + " announced";
  }
  return "";
}

}  // namespace ssdbuild
