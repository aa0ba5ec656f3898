#include "ssdbuild/actions/bench_action.hpp"

#include <algorithm>
#include <sstream>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/results/bench_record.hpp"
#include "ssdbuild/results/report_format.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// Passes every line on to the step's output and keeps the harness's own lines.
class HarnessSink : public LineSink {
 public:
  HarnessSink(LineSink& output, HarnessOutput& harness) : output_(output), harness_(harness) {}
  void on_line(std::string_view line) override {
    output_.on_line(line);
    try {
      harness_.add_line(line);
    } catch (const Error& problem) {
      if (protocol_error_.empty()) protocol_error_ = problem.what();
    }
  }
  void on_tick(std::chrono::steady_clock::time_point now) override { output_.on_tick(now); }
  const std::string& protocol_error() const { return protocol_error_; }

 private:
  LineSink& output_;
  HarnessOutput& harness_;
  std::string protocol_error_;
};

}  // namespace

bool BenchAction::have_weights() const {
  std::error_code error;
  return !settings_.weights.empty() && fs::is_regular_file(settings_.weights, error);
}

std::vector<std::string> BenchAction::harness_argv(const std::string& device,
                                                   bool with_weights) const {
  std::vector<std::string> argv = {settings_.harness.string(),
                                   "--model",
                                   settings_.model.string(),
                                   "--device",
                                   device,
                                   "--device-id",
                                   std::to_string(settings_.device_id),
                                   "--warmup",
                                   std::to_string(settings_.warmup),
                                   "--iterations",
                                   std::to_string(settings_.iterations),
                                   "--batch",
                                   std::to_string(settings_.batch),
                                   "--seed",
                                   std::to_string(settings_.seed)};
  if (!settings_.save_outputs.empty())
    argv.insert(argv.end(),
                {"--save-outputs", outputs_file(settings_.save_outputs, device).string()});
  if (!settings_.compare_with.empty())
    argv.insert(argv.end(),
                {"--compare-with", outputs_file(settings_.compare_with, device).string()});
  if (with_weights && have_weights()) {
    argv.insert(argv.end(), {"--weights", settings_.weights.string()});
    // One detection on the sample image, once, with the CPU run: it shows the weights work.
    if (!settings_.image.empty() && device == settings_.devices.front())
      argv.insert(argv.end(), {"--image", settings_.image.string()});
  }
  return argv;
}

fs::path BenchAction::outputs_file(const fs::path& folder, const std::string& device) {
  return folder / (device + ".outputs");
}

std::string BenchAction::fingerprint_text() const {
  std::string text = "bench\n" + settings_.harness.string() + "\n" + settings_.model.string() +
                     "\n" + settings_.weights.string() + "\n" + settings_.image.string() + "\n" +
                     settings_.results.string() + "\n";
  // Only when set, so that the fingerprints of existing bench steps stay as they were.
  if (settings_.variant != "stock" || !settings_.save_outputs.empty() ||
      !settings_.compare_with.empty())
    text += settings_.variant + "\n" + settings_.save_outputs.string() + "\n" +
            settings_.compare_with.string() + "\n";
  for (const auto& device : settings_.devices) text += device + ",";
  text +=
      fmt::format("\n{} {} {} {} {} {}", settings_.warmup, settings_.iterations, settings_.batch,
                  settings_.seed, settings_.device_id, settings_.require_gpu ? 1 : 0);
  return text;
}

std::vector<std::string> BenchAction::plan_notes() const {
  std::string weights =
      have_weights() ? "trained weights " + settings_.weights.string()
      : settings_.weights.empty()
          ? "random weights (no `weights` given)"
          : "random weights unless " + settings_.weights.string() + " exists by then";
  std::vector<std::string> notes = {fmt::format(
      "bench: {} on {}; {} warm-up and {} timed passes, batch {}; {}; {} build",
      settings_.model.filename().string(), shell_words(settings_.devices), settings_.warmup,
      settings_.iterations, settings_.batch, weights, settings_.variant)};
  if (!settings_.compare_with.empty())
    notes.push_back("bench: outputs compared with " + settings_.compare_with.string());
  return notes;
}

