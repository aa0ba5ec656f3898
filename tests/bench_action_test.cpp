// The `bench` action end to end through the real ssdbuild binary, with
// tests/fixtures/bench/stand_in_harness.py in place of the MobileNet-SSD harness: it speaks
// the harness protocol with made-up times, so these tests check the plumbing (runs per
// device, GPU skip, require_gpu, the record against its schema, the chart, `report`,
// `plan | bash`), not Caffe.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/results/bench_record.hpp"
#include "ssdbuild/results/statistics.hpp"
#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

namespace fs = std::filesystem;

const std::string kStandIn = std::string(SSDBUILD_TEST_DIR) + "/fixtures/bench/stand_in_harness.py";
const std::string kSchema = std::string(SSDBUILD_TEST_DIR) + "/../docs/bench-results.schema.json";

class BenchAction : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "model.prototxt", "name: \"stand-in\"\n");
    write_recipe("");
  }

  // A recipe with one bench step; `extra` adds lines to its `bench:` map.
  void write_recipe(const std::string& extra, const std::string& devices = "[cpu, gpu]") {
    write_text(dir_ / "recipe.yaml",
               "name: bench-test\nstages:\n  - name: bench\n    steps:\n"
               "      - name: run\n        bench:\n          harness: " +
                   kStandIn + "\n          model: " + (dir_ / "model.prototxt").string() +
                   "\n          devices: " + devices +
                   "\n          warmup: 2\n          iterations: 12\n" + extra);
  }

  CommandResult run(std::vector<std::pair<std::string, std::string>> env = {},
                    std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {"run", "recipe.yaml", "--state-dir", state().string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_ssdbuild(arguments, dir_.path(), std::move(env));
  }

  fs::path state() const { return dir_ / "state"; }

  std::vector<fs::path> records() const { return list_bench_records(state() / "results"); }

  nlohmann::json only_record() const {
    auto files = records();
    EXPECT_EQ(files.size(), 1u);
    return files.empty() ? nlohmann::json() : nlohmann::json::parse(read_text(files.back()));
  }

  // The record file against docs/bench-results.schema.json, with Debian's python3-jsonschema.
  void expect_valid_against_schema(const fs::path& record) {
    auto result = run_shell(
        "/usr/bin/python3 -c 'import json, sys, jsonschema; "
        "jsonschema.Draft7Validator(json.load(open(sys.argv[1])))"
        ".validate(json.load(open(sys.argv[2]))); print(\"valid\")' " +
            shell_quote(kSchema) + " " + shell_quote(record.string()),
        dir_.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_THAT(result.output, HasSubstr("valid"));
  }

  TempDir dir_;
};

TEST_F(BenchAction, TimesEachDeviceAndRecordsFiguresSpeedupAndEnvironment) {
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json record = only_record();
  expect_valid_against_schema(records().back());
  EXPECT_EQ(record["schema"], kBenchSchema);
  EXPECT_EQ(record["recipe"], "bench-test");
  EXPECT_EQ(record["step"], "bench/run");
  EXPECT_FALSE(record["fingerprint"].get<std::string>().empty());
  EXPECT_EQ(record["weights"], "random");
  for (const char* device : {"cpu", "gpu"}) {
    const auto& entry = record["devices"][device];
    ASSERT_EQ(entry["status"], "ok") << device;
    auto times = entry["times_ms"].get<std::vector<double>>();
    ASSERT_EQ(times.size(), 12u);
    // The figures are those of the raw times kept beside them.
    Summary expected = summarize(times);
    EXPECT_DOUBLE_EQ(entry["summary"]["median_ms"].get<double>(), expected.median);
    EXPECT_DOUBLE_EQ(entry["summary"]["p90_ms"].get<double>(), expected.p90);
    EXPECT_DOUBLE_EQ(entry["summary"]["images_per_s"].get<double>(), 1000.0 / expected.median);
  }
  double cpu = record["devices"]["cpu"]["summary"]["median_ms"];
  double gpu = record["devices"]["gpu"]["summary"]["median_ms"];
  ASSERT_TRUE(record["speedup"].is_object());
  EXPECT_DOUBLE_EQ(record["speedup"]["median_ratio"].get<double>(), cpu / gpu);
  EXPECT_LE(record["speedup"]["ci95"][0].get<double>(), cpu / gpu);
  EXPECT_GE(record["speedup"]["ci95"][1].get<double>(), cpu / gpu);
  EXPECT_EQ(record["environment"]["caffe_commit"], "0123abc");
  EXPECT_EQ(record["environment"]["gpu_compute_capability"], "9.0");
  EXPECT_GE(record["environment"]["cpu_cores"].get<int>(), 1);
  // The table on the console, the chart beside the record, and latest.svg for notebooks.
  EXPECT_THAT(result.output, HasSubstr("GPU speed-up (median CPU / median GPU)"));
  EXPECT_THAT(result.output, HasSubstr("random weights (seed 1): timing only"));
  // The run's summary ends with the table again, from the record its step_end names.
  size_t summary = result.output.find("summary of this run:");
  ASSERT_NE(summary, std::string::npos) << result.output;
  std::string after = result.output.substr(summary);
  EXPECT_THAT(after, HasSubstr("benchmark (bench/run, " + records().back().string() + "):"));
  EXPECT_THAT(after, HasSubstr("GPU speed-up (median CPU / median GPU)"));
  std::string results_of_step_end;
  for (const auto& line : split_lines(read_text(state() / "events.jsonl"))) {
    auto event = nlohmann::json::parse(line);
    if (event["event"] == "step_end" && event["step"] == "bench/run") {
      results_of_step_end = event.value("results", "");
    }
  }
  EXPECT_EQ(results_of_step_end, records().back().string());
  fs::path svg = records().back();
  svg.replace_extension(".svg");
  EXPECT_TRUE(fs::exists(svg));
  EXPECT_EQ(read_text(svg), read_text(state() / "results" / "latest.svg"));
  auto parsed = run_shell(
      "python3 -c 'import sys, xml.etree.ElementTree as E; "
      "r = E.parse(sys.argv[1]).getroot(); "
      "print(r.tag, len(r.findall(\".//{*}circle\")))' " +
          shell_quote(svg.string()),
      dir_.path());
  EXPECT_EQ(parsed.exit_code, 0) << parsed.output;
  EXPECT_THAT(parsed.output, HasSubstr("{http://www.w3.org/2000/svg}svg 24"));
}

TEST_F(BenchAction, NoGpuIsSkippedWithTheReasonNotFailed) {
  auto result = run({{"STAND_IN_GPU", "absent"}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("gpu skipped: no CUDA device on this machine"));
  nlohmann::json record = only_record();
  expect_valid_against_schema(records().back());
  EXPECT_EQ(record["devices"]["gpu"]["status"], "skipped");
  EXPECT_EQ(record["devices"]["gpu"]["reason"], "no CUDA device on this machine");
  EXPECT_TRUE(record["speedup"].is_null());
  EXPECT_EQ(record["devices"]["cpu"]["status"], "ok");
}

TEST_F(BenchAction, RequireGpuFailsTheStepButKeepsTheCpuFigures) {
  write_recipe("          require_gpu: true\n");
  auto result = run({{"STAND_IN_GPU", "absent"}});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("require_gpu: true"));
  nlohmann::json record = only_record();
  EXPECT_EQ(record["devices"]["cpu"]["status"], "ok");
  auto status = run_ssdbuild({"status", "recipe.yaml", "--state-dir", state().string(), "--json"},
                             dir_.path());
  EXPECT_THAT(status.output, HasSubstr("\"failed\""));
}

TEST_F(BenchAction, AFailingOrShortHarnessFailsTheStepAndWritesNoRecord) {
  auto failing = run({{"STAND_IN_FAIL", "gpu"}});
  EXPECT_EQ(failing.exit_code, 1) << failing.output;
  EXPECT_THAT(failing.output, HasSubstr("the gpu harness ended with exit 3"));
  EXPECT_TRUE(records().empty());
  auto short_run = run({{"STAND_IN_SHORT", "cpu"}});
  EXPECT_EQ(short_run.exit_code, 1) << short_run.output;
  EXPECT_THAT(short_run.output, HasSubstr("11 passes of the 12 announced"));
  EXPECT_TRUE(records().empty());
}

TEST_F(BenchAction, WeightsAreUsedWhenTheFileExistsElseRandom) {
  fs::path weights = dir_ / "weights.caffemodel";
  write_recipe("          weights: " + weights.string() +
               "\n          image: " + (dir_ / "sample.jpg").string() + "\n");
  fs::path argv = dir_ / "argv.txt";
  ASSERT_EQ(run({{"STAND_IN_ARGV", argv.string()}}).exit_code, 0);
  EXPECT_EQ(only_record()["weights"], "random");
  EXPECT_THAT(read_text(argv), Not(HasSubstr("--weights")));

  write_text(weights, "trained");
  fs::remove(argv);
  auto result = run({{"STAND_IN_ARGV", argv.string()}}, {"--force", "bench/run"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto lines = split_lines(read_text(argv));
  ASSERT_EQ(lines.size(), 2u);
  // Both devices get the weights; the sample image's detection runs once, with the first.
  EXPECT_THAT(lines[0], HasSubstr("--weights " + weights.string()));
  EXPECT_THAT(lines[0], HasSubstr("--image"));
  EXPECT_THAT(lines[1], HasSubstr("--weights"));
  EXPECT_THAT(lines[1], Not(HasSubstr("--image")));
  nlohmann::json latest = nlohmann::json::parse(read_text(records().back()));
  EXPECT_EQ(latest["weights"], "trained");
  EXPECT_EQ(latest["devices"]["cpu"]["detections"][0]["label"], "person");
  EXPECT_THAT(result.output, HasSubstr("cpu detection: person 0.97"));
}

TEST_F(BenchAction, ReportShowsTheLatestAndEarlierRuns) {
  ASSERT_EQ(run({{"STAND_IN_GPU", "absent"}}).exit_code, 0);
  // Record names carry the UTC second: the second run must not land on the first.
  ASSERT_EQ(run({}, {"--force", "bench/run"}).exit_code, 0);
  ASSERT_EQ(records().size(), 2u);
  std::vector<std::string> base = {"report", "recipe.yaml", "--state-dir", state().string()};
  auto text = run_ssdbuild(base, dir_.path());
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("All runs, oldest first:"));
  EXPECT_THAT(text.output, HasSubstr("skipped"));
  EXPECT_THAT(text.output, HasSubstr("GPU speed-up"));

  auto arguments = base;
  arguments.insert(arguments.end(), {"--json", "--svg", (dir_ / "chart.svg").string()});
  auto json = run_ssdbuild(arguments, dir_.path());
  ASSERT_EQ(json.exit_code, 0) << json.output;
  nlohmann::json report = nlohmann::json::parse(json.output);
  EXPECT_EQ(report["latest"]["devices"]["gpu"]["status"], "ok");
  ASSERT_EQ(report["earlier"].size(), 1u);
  EXPECT_EQ(report["earlier"][0]["devices"]["gpu"]["status"], "skipped");
  EXPECT_THAT(read_text(dir_ / "chart.svg"), HasSubstr("<svg"));

  auto empty = run_ssdbuild({"report", "recipe.yaml", "--state-dir", (dir_ / "other").string()},
                            dir_.path());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_THAT(empty.output, HasSubstr("no benchmark results"));
}

// The script calls ssdbuild by the path it was planned with: it needs none on PATH.
TEST_F(BenchAction, PlanScriptRecordsTheSameRunByHand) {
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", state().string()}, dir_.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir_ / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh", dir_.path(), {{"STAND_IN_GPU", "absent"}});
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output << "\n" << plan.output;
  nlohmann::json record = only_record();
  expect_valid_against_schema(records().back());
  EXPECT_EQ(record["step"], "bench/run");
  EXPECT_EQ(record["devices"]["cpu"]["times_ms"].size(), 12u);
  EXPECT_EQ(record["devices"]["gpu"]["status"], "skipped");
}

TEST_F(BenchAction, PlanScriptFindsWeightsThatAnEarlierStepOfItMakes) {
  // At plan time the weights are not there yet; the script must look when it runs.
  fs::path weights = dir_ / "weights.caffemodel";
  write_text(
      dir_ / "recipe.yaml",
      "name: bench-test\nstages:\n  - name: bench\n    steps:\n"
      "      - name: weights\n        run: echo trained > " +
          weights.string() + "\n      - name: run\n        bench:\n          harness: " + kStandIn +
          "\n          model: " + (dir_ / "model.prototxt").string() +
          "\n          weights: " + weights.string() +
          "\n          image: " + (dir_ / "sample.jpg").string() + "\n          iterations: 3\n");
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", state().string()}, dir_.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir_ / "plan.sh", plan.output);
  fs::path argv = dir_ / "argv.txt";
  auto by_hand = run_shell("bash plan.sh", dir_.path(), {{"STAND_IN_ARGV", argv.string()}});
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output << "\n" << plan.output;
  nlohmann::json record = only_record();
  EXPECT_EQ(record["weights"], "trained");
  EXPECT_EQ(record["weights_file"], weights.string());
  EXPECT_EQ(record["devices"]["cpu"]["detections"].size(), 1u);
  auto lines = split_lines(read_text(argv));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("--weights " + weights.string() + " --image"));
  EXPECT_THAT(lines[1], Not(HasSubstr("--image")));
}

