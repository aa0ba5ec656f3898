// What a run shows, while it runs and after, on real runs of tests/fixtures/legacy-app: the
// step lines' counters and ETAs, `run --json` (the events on stdout, the same bytes as
// events.jsonl, valid against docs/events.schema.json), the summary table at the end, and
// `report --timeline` of a run killed mid-step and of the run that resumed it.
#include <gmock/gmock.h>
#include <signal.h>

#include "legacy_app_fixture.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSchema = std::string(SSDBUILD_TEST_DIR) + "/../docs/events.schema.json";

class RunOutput : public LegacyAppFixture {
 protected:
  void SetUp() override {
    LegacyAppFixture::SetUp();
    // No apt, alternatives or ldconfig steps: they touch the system's files, which tests
    // running beside these share (fixture_build_test covers them).
    root_ = false;
    use_apt_ = false;
    // A `make all` (the step app/make) that waits for the file `release` once `hold` exists,
    // after writing its pid (whole: the test reads it as soon as it exists): a step the test
    // can kill mid-way without a clock.
    fs::create_directories(wrappers_.path());
    write_text(wrappers_ / "make",
               "#!/bin/sh\nif [ \"$1\" = all ] && [ -e " + shell_quote((dir_ / "hold").string()) +
                   " ]; then\n  echo $$ > " + shell_quote((dir_ / "make.pid.part").string()) +
                   " && mv " + shell_quote((dir_ / "make.pid.part").string()) + " " +
                   shell_quote((dir_ / "make.pid").string()) + "\n  while [ ! -e " +
                   shell_quote((dir_ / "release").string()) +
                   " ]; do sleep 0.05; done\nfi\nexec /usr/bin/make \"$@\"\n");
    fs::permissions(wrappers_ / "make", fs::perms::owner_all);
  }

  std::string path_with_wrappers() const {
    const char* path = std::getenv("PATH");
    return wrappers_.path().string() + ":" + (path ? path : "");
  }

  // `ssdbuild run` on the fixture with stdout and stderr in separate files (not terminals),
  // as a notebook's `!ssdbuild run --json > events` would; returns the exit code.
  int run_to_files(const std::string& boot, const std::vector<std::string>& more,
                   const std::string& out, const std::string& err) {
    std::string command =
        shell_quote(ssdbuild_binary()) + " run " + shell_quote(kRecipe) + " --state-dir state";
    for (const auto& word : sets(dir_)) command += " " + shell_quote(word);
    for (const auto& word : more) command += " " + shell_quote(word);
    auto result = run_shell(command + " > " + out + " 2> " + err, dir_.path(),
                            {{"SSDBUILD_BOOT_ID", boot}, {"PATH", path_with_wrappers()}});
    return result.exit_code;
  }

  CommandResult report(const std::vector<std::string>& more) {
    std::vector<std::string> arguments = {"report", kRecipe, "--state-dir", "state"};
    auto defined = sets(dir_);
    arguments.insert(arguments.end(), defined.begin(), defined.end());
    arguments.insert(arguments.end(), more.begin(), more.end());
    return run_ssdbuild(arguments, dir_.path());
  }

  // `report --timeline --json` of the last run.
  nlohmann::json timeline() {
    auto result = report({"--timeline", "--json"});
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return nlohmann::json::parse(result.output);
  }

  // Each line of `file` against docs/events.schema.json, with Debian's python3-jsonschema;
  // returns how many lines were valid.
  int valid_event_lines(const fs::path& file) {
    auto result = run_shell(
        "/usr/bin/python3 -c 'import json, sys, jsonschema\n"
        "validator = jsonschema.Draft7Validator(json.load(open(sys.argv[1])))\n"
        "count = 0\n"
        "for number, line in enumerate(open(sys.argv[2]), 1):\n"
        "    for error in validator.iter_errors(json.loads(line)):\n"
        "        print(\"line\", number, error.message); sys.exit(1)\n"
        "    count += 1\n"
        "print(count)' " +
            shell_quote(kSchema) + " " + shell_quote(file.string()),
        dir_.path());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.exit_code == 0 ? std::stoi(result.output) : -1;
  }

  // The bars of `timeline` with `outcome`, by name.
  static std::vector<std::string> bars_with(const nlohmann::json& timeline,
                                            const std::string& outcome) {
    std::vector<std::string> names;
    for (const auto& bar : timeline["bars"]) {
      if (bar["kind"] == "step" && bar["outcome"] == outcome) names.push_back(bar["name"]);
    }
    return names;
  }

  TempDir wrappers_;
};

