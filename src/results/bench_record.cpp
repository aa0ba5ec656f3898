#include "ssdbuild/results/bench_record.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <spdlog/fmt/fmt.h>

#include "ssdbuild/results/statistics.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

constexpr int kBootstrapResamples = 2000;
constexpr std::uint64_t kBootstrapSeed = 20180101;

nlohmann::json summary_json(const Summary& summary, int batch) {
  return {{"count", summary.count},
          {"median_ms", summary.median},
          {"mean_ms", summary.mean},
          {"stddev_ms", summary.stddev},
          {"p10_ms", summary.p10},
          {"p90_ms", summary.p90},
          {"min_ms", summary.min},
          {"max_ms", summary.max},
          {"images_per_s", batch * 1000.0 / summary.median}};
}

// "20261201T221000Z" from "2026-12-01T22:10:00Z": sortable, and no ':' (not allowed in file
// names on some mounts).
std::string file_stamp(const std::string& utc) {
  std::string stamp;
  for (char c : utc) {
    if (c != '-' && c != ':') stamp += c;
  }
  return stamp;
}

}  // namespace

nlohmann::json machine_environment(Facts& facts) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  nlohmann::json environment = {
      {"host", host},
      {"cpu_model", facts.get("cpu.model")},
      {"cpu_cores", std::stoi(facts.get("cpu.count"))},
      {"memory_mb", facts.get("memory.total_mb")},
      {"os", facts.get("os.pretty_name")},
      {"glibc", facts.get("glibc.version")},
      {"nvcc_version", facts.get("nvcc.version")},
      {"gpu_name", facts.get("gpu.name")},
      {"gpu_driver", facts.get("gpu.driver")},
      {"gpu_count", std::stoi(facts.get("gpu.count"))},
      {"colab", facts.get("colab") == "true"},
  };
  return environment;
}

nlohmann::json make_bench_record(const BenchSettings& settings,
                                 const std::vector<HarnessOutput>& devices,
                                 nlohmann::json environment) {
  nlohmann::json record = {
      {"schema", kBenchSchema},
      {"time", format_utc(settings.time)},
      {"recipe", settings.recipe},
      {"variant", settings.variant},
      {"step", settings.step},
      {"fingerprint", settings.fingerprint},
      {"model", settings.model},
      {"weights_file", settings.weights_file},
      {"weights", settings.weights_file.empty() ? "random" : "trained"},
      {"batch", settings.batch},
      {"warmup", settings.warmup},
      {"iterations", settings.iterations},
  };
  nlohmann::json device_records = nlohmann::json::object();
  const HarnessOutput* cpu = nullptr;
  const HarnessOutput* gpu = nullptr;
  for (const auto& device : devices) {
    if (device.skip_reason) {
      device_records[device.device] = {{"status", "skipped"}, {"reason", *device.skip_reason}};
      continue;
    }
    if (std::string problem = device.problem(); !problem.empty()) {
      throw Error("the " + device.device + " run cannot be summarised: " + problem);
    }
    Summary summary = summarize(device.times_ms);
    device_records[device.device] = {{"status", "ok"},
                                     {"harness", device.header},
                                     {"summary", summary_json(summary, settings.batch)},
                                     {"times_ms", device.times_ms},
                                     {"detections", device.detections}};
    if (!device.comparisons.empty()) {
      bool ok = std::all_of(device.comparisons.begin(), device.comparisons.end(),
                            [](const nlohmann::json& blob) { return blob.value("ok", false); });
      device_records[device.device]["comparison"] = {{"ok", ok}, {"blobs", device.comparisons}};
    }
    // What the harness knows best about the build and the weights goes up to the record.
    if (device.header.contains("caffe_commit"))
      environment["caffe_commit"] = device.header["caffe_commit"];
    if (device.header.contains("compiler")) environment["compiler"] = device.header["compiler"];
    if (device.header.contains("weights")) record["weights_detail"] = device.header["weights"];
    if (device.device == "cpu") {
      cpu = &device;
      environment["cpu_threads"] = device.header.value("cpu_threads", 0);
      environment["blas"] = device.header.value("blas", "");
    }
    if (device.device == "gpu") {
      gpu = &device;
      for (const char* key : {"device_name", "compute_capability", "cuda_runtime", "cuda_driver"})
        if (device.header.contains(key))
          environment[std::string("gpu_") + key] = device.header[key];
    }
  }
  record["devices"] = device_records;
  record["environment"] = environment;
  record["speedup"] = nullptr;
  if (cpu && gpu) {
    double ratio = summarize(cpu->times_ms).median / summarize(gpu->times_ms).median;
    Interval interval = bootstrap_median_ratio(cpu->times_ms, gpu->times_ms, 0.95,
                                               kBootstrapResamples, kBootstrapSeed);
    record["speedup"] = {
        {"median_ratio", ratio},
        {"ci95", {interval.low, interval.high}},
        {"method", fmt::format("median CPU time / median GPU time; 95% percentile bootstrap "
                               "interval, {} resamples, seed {}",
                               kBootstrapResamples, kBootstrapSeed)}};
  }
  return record;
}