TEST_F(BenchAction, BadSettingsAreRecipeErrorsWithTheirPlace) {
  write_recipe("", "[cpu, tpu]");
  auto devices = run_ssdbuild({"validate", "recipe.yaml"}, dir_.path());
  EXPECT_EQ(devices.exit_code, 2);
  EXPECT_THAT(devices.output, HasSubstr("recipe.yaml:9:"));
  EXPECT_THAT(devices.output, HasSubstr("not `tpu` (did you mean `cpu`?)"));

  write_recipe("          require_gpu: true\n", "[cpu]");
  auto require = run_ssdbuild({"validate", "recipe.yaml"}, dir_.path());
  EXPECT_EQ(require.exit_code, 2);
  EXPECT_THAT(require.output, HasSubstr("`devices` has no gpu"));

  write_recipe("          iteratons: 5\n");
  auto typo = run_ssdbuild({"validate", "recipe.yaml"}, dir_.path());
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.output, HasSubstr("did you mean `iterations`?"));
}

TEST_F(BenchAction, VariantAndTheComparisonWithAReferenceBuildGoIntoTheRecord) {
  fs::create_directories(dir_ / "stock");
  write_text(dir_ / "stock/cpu.outputs", "reference");
  write_text(dir_ / "stock/gpu.outputs", "reference");
  write_recipe("          variant: fast\n          save_outputs: " + (dir_ / "fast").string() +
               "\n          compare_with: " + (dir_ / "stock").string() + "\n");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json record = only_record();
  EXPECT_EQ(record["variant"], "fast");
  for (const char* device : {"cpu", "gpu"}) {
    const nlohmann::json& comparison = record["devices"][device]["comparison"];
    EXPECT_TRUE(comparison["ok"].get<bool>()) << comparison;
    ASSERT_EQ(comparison["blobs"].size(), 2u);
    EXPECT_EQ(comparison["blobs"][0]["blob"], "mbox_loc");
    EXPECT_TRUE(fs::exists(dir_ / "fast" / (std::string(device) + ".outputs"))) << device;
  }
  expect_valid_against_schema(records().back());
}

