#pragma once
// One benchmark run as a record: the figures per device, the speed-up, every raw time and
// the environment, as the JSON file <state>/results/bench-<UTC time>.json (schema in
// docs/bench-results.md), with its chart beside it.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ssdbuild/facts/facts.hpp"
#include "ssdbuild/results/harness_output.hpp"
#include "ssdbuild/results/svg_chart.hpp"
#include "ssdbuild/util/time_format.hpp"

namespace ssdbuild {

/// The schema name and version every record carries.
constexpr const char* kBenchSchema = "ssdbuild-bench/1";

/// What the run was, besides what the harness printed.
struct BenchSettings {
  std::string recipe, step, fingerprint;
  std::string model, weights_file;  // weights_file: "" for random weights
  std::string variant = "stock";    // the build: stock or fast (caffe_variant)
  int batch = 1, warmup = 0, iterations = 0;
  SystemTime time;
};

/// The machine, for the record: CPU model and cores, OS, glibc, GPU and driver, nvcc, host.
nlohmann::json machine_environment(Facts& facts);

/// The record of one run; the devices' outputs must be complete (no problem()) or skipped.
nlohmann::json make_bench_record(const BenchSettings& settings,
                                 const std::vector<HarnessOutput>& devices,
                                 nlohmann::json environment);

/// The chart of a record.
ChartInput chart_for_record(const nlohmann::json& record);

struct RecordFiles {
  std::filesystem::path json, svg;
};

/// Writes the record and its chart into `folder` (atomically; the chart also as latest.svg,
/// a fixed name for a notebook to show).
RecordFiles write_bench_record(const std::filesystem::path& folder, const nlohmann::json& record);

struct BenchRun {
  nlohmann::json record;
  RecordFiles files;
  std::string failure;  // why the step still fails: the GPU was skipped but required, or
                        // the outputs differ from the reference build's
};

/// Makes the record of a run (the machine probed here for its environment) and writes it
/// into `folder`: what the `bench` action and `ssdbuild record-bench` both do.
BenchRun record_bench_run(const BenchSettings& settings, const std::vector<HarnessOutput>& devices,
                          const std::filesystem::path& folder, bool require_gpu);

/// The records in `folder`, oldest first (by their UTC time names).
std::vector<std::filesystem::path> list_bench_records(const std::filesystem::path& folder);

/// Reads a record; throws Error naming the file when it is not one.
nlohmann::json read_bench_record(const std::filesystem::path& file);

}  // namespace ssdbuild