ChartInput chart_for_record(const nlohmann::json& record) {
  ChartInput chart;
  chart.title = fmt::format("MobileNet-SSD inference, batch {}", record.value("batch", 1));
  std::string weights = record.value("weights", "random") == "random"
                            ? "random weights: timing only, detections meaningless"
                            : "trained weights";
  const nlohmann::json& environment = record["environment"];
  chart.notes.push_back(fmt::format("{}; {} timed passes after {} warm-up; {}", weights,
                                    record.value("iterations", 0), record.value("warmup", 0),
                                    record.value("time", "")));
  chart.notes.push_back(fmt::format("Caffe {}, {}", environment.value("caffe_commit", "?"),
                                    environment.value("os", "")));
  for (const auto& [device, entry] : record["devices"].items()) {
    if (entry.value("status", "") != "ok") {
      chart.notes.push_back(device + " skipped: " + entry.value("reason", ""));
      continue;
    }
    ChartSeries series;
    const nlohmann::json& harness = entry["harness"];
    std::string name = harness.value("device_name", device);
    series.label = device == "cpu"
                       ? fmt::format("CPU: {} ({} threads)", name, harness.value("cpu_threads", 0))
                       : fmt::format("GPU: {}", name);
    series.values_ms = entry["times_ms"].get<std::vector<double>>();
    series.summary = summarize(series.values_ms);
    chart.series.push_back(std::move(series));
  }
  if (record.contains("speedup") && record["speedup"].is_object()) {
    chart.speedup = record["speedup"]["median_ratio"].get<double>();
    chart.speedup_interval = Interval{record["speedup"]["ci95"][0].get<double>(),
                                      record["speedup"]["ci95"][1].get<double>()};
  }
  return chart;
}

RecordFiles write_bench_record(const fs::path& folder, const nlohmann::json& record) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw Error("cannot create " + folder.string() + ": " + error.message());
  std::string base = "bench-" + file_stamp(record.value("time", "unknown"));
  RecordFiles files{folder / (base + ".json"), folder / (base + ".svg")};
  for (int n = 2; fs::exists(files.json, error); ++n) {  // two runs in one second
    files = {folder / fmt::format("{}-{}.json", base, n),
             folder / fmt::format("{}-{}.svg", base, n)};
  }
  std::string svg = render_svg_chart(chart_for_record(record));
  write_file_atomically(files.svg, svg);
  write_file_atomically(folder / "latest.svg", svg);
  write_file_atomically(files.json, record.dump(2) + "\n");  // last: a record has its chart
  return files;
}

BenchRun record_bench_run(const BenchSettings& settings, const std::vector<HarnessOutput>& devices,
                          const fs::path& folder, bool require_gpu) {
  Facts facts;
  BenchRun run;
  run.record = make_bench_record(settings, devices, machine_environment(facts));
  run.files = write_bench_record(folder, run.record);
  for (const auto& device : devices) {
    for (const auto& blob : device.comparisons) {
      if (!blob.value("ok", false) && run.failure.empty())
        run.failure = fmt::format(
            "the {} outputs differ from the reference build's: blob {} by {:.3g} of its scale "
            "(tolerance {:.3g}); the record has every blob's figures",
            device.device, blob.value("blob", "?"), blob.value("relative", 0.0),
            blob.value("tolerance", 0.0));
    }
    if (device.device == "gpu" && device.skip_reason && require_gpu) {
      run.failure = "the GPU run was skipped (" + *device.skip_reason +
                    ") and the step has `require_gpu: true`; run it on a machine with a CUDA "
                    "GPU, or drop require_gpu";
    }
  }
  return run;
}

std::vector<fs::path> list_bench_records(const fs::path& folder) {
  std::vector<fs::path> records;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    std::string name = entry.path().filename().string();
    if (starts_with(name, "bench-") && entry.path().extension() == ".json")
      records.push_back(entry.path());
  }
  // bench-<stamp>.json, then bench-<stamp>-2.json for a second run in the same second.
  auto key = [](const fs::path& path) {
    std::string stem = path.stem().string();
    size_t zulu = stem.rfind('Z');
    int n = zulu != std::string::npos && zulu + 2 < stem.size() ? std::atoi(stem.c_str() + zulu + 2)
                                                                : 1;
    return std::make_pair(stem.substr(0, zulu), n);
  };
  std::sort(records.begin(), records.end(),
            [&](const fs::path& a, const fs::path& b) { return key(a) < key(b); });
  return records;
}

nlohmann::json read_bench_record(const fs::path& file) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const std::exception& failure) {
    throw Error(failure.what());
  }
  nlohmann::json record = nlohmann::json::parse(text, nullptr, false);
  if (record.is_discarded() || !record.is_object()) {
    throw Error(file.string() + ": not a JSON benchmark record (delete it, or move it away)");
  }
  if (record.value("schema", "") != kBenchSchema) {
    throw Error(file.string() + ": schema `" + record.value("schema", "") + "`, expected `" +
                kBenchSchema + "` (written by another ssdbuild version?)");
  }
  return record;
}

}  // namespace ssdbuild