// By hand: each device's harness output into a file (exit 77: the device cannot run
// here), then `"$ssdbuild" record-bench` computes and writes the same record the step does.
// Whether the weights are there is decided when the script runs, as the step decides when
// it runs: an earlier step of the same script may download them.
std::string BenchAction::shell_commands() const {
  std::string commands = "raw=$(mktemp -d)\nweights=()\n";
  if (!settings_.save_outputs.empty())
    commands += "mkdir -p " + shell_quote(settings_.save_outputs.string()) + "\n";
  if (!settings_.weights.empty()) {
    std::string file = shell_quote(settings_.weights.string());
    commands += "if [ -f " + file + " ]; then weights=(--weights " + file + "); fi\n";
  }
  std::string record =
      "\"$ssdbuild\" record-bench --results " + shell_quote(settings_.results.string()) +
      " --model " + shell_quote(settings_.model.string()) + " --batch " +
      std::to_string(settings_.batch) + " --warmup " + std::to_string(settings_.warmup) +
      " --iterations " + std::to_string(settings_.iterations);
  if (settings_.require_gpu) record += " --require-gpu";
  if (settings_.variant != "stock") record += " --variant " + shell_quote(settings_.variant);
  record += " --recipe " + shell_quote(settings_.recipe) + " --step " + shell_quote(settings_.step);
  for (const auto& device : settings_.devices) {
    std::string file = "\"$raw/" + device + ".out\"";
    std::string extra = "\"${weights[@]}\"";
    if (!settings_.image.empty() && device == settings_.devices.front()) {
      extra += " ${weights[@]:+--image " + shell_quote(settings_.image.string()) + "}";
    }
    commands += "status=0; " + shell_words(harness_argv(device, false)) + " " + extra + " | tee " +
                file + " || status=$?\n";
    commands += "[ \"$status\" -eq 0 ] || [ \"$status\" -eq " + std::to_string(kHarnessSkipExit) +
                " ] || exit \"$status\"\n";
    record += " " + device + "=" + file;
  }
  return commands + record + " \"${weights[@]}\"\nrm -rf \"$raw\"\n";
}

// Why a device's harness failed when the reference build left no outputs for it. Only a
// device that runs needs them: a CPU-only reference has none for the GPU, and a GPU run
// skipped here compares nothing (the harness checks the file once its device runs).
std::string BenchAction::missing_reference(const std::string& device) const {
  if (settings_.compare_with.empty()) return "";
  fs::path reference = outputs_file(settings_.compare_with, device);
  std::error_code error;
  if (fs::is_regular_file(reference, error)) return "";
  return "bench: no reference outputs " + reference.string() + " to compare the " + device +
         " run with: run the reference build's bench step first (it keeps its outputs in its "
         "save_outputs folder), or leave compare_with empty";
}

ActionOutcome BenchAction::execute(const StepContext& context) const {
  if (!settings_.save_outputs.empty()) {
    std::error_code error;
    fs::create_directories(settings_.save_outputs, error);
    if (error)
      return ActionOutcome::failed("bench: cannot create " + settings_.save_outputs.string() +
                                   ": " + error.message());
  }
  std::vector<HarnessOutput> outputs;
  for (const auto& device : settings_.devices) {
    HarnessOutput harness;
    harness.device = device;
    HarnessSink sink(*context.output, harness);
    ProcessOptions options;
    options.argv = harness_argv(device);
    options.cwd = context.cwd;
    options.extra_env = context.env;
    options.deadline = context.deadline;
    options.kill_grace = context.kill_grace;
    context.say("bench: " + device + ": " + shell_words(options.argv));
    ProcessResult result = run_process(options, sink, context.signals);
    if (result.interrupted_by != 0 || result.timed_out || !result.started) {
      ActionOutcome outcome;
      outcome.process = result;
      outcome.message = "bench: the " + device + " harness " + result.describe();
      return outcome;
    }
    if (!sink.protocol_error().empty())
      return ActionOutcome::failed("bench: " + sink.protocol_error());
    if (result.exit_code == kHarnessSkipExit && harness.skip_reason) {
      context.say_result("bench: " + device + " skipped: " + *harness.skip_reason);
    } else if (result.exit_code != 0) {
      if (std::string missing = missing_reference(device); !missing.empty())
        return ActionOutcome::failed(missing);
      return ActionOutcome::failed("bench: the " + device + " harness ended with " +
                                   result.describe() + " (its output is in the log above)");
    } else if (std::string problem = harness.problem(); !problem.empty()) {
      return ActionOutcome::failed("bench: the " + device + " harness's output has " + problem +
                                   ": is " + settings_.harness.string() + " a benchmark harness?");
    }
    outputs.push_back(std::move(harness));
  }

  BenchSettings settings;
  settings.recipe = context.recipe_name;
  settings.step = context.step_id;
  settings.fingerprint = context.fingerprint;
  settings.model = settings_.model.string();
  settings.weights_file = have_weights() ? settings_.weights.string() : "";
  settings.variant = settings_.variant;
  settings.batch = settings_.batch;
  settings.warmup = settings_.warmup;
  settings.iterations = settings_.iterations;
  settings.time = std::chrono::system_clock::now();
  try {
    BenchRun run = record_bench_run(settings, outputs, settings_.results, settings_.require_gpu);
    for (const auto& line : split_lines(format_bench_table(run.record))) context.say_result(line);
    context.say_result("bench: results " + run.files.json.string() + ", chart " +
                       run.files.svg.string());
    if (context.details) (*context.details)["results"] = run.files.json.string();
    if (!run.failure.empty()) return ActionOutcome::failed("bench: " + run.failure);
  } catch (const std::exception& problem) {
    return ActionOutcome::failed("bench: " + std::string(problem.what()));
  }
  return ActionOutcome::succeeded();
}

