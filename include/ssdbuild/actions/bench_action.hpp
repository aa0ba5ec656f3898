#pragma once
// `bench: {harness, model, weights, devices, warmup, iterations, batch, ...}`: runs a
// benchmark harness (recipes/mobilenet_ssd_bench.cpp's protocol) once per device, one
// process each, and records the figures: median, mean, standard deviation, p10, p90, min and
// images/s per device, and the GPU speed-up with a bootstrap 95 % interval, written to
// <state>/results/bench-<UTC time>.json with an SVG chart beside it. A GPU that cannot run
// here (the harness exits 77) is reported as skipped, unless `require_gpu: true`. Missing
// weights mean random weights, and every table, file and chart says so. With
// `save_outputs: DIR` each device's output blobs are kept in DIR/<device>.outputs; with
// `compare_with: DIR` they are compared with another build's (the harness's --compare-with),
// the comparison goes into the record, and a difference beyond the tolerance fails the step.
#include <filesystem>
#include <string>
#include <vector>

#include "ssdbuild/actions/action.hpp"

namespace ssdbuild {

class BenchAction : public Action {
 public:
  struct Settings {
    std::filesystem::path harness, model, weights, image, results, save_outputs, compare_with;
    std::string variant = "stock";  // the build's caffe_variant, for the record
    std::vector<std::string> devices{"cpu", "gpu"};
    int warmup = 5, iterations = 50, batch = 1, seed = 1, device_id = 0;
    bool require_gpu = false;
    std::string recipe, step;  // for the record `plan`'s commands make
  };
  explicit BenchAction(Settings settings) : settings_(std::move(settings)) {}
  std::string fingerprint_text() const override;
  std::string shell_commands() const override;
  ActionOutcome execute(const StepContext& context) const override;
  std::vector<std::string> plan_notes() const override;
  /// $ssdbuild, for `record-bench`: a plan run by hand needs no ssdbuild on PATH.
  std::vector<std::string> shell_helpers() const override { return {"ssdbuild"}; }

  /// The harness's command line for one device; with `with_weights`, the weights (and the
  /// sample image, for the first device) when the weights file exists now.
  std::vector<std::string> harness_argv(const std::string& device, bool with_weights = true) const;

  /// DIR/<device>.outputs: where a device's output blobs are saved or compared.
  static std::filesystem::path outputs_file(const std::filesystem::path& folder,
                                            const std::string& device);

 private:
  bool have_weights() const;
  /// What to say when `device` ran and its reference outputs are missing; "" when present.
  std::string missing_reference(const std::string& device) const;
  Settings settings_;
};

class BenchActionType : public ActionType {
 public:
  std::string_view key() const override { return "bench"; }
  std::unique_ptr<Action> parse(const YAML::Node& config,
                                const ConfigReader& reader) const override;
  std::string derive_name(const YAML::Node&) const override { return "bench"; }
};

}  // namespace ssdbuild
