// Commands for benchmark results: `report` shows them, `record-bench` makes one from
// harness output files (what `plan` scripts run in place of the `bench` action).
#include <iostream>

#include "ssdbuild/cli/commands.hpp"
#include "ssdbuild/results/bench_record.hpp"
#include "ssdbuild/results/report_format.hpp"
#include "ssdbuild/results/run_timeline.hpp"
#include "ssdbuild/results/timeline_chart.hpp"
#include "ssdbuild/results/timeline_format.hpp"
#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/strings.hpp"

namespace ssdbuild {

namespace fs = std::filesystem;

namespace {

// `report --timeline`: the last run in the state folder's events.jsonl.
int timeline_report(const ReportArguments& arguments) {
  if (!arguments.results.empty()) {
    throw Error(
        "--results names the benchmark's records; --timeline reads the state folder's "
        "events.jsonl (name the state folder with --state-dir)",
        kExitUsage);
  }
  fs::path file = open_session(arguments.session)->layout.events_file();
  std::error_code error;
  RunEvents run;
  if (fs::exists(file, error)) run = last_run_events(read_file(file));
  if (run.events.empty()) {
    throw Error("no run recorded in " + file.string() +
                    " yet: `ssdbuild run` first, or name the state folder with --state-dir",
                kExitStepFailed);
  }
  Timeline timeline = timeline_of(run.events);
  timeline.problems = run.problems;
  if (!arguments.svg.empty()) write_file_atomically(arguments.svg, render_timeline_svg(timeline));
  if (arguments.json) {
    std::cout << timeline_json(timeline).dump(2) << "\n";
    return kExitOk;
  }
  std::cout << file.string() << "\n" << format_timeline(timeline);
  if (!arguments.svg.empty()) std::cout << "chart: " << arguments.svg << "\n";
  return kExitOk;
}

}  // namespace

int report_command(const ReportArguments& arguments) {
  if (arguments.timeline) return timeline_report(arguments);
  fs::path folder = arguments.results;
  if (folder.empty()) folder = open_session(arguments.session)->layout.folder / "results";
  std::vector<fs::path> files = list_bench_records(folder);
  if (files.empty()) {
    throw Error("no benchmark results in " + folder.string() +
                    " yet: run the recipe's bench stage first (`ssdbuild run`), or name the "
                    "folder with --results",
                kExitStepFailed);
  }
  std::vector<nlohmann::json> records;
  for (const auto& file : files) records.push_back(read_bench_record(file));
  const nlohmann::json& latest = records.back();
  if (!arguments.svg.empty()) {
    write_file_atomically(arguments.svg, render_svg_chart(chart_for_record(latest)));
  }
  if (arguments.json) {
    nlohmann::json earlier = nlohmann::json::array();
    for (size_t i = 0; i + 1 < files.size(); ++i) {
      earlier.push_back({{"file", files[i].string()},
                         {"time", records[i].value("time", "")},
                         {"weights", records[i].value("weights", "")},
                         {"batch", records[i].value("batch", 1)},
                         {"devices", records[i]["devices"]},
                         {"speedup", records[i]["speedup"]}});
      for (auto& [device, entry] : earlier.back()["devices"].items()) entry.erase("times_ms");
    }
    std::cout << nlohmann::json{{"file", files.back().string()},
                                {"latest", latest},
                                {"earlier", earlier}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << files.back().string() << "\n" << format_bench_table(latest);
  if (records.size() > 1)
    std::cout << "\nAll runs, oldest first:\n" << format_bench_history(records);
  if (!arguments.svg.empty()) std::cout << "chart: " << arguments.svg << "\n";
  return kExitOk;
}

int record_bench_command(const RecordBenchArguments& arguments) {
  std::vector<HarnessOutput> outputs;
  for (const auto& entry : arguments.outputs) {
    size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw Error("record-bench takes DEVICE=FILE (cpu=cpu.out), not `" + entry + "`", kExitUsage);
    }
    HarnessOutput harness;
    harness.device = entry.substr(0, equals);
    fs::path file = entry.substr(equals + 1);
    for (const auto& line : split_lines(read_file(file))) harness.add_line(line);
    if (!harness.skip_reason) {
      if (std::string problem = harness.problem(); !problem.empty())
        throw Error(file.string() + ": the " + harness.device + " harness output has " + problem);
    }
    outputs.push_back(std::move(harness));
  }
  BenchSettings settings;
  settings.recipe = arguments.recipe;
  settings.step = arguments.step;
  settings.model = arguments.model;
  settings.weights_file = arguments.weights;
  settings.variant = arguments.variant;
  settings.batch = arguments.batch;
  settings.warmup = arguments.warmup;
  settings.iterations = arguments.iterations;
  settings.time = std::chrono::system_clock::now();
  BenchRun run = record_bench_run(settings, outputs, arguments.results, arguments.require_gpu);
  std::cout << format_bench_table(run.record) << "results " << run.files.json.string() << ", chart "
            << run.files.svg.string() << "\n";
  if (!run.failure.empty()) throw Error(run.failure);
  return kExitOk;
}

}  // namespace ssdbuild