std::unique_ptr<Action> BenchActionType::parse(const YAML::Node& config,
                                               const ConfigReader& reader) const {
  reader.expect_map(
      config, "`bench`",
      {"harness", "model", "weights", "image", "devices", "warmup", "iterations", "batch", "seed",
       "device_id", "require_gpu", "results", "variant", "save_outputs", "compare_with"},
      {"harness", "model"});
  BenchAction::Settings settings;
  settings.harness = reader.path(config["harness"], "`harness`");
  settings.model = reader.path(config["model"], "`model`");
  if (config["weights"] && !reader.string(config["weights"], "`weights`").empty())
    settings.weights = reader.path(config["weights"], "`weights`");
  if (config["image"]) settings.image = reader.path(config["image"], "`image`");
  if (config["variant"]) {
    settings.variant = reader.string(config["variant"], "`variant`");
    bool unresolved = settings.variant.find("${") != std::string::npos;  // validation: a var
    if (settings.variant != "stock" && settings.variant != "fast" && !unresolved)
      reader.fail(config["variant"], "`variant` is stock or fast, not `" + settings.variant + "`" +
                                         did_you_mean(settings.variant, {"stock", "fast"}));
  }
  for (auto [key, field] : {std::pair{"save_outputs", &settings.save_outputs},
                            std::pair{"compare_with", &settings.compare_with}}) {
    if (config[key] && !reader.string(config[key], std::string("`") + key + "`").empty())
      *field = reader.path(config[key], std::string("`") + key + "`");
  }
  if (config["devices"]) {
    // A list, or words in one string ("cpu gpu"), so that a var can hold them.
    settings.devices.clear();
    for (const auto& item : reader.strings(config["devices"], "`devices`")) {
      std::istringstream words(item);
      for (std::string word; words >> word;) settings.devices.push_back(word);
    }
    if (settings.devices.empty())
      reader.fail(config["devices"], "`devices` is empty: name cpu, gpu or both");
    for (size_t i = 0; i < settings.devices.size(); ++i) {
      const std::string& device = settings.devices[i];
      bool unresolved = device.find("${") != std::string::npos;  // validation: a var
      if (device != "cpu" && device != "gpu" && !unresolved)
        reader.fail(config["devices"], "`devices` takes cpu and gpu, not `" + device + "`" +
                                           did_you_mean(device, {"cpu", "gpu"}));
      if (std::count(settings.devices.begin(), settings.devices.end(), device) > 1)
        reader.fail(config["devices"], "`devices` names " + device + " twice");
    }
  }
  auto count = [&](const char* key, int low, int& value) {
    if (!config[key]) return;
    long long parsed = reader.integer(config[key], std::string("`") + key + "`");
    bool unresolved =
        config[key].IsScalar() && config[key].Scalar().find("${") != std::string::npos;
    if (reader.settings().validating && unresolved) return;  // checked when planned
    if (parsed < low || parsed > 1000000)
      reader.fail(config[key], fmt::format("`{}` must be between {} and 1000000", key, low));
    value = static_cast<int>(parsed);
  };
  count("warmup", 0, settings.warmup);
  count("iterations", 1, settings.iterations);
  count("batch", 1, settings.batch);
  count("seed", 0, settings.seed);
  count("device_id", 0, settings.device_id);
  if (config["require_gpu"])
    settings.require_gpu = reader.boolean(config["require_gpu"], "`require_gpu`");
  if (settings.require_gpu &&
      std::find(settings.devices.begin(), settings.devices.end(), "gpu") == settings.devices.end())
    reader.fail(config["require_gpu"], "`require_gpu: true` but `devices` has no gpu");
  settings.results = config["results"] ? reader.path(config["results"], "`results`")
                                       : reader.settings().state_folder / "results";
  settings.recipe = reader.settings().recipe_name;
  settings.step = reader.settings().step_id;
  return std::make_unique<BenchAction>(std::move(settings));
}

}  // namespace ssdbuild