TEST_F(RunOutput, JsonPutsTheEventsOnStdoutAsEventsJsonlHasThemAndTheRestOnStderr) {
  ASSERT_EQ(run_to_files("boot-1", {"--json"}, "cold.jsonl", "cold.err"), 0)
      << read_text(dir_ / "cold.err");
  std::string events = read_text(dir_ / "cold.jsonl");
  // One serializer: the same bytes in both places, every line an event valid in the schema.
  EXPECT_EQ(events, read_text(dir_ / "state/events.jsonl"));
  size_t lines = split_lines(events).size();
  EXPECT_EQ(valid_event_lines(dir_ / "cold.jsonl"), static_cast<int>(lines));
  std::vector<nlohmann::json> cold = events_since(dir_ / "state", 0);
  EXPECT_EQ(cold.front()["event"], "run_start");
  EXPECT_EQ(cold.back()["event"], "run_end");
  EXPECT_FALSE(steps_with_event(cold, "step_start").empty());
  size_t total = cold.front()["total"];
  for (const auto& event : cold) {
    if (event.contains("index")) {
      EXPECT_EQ(event["total"], total) << event.dump();
    }
  }
  // People's output went to stderr: the counted step lines and the summary table.
  std::string human = read_text(dir_ / "cold.err");
  EXPECT_THAT(human,
              HasSubstr("==> [2/" + std::to_string(total) + "] tools/sysroot  (run: never ran)"));
  EXPECT_THAT(human, HasSubstr("summary of this run:"));
  EXPECT_THAT(events, Not(HasSubstr("==>")));
  // Plain lines for a notebook: no colour, no cursor movement, no carriage returns.
  EXPECT_THAT(human, Not(HasSubstr("\033")));
  EXPECT_THAT(human, Not(HasSubstr("\r")));

  // A VM reset: stages come back from their archives (cache_restore, step_restore), the
  // system steps run again with an ETA from the cold run; the stream is still the file's.
  size_t before = event_count(dir_ / "state");
  ASSERT_EQ(run_to_files("boot-2", {"--json"}, "reset.jsonl", "reset.err"), 0)
      << read_text(dir_ / "reset.err");
  std::vector<std::string> file_lines = split_lines(read_text(dir_ / "state/events.jsonl"));
  std::vector<std::string> reset_lines = split_lines(read_text(dir_ / "reset.jsonl"));
  EXPECT_EQ(reset_lines, std::vector<std::string>(file_lines.begin() + static_cast<long>(before),
                                                  file_lines.end()));
  EXPECT_EQ(valid_event_lines(dir_ / "reset.jsonl"), static_cast<int>(reset_lines.size()));
  std::vector<nlohmann::json> reset = events_since(dir_ / "state", before);
  EXPECT_FALSE(steps_with_event(reset, "step_restore").empty());
  bool estimated = false;
  for (const auto& event : reset) estimated = estimated || event.contains("estimate_s");
  EXPECT_TRUE(estimated);
  EXPECT_THAT(read_text(dir_ / "reset.err"), HasSubstr(" (last run)"));
}

TEST_F(RunOutput, JsonAndDryRunBothWantStdout) {
  auto both = run_recipe("run", dir_, "boot-1", {"--json", "--dry-run"});
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_THAT(both.output, HasSubstr("--json and --dry-run"));
}

TEST_F(RunOutput, TheSummaryListsEveryStepAndTheTimelineDrawsThem) {
  auto cold = run_recipe("run", dir_, "boot-1", {}, {{"PATH", path_with_wrappers()}});
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  nlohmann::json last = timeline();
  size_t total = last["total"];
  // Up to the end of its total line: what follows is not ssdbuild's (LeakSanitizer's report
  // in the sanitized build).
  size_t begin = cold.output.find("summary of this run:");
  size_t end = cold.output.find('\n', cold.output.find("  total ", begin));
  std::string summary = cold.output.substr(begin, end - begin);
  for (const auto& bar : last["bars"]) {
    if (bar["kind"] != "step") continue;
    std::string label = "[" + std::to_string(bar["index"].get<size_t>()) + "/" +
                        std::to_string(total) + "] " + bar["name"].get<std::string>();
    EXPECT_THAT(summary, HasSubstr(label));
  }
  EXPECT_EQ(last["bars"].size(), static_cast<size_t>(count_lines_with(summary, "  ")) - 2)
      << summary;  // the heading and the total are the other two lines
  EXPECT_THAT(summary, HasSubstr("  total "));
  EXPECT_THAT(summary, HasSubstr("(exit 0)"));

  auto text = report({"--timeline", "--svg", (dir_ / "timeline.svg").string()});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("legend: # ran"));
  EXPECT_THAT(text.output, HasSubstr("chart: "));
  auto checked = run_shell(
      "python3 -c 'import sys, xml.etree.ElementTree as ET\n"
      "root = ET.parse(sys.argv[1]).getroot()\n"
      "print(sum(1 for e in root.iter(\"{http://www.w3.org/2000/svg}rect\") "
      "if \"bar\" in e.get(\"class\", \"\").split()))' timeline.svg",
      dir_.path());
  ASSERT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_EQ(std::stoul(checked.output), last["bars"].size());
}