TEST_F(BenchAction, OutputsBeyondTheToleranceFailTheStepAfterTheRecordIsWritten) {
  fs::create_directories(dir_ / "stock");
  write_text(dir_ / "stock/cpu.outputs", "reference");
  write_text(dir_ / "stock/gpu.outputs", "reference");
  write_recipe("          variant: fast\n          compare_with: " + (dir_ / "stock").string() +
               "\n");
  auto result = run({{"STAND_IN_DIFFER", "gpu"}});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("the gpu outputs differ from the reference build's: blob mbox_loc"));
  nlohmann::json record = only_record();
  EXPECT_FALSE(record["devices"]["gpu"]["comparison"]["ok"].get<bool>());
  EXPECT_TRUE(record["devices"]["cpu"]["comparison"]["ok"].get<bool>());
}

TEST_F(BenchAction, AMissingReferenceFailsTheStepAndWritesNoRecord) {
  write_recipe("          compare_with: " + (dir_ / "nowhere").string() + "\n");
  auto result = run();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("no reference outputs " + (dir_ / "nowhere/cpu.outputs").string()));
  EXPECT_TRUE(records().empty());
}

// A reference build made where there is no GPU (stock, then fast, on a CPU-only machine) has
// no GPU outputs; the GPU run is skipped here too, so only the CPU's are compared.
TEST_F(BenchAction, ADeviceSkippedHereNeedsNoReferenceOutputs) {
  fs::create_directories(dir_ / "stock");
  write_text(dir_ / "stock/cpu.outputs", "reference");
  write_recipe("          variant: fast\n          compare_with: " + (dir_ / "stock").string() +
               "\n");
  auto result = run({{"STAND_IN_GPU", "absent"}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  nlohmann::json record = only_record();
  EXPECT_TRUE(record["devices"]["cpu"]["comparison"]["ok"].get<bool>());
  EXPECT_EQ(record["devices"]["gpu"]["status"], "skipped");
}

TEST_F(BenchAction, RecordsWithoutAVariantAreStockAndABadVariantIsARecipeError) {
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(only_record()["variant"], "stock");
  write_recipe("          variant: quick\n");
  auto bad = run_ssdbuild({"validate", "recipe.yaml"}, dir_.path());
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_THAT(bad.output, HasSubstr("`variant` is stock or fast, not `quick`"));
}

}  // namespace
}  // namespace ssdbuild::testing