TEST_F(RunOutput, AKilledRunsTimelineEndsInTheKilledStepAndTheResumedRunSkipsWhatWasDone) {
  write_text(dir_ / "hold", "");
  std::vector<std::string> arguments = {"run", kRecipe, "--state-dir", "state"};
  auto defined = sets(dir_);
  arguments.insert(arguments.end(), defined.begin(), defined.end());
  int pid = spawn_ssdbuild(arguments, dir_.path(),
                           {{"SSDBUILD_BOOT_ID", "boot-1"}, {"PATH", path_with_wrappers()}},
                           dir_ / "killed.out");
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir_ / "make.pid"); }));
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_for_exit(pid), 128 + SIGKILL);
  int make_pid = std::stoi(read_text(dir_ / "make.pid"));
  ::kill(-::getpgid(make_pid), SIGKILL);  // the killed run's step, orphaned

  nlohmann::json killed = timeline();
  EXPECT_TRUE(killed["exit_code"].is_null()) << killed.dump(2);
  const nlohmann::json& open = killed["bars"].back();
  EXPECT_EQ(open["name"], "app/make");
  EXPECT_EQ(open["outcome"], "interrupted");
  EXPECT_EQ(open["ended"], false);
  std::vector<std::string> done_before = bars_with(killed, "ran");
  EXPECT_FALSE(done_before.empty());
  auto text = report({"--timeline"});
  EXPECT_THAT(text.output, HasSubstr("no end recorded (killed, or still running)"));

  // The resumed run: what the killed one finished is skipped, app/make and the rest run.
  fs::remove(dir_ / "hold");
  auto resumed = run_recipe("run", dir_, "boot-1", {}, {{"PATH", path_with_wrappers()}});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  nlohmann::json after = timeline();
  EXPECT_EQ(after["exit_code"], 0);
  std::vector<std::string> skipped = bars_with(after, "skipped");
  for (const auto& step : done_before) EXPECT_TRUE(contains(skipped, step)) << step;
  std::vector<std::string> ran = bars_with(after, "ran");
  EXPECT_TRUE(contains(ran, "app/make")) << after.dump(2);
  EXPECT_TRUE(contains(ran, "app/smoke")) << after.dump(2);
  for (const auto& bar : after["bars"]) EXPECT_TRUE(bar["ended"].get<bool>()) << bar.dump();
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput) << resumed.output;
}

TEST_F(RunOutput, AStoppedRunsSummarySaysWhichStepWasInterrupted) {
  write_text(dir_ / "hold", "");
  std::vector<std::string> arguments = {"run", kRecipe, "--state-dir", "state"};
  auto defined = sets(dir_);
  arguments.insert(arguments.end(), defined.begin(), defined.end());
  int pid = spawn_ssdbuild(arguments, dir_.path(),
                           {{"SSDBUILD_BOOT_ID", "boot-1"}, {"PATH", path_with_wrappers()}},
                           dir_ / "stopped.out");
  ASSERT_TRUE(wait_until([&] { return fs::exists(dir_ / "make.pid"); }));
  ::kill(pid, SIGTERM);  // what `ssdbuild stop` and a notebook's stop button send
  EXPECT_EQ(wait_for_exit(pid), 130);
  std::string output = read_text(dir_ / "stopped.out");
  std::string summary = output.substr(std::min(output.find("summary of this run:"), output.size()));
  EXPECT_THAT(summary, HasSubstr("app/make"));
  EXPECT_THAT(summary, HasSubstr("interrupted"));
  EXPECT_THAT(summary, HasSubstr("(exit 130)"));
  nlohmann::json stopped = timeline();
  EXPECT_EQ(stopped["exit_code"], 130);
  EXPECT_EQ(stopped["bars"].back()["outcome"], "interrupted");
  EXPECT_EQ(stopped["bars"].back()["ended"], true);
}

TEST_F(RunOutput, TimelineBeforeAnyRunSaysSo) {
  auto none = report({"--timeline"});
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_THAT(none.output, HasSubstr("no run recorded in "));
}

}  // namespace
}  // namespace ssdbuild::testing
