// The command line as a user meets it: exit codes, messages, built-in recipes, facts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Cli, ValidateReportsEveryErrorWithFileLineAndColumn) {
  TempDir dir;
  write_text(dir / "broken.yaml", R"(name: broken
vars:
  greeting: hello
stages:
  - name: one
    steps:
      - rnu: echo hi
      - name: a
        run: echo ${greting}
)");
  auto result = run_ssdbuild({"validate", "broken.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "broken.yaml:7:9: error: unknown key `rnu` in a step (did you mean `run`?)\n"
            "broken.yaml:9:14: error: step `one/a`: unknown variable `greting` (did you mean "
            "`greeting`?); define it under `vars:`, pass --set greting=VALUE, or write "
            "$${greting} for a shell variable\n");
}

TEST(Cli, ValidAndBuiltinRecipesValidate) {
  TempDir dir;
  auto builtin = run_ssdbuild({"validate"}, dir.path());
  EXPECT_EQ(builtin.exit_code, 0) << builtin.output;
  EXPECT_THAT(builtin.output, HasSubstr("builtin:ssd-caffe: ok"));
}

TEST(Cli, RunRefusesABrokenRecipeBeforeRunningAnything) {
  TempDir dir;
  write_text(dir / "r.yaml", R"(name: r
stages:
  - name: one
    steps:
      - run: touch ran
      - run: echo
        scope: persistant
)");
  auto result = run_ssdbuild({"run", "r.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("r.yaml:7:16: error: `scope` is `system` or `persistent`, not "
                        "`persistant` (did you mean `persistent`?)"));
  EXPECT_FALSE(std::filesystem::exists(dir / "ran"));
  EXPECT_FALSE(std::filesystem::exists(dir / "state"));
}

TEST(Cli, MissingRecipeFileAndUnknownBuiltinAreUsageErrors) {
  TempDir dir;
  auto missing = run_ssdbuild({"run", "nothere.yaml"}, dir.path());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output,
              HasSubstr("nothere.yaml: error: cannot read the recipe (no such file)"));
  auto typo = run_ssdbuild({"plan", "ssd-cafe"}, dir.path());
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.output, HasSubstr("did you mean `ssd-caffe`?"));
}

TEST(Cli, SetOfAnUnknownVarIsAnError) {
  TempDir dir;
  write_text(dir / "r.yaml",
             "name: r\nvars: {color: red}\nstages: [{name: s, steps: [{run: "
             "echo}]}]\n");
  auto result = run_ssdbuild({"plan", "r.yaml", "--set", "colour=blue"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("--set colour: recipe r has no var `colour` (did you mean "
                                       "`color`?)"));
}

TEST(Cli, UnknownCommandLineOptionIsExit2) {
  TempDir dir;
  EXPECT_EQ(run_ssdbuild({"run", "--frobnicate"}, dir.path()).exit_code, 2);
  EXPECT_EQ(run_ssdbuild({}, dir.path()).exit_code, 2);
}

// As git and cargo do: a typo of a command or an option is named, with the closest one, in
// one error line.
TEST(Cli, AMistypedCommandIsNamedWithTheClosestOne) {
  TempDir dir;
  auto result = run_ssdbuild({"rnu"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "error: unknown command `rnu` (did you mean `run`?); `ssdbuild --help` lists the "
            "commands\n");
  auto after_an_option = run_ssdbuild({"--color", "never", "statu"}, dir.path());
  EXPECT_THAT(after_an_option.output,
              HasSubstr("unknown command `statu` (did you mean `status`?)"));
}

TEST(Cli, AMistypedOptionIsOneErrorLineWithTheClosestOption) {
  TempDir dir;
  auto result = run_ssdbuild({"run", "--stat-dir", "x"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "error: unknown option `--stat-dir` for `ssdbuild run` (did you mean `--state-dir`?); "
            "`ssdbuild run --help` lists its options\n");
  auto with_value = run_ssdbuild({"plan", "--frm=deps"}, dir.path());
  EXPECT_THAT(with_value.output, HasSubstr("unknown option `--frm` for `ssdbuild plan` (did you "
                                           "mean `--from`?)"));
}

TEST(Cli, HelpAndVersion) {
  TempDir dir;
  auto help = run_ssdbuild({"--help"}, dir.path());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.output,
              HasSubstr("Exit codes: 0 ok, 1 a step failed, 2 usage or recipe error, 3"));
  auto run_help = run_ssdbuild({"run", "--help"}, dir.path());
  EXPECT_EQ(run_help.exit_code, 0);
  EXPECT_THAT(run_help.output, HasSubstr("--dry-run"));
  auto version = run_ssdbuild({"--version"}, dir.path());
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("0."));
}

TEST(Cli, CorruptStateIsReportedWithTheWayOutAndLeftAlone) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{run: echo}]}]\n");
  write_text(dir / "state/state.json", "{\"format\": 1, \"steps\": {");
  auto result = run_ssdbuild({"run", "r.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("state.json is corrupt"));
  EXPECT_THAT(result.output, HasSubstr("move it aside"));
  EXPECT_EQ(read_text(dir / "state/state.json"), "{\"format\": 1, \"steps\": {");
  EXPECT_FALSE(std::filesystem::exists(dir / "state/lock.json"));
  auto reset = run_ssdbuild({"reset", "--all", "-r", "r.yaml", "--state-dir", "state"}, dir.path());
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(run_ssdbuild({"run", "r.yaml", "--state-dir", "state"}, dir.path()).exit_code, 0);
}

TEST(Cli, StateFolderComesFromTheEnvironmentThenDefaultsToDotSsdbuild) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: named\nstages: [{name: s, steps: [{run: echo}]}]\n");
  ASSERT_EQ(run_ssdbuild({"run", "r.yaml"}, dir.path()).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir / ".ssdbuild/named/state.json"));
  ASSERT_EQ(run_ssdbuild({"run", "r.yaml"}, dir.path(),
                         {{"SSDBUILD_STATE_DIR", (dir / "elsewhere").string()}})
                .exit_code,
            0);
  EXPECT_TRUE(std::filesystem::exists(dir / "elsewhere/state.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "elsewhere/events.jsonl"));
}

TEST(Cli, EventsRecordRunAndStepsWithReasons) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: echo}]}]\n");
  ASSERT_EQ(run_ssdbuild({"run", "r.yaml", "--state-dir", "st"}, dir.path()).exit_code, 0);
  ASSERT_EQ(run_ssdbuild({"run", "r.yaml", "--state-dir", "st"}, dir.path()).exit_code, 0);
  std::vector<nlohmann::json> events;
  for (const auto& line : ssdbuild::split_lines(read_text(dir / "st/events.jsonl"))) {
    events.push_back(nlohmann::json::parse(line));
  }
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[0]["event"], "run_start");
  EXPECT_EQ(events[1]["event"], "step_start");
  EXPECT_EQ(events[1]["reason"], "run: never ran");
  EXPECT_EQ(events[2]["event"], "step_end");
  EXPECT_EQ(events[2]["status"], "done");
  EXPECT_EQ(events[3]["event"], "run_end");
  EXPECT_EQ(events[5]["event"], "step_skip");
  EXPECT_EQ(events[6]["exit_code"], 0);
}

TEST(Cli, QuietShowsStartAndEndLinesOnly) {
  TempDir dir;
  write_text(dir / "r.yaml",
             "name: r\nstages: [{name: s, steps: [{name: x, run: echo visible-line}]}]\n");
  auto quiet = run_ssdbuild({"--quiet", "run", "r.yaml", "--state-dir", "st"}, dir.path());
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_THAT(without_counters(quiet.output), HasSubstr("==> s/x"));
  EXPECT_THAT(quiet.output, Not(HasSubstr("visible-line")));
  EXPECT_THAT(read_text(dir / "st/logs/s/x.log"), HasSubstr("visible-line"));

  // A retry is in the log, not on the console.
  write_text(dir / "retry.yaml",
             "name: retry\nstages: [{name: s, steps: [{name: flaky, retries: 1, run: "
             "'[ -e once ] || { touch once; exit 1; }'}]}]\n");
  auto retried = run_ssdbuild({"--quiet", "run", "retry.yaml", "--state-dir", "st2"}, dir.path(),
                              {{"SSDBUILD_RETRY_BACKOFF_MS", "10"}});
  EXPECT_EQ(retried.exit_code, 0) << retried.output;
  EXPECT_THAT(retried.output, Not(HasSubstr("retrying")));
  EXPECT_THAT(read_text(dir / "st2/logs/s/flaky.log"), HasSubstr("retrying in"));
}

TEST(Cli, SilentStepGetsAHeartbeatLine) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: sleep 2.5}]}]\n");
  auto result = run_ssdbuild({"run", "r.yaml", "--state-dir", "st"}, dir.path(),
                             {{"SSDBUILD_HEARTBEAT_SECONDS", "1"}});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("[s/x] still running: "));
}

TEST(Cli, ColorOnlyWhenAskedAndNeverWithNoColor) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: echo}]}]\n");
  auto plain = run_shell(ssdbuild::shell_quote(ssdbuild_binary()) + " run r.yaml --state-dir a",
                         dir.path(), {{"SSDBUILD_BOOT_ID", "b"}});
  EXPECT_THAT(plain.output, Not(HasSubstr("\033[")));
  auto forced = run_shell(
      ssdbuild::shell_quote(ssdbuild_binary()) + " --color=always run r.yaml --state-dir b",
      dir.path(), {{"SSDBUILD_BOOT_ID", "b"}});
  EXPECT_THAT(forced.output, HasSubstr("\033["));
  auto no_color = run_ssdbuild({"--color=always", "run", "r.yaml", "--state-dir", "c"}, dir.path());
  EXPECT_THAT(no_color.output, Not(HasSubstr("\033[")));
}

// On a real terminal (a pty from util-linux's `script`) colour is on by itself; a notebook
// (COLAB_*) or --progress=plain turns it off there; --progress=fancy turns it on anywhere.
TEST(Cli, ProgressStyleFollowsTheTerminalAndTheNotebook) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: echo}]}]\n");
  std::string binary = ssdbuild::shell_quote(ssdbuild_binary());
  int folder = 0;
  auto on_pty = [&](const std::string& options, const std::string& env) {
    std::string command = "env -u NO_COLOR TERM=xterm " + env + " " + binary + " " + options +
                          " run r.yaml --state-dir s" + std::to_string(++folder);
    return run_shell("script -qec " + ssdbuild::shell_quote(command) + " /dev/null", dir.path(),
                     {{"SSDBUILD_BOOT_ID", "b"}});
  };
  auto terminal = on_pty("", "");
  ASSERT_EQ(terminal.exit_code, 0) << terminal.output;
  EXPECT_THAT(terminal.output, HasSubstr("\033["));
  auto notebook = on_pty("", "COLAB_RELEASE_TAG=test");
  ASSERT_EQ(notebook.exit_code, 0) << notebook.output;
  EXPECT_THAT(notebook.output, Not(HasSubstr("\033[")));
  auto plain = on_pty("--progress=plain", "");
  EXPECT_THAT(plain.output, Not(HasSubstr("\033[")));
  auto fancy = run_shell("env -u NO_COLOR " + binary + " --progress=fancy run r.yaml --state-dir p",
                         dir.path(), {{"SSDBUILD_BOOT_ID", "b"}});
  EXPECT_THAT(fancy.output, HasSubstr("\033["));
}

// `run --json` in a notebook cell (`!ssdbuild run --json > events.jsonl`): the events go to
// the file, and the cell (a pty) gets the step lines on stderr, styled for what stderr is:
// plain in a notebook, coloured on a terminal.
TEST(Cli, JsonStyleFollowsStderrWhichCarriesTheLines) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: echo}]}]\n");
  std::string binary = ssdbuild::shell_quote(ssdbuild_binary());
  auto on_pty = [&](const std::string& env, const std::string& name) {
    std::string command = "env -u NO_COLOR TERM=xterm " + env + " " + binary +
                          " run r.yaml --json --state-dir " + name + " > " + name + ".jsonl";
    return run_shell("script -qec " + ssdbuild::shell_quote(command) + " /dev/null", dir.path(),
                     {{"SSDBUILD_BOOT_ID", "b"}});
  };
  auto notebook = on_pty("COLAB_RELEASE_TAG=test", "notebook");
  ASSERT_EQ(notebook.exit_code, 0) << notebook.output;
  EXPECT_THAT(notebook.output, HasSubstr("==> [1/1] s/x  (run: never ran)"));
  EXPECT_THAT(notebook.output, HasSubstr("summary of this run:"));
  EXPECT_THAT(notebook.output, Not(HasSubstr("\033[")));
  EXPECT_THAT(notebook.output, Not(HasSubstr("\"event\"")));
  auto events = split_lines(read_text(dir / "notebook.jsonl"));
  ASSERT_EQ(events.size(), 4u);  // run_start, step_start, step_end, run_end
  for (const auto& line : events) EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  auto terminal = on_pty("", "terminal");
  ASSERT_EQ(terminal.exit_code, 0) << terminal.output;
  EXPECT_THAT(terminal.output, HasSubstr("\033["));
  EXPECT_THAT(read_text(dir / "terminal.jsonl"), Not(HasSubstr("\033")));
}

TEST(Cli, RecipesShowAndFacts) {
  TempDir dir;
  auto recipes = run_ssdbuild({"recipes"}, dir.path());
  EXPECT_EQ(recipes.exit_code, 0);
  EXPECT_THAT(recipes.output, HasSubstr("ssd-caffe"));
  EXPECT_THAT(recipes.output, HasSubstr("(default)"));
  auto show = run_ssdbuild({"show", "ssd-caffe"}, dir.path());
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_EQ(show.output.rfind("name: ssd-caffe\n", 0), 0u) << show.output;
  auto facts = run_ssdbuild({"facts", "--json"}, dir.path(), {{"SSDBUILD_BOOT_ID", "simulated"}});
  ASSERT_EQ(facts.exit_code, 0) << facts.output;
  auto document = nlohmann::json::parse(facts.output);
  EXPECT_EQ(document["boot_id"], "simulated");
  EXPECT_EQ(document["gpu.count"].get<std::string>(), std::to_string(document["gpus"].size()));
  EXPECT_FALSE(document["os.id"].get<std::string>().empty());
  EXPECT_GE(std::stoi(document["cpu.count"].get<std::string>()), 1);
}

TEST(Cli, LogOfAStepThatNeverRanSaysSo) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: echo}]}]\n");
  auto result = run_ssdbuild({"log", "s/x", "-r", "r.yaml", "--state-dir", "st"}, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("no log for s/x yet"));
  auto typo = run_ssdbuild({"log", "s/y", "-r", "r.yaml", "--state-dir", "st"}, dir.path());
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.output, HasSubstr("did you mean `s/x`?"));
}

TEST(Cli, MissingWorkFolderFailsTheStepWithAClearMessage) {
  TempDir dir;
  write_text(dir / "r.yaml",
             "name: r\nstages: [{name: s, steps: [{name: x, cwd: nowhere, run: echo}]}]\n");
  auto result = run_ssdbuild({"run", "r.yaml", "--state-dir", "st"}, dir.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("nowhere does not exist (create it in an earlier step"));
}

}  // namespace
}  // namespace ssdbuild::testing

namespace ssdbuild::testing {
namespace {

TEST(Cli, ValidateFindsVarsThatReferToEachOther) {
  TempDir dir;
  write_text(dir / "r.yaml",
             "name: r\nvars:\n  a: x${b}\n  b: ${c}\n  c: ${a}\n  1x: bad\n"
             "stages: [{name: s, steps: [{run: echo}]}]\n");
  auto result = run_ssdbuild({"validate", "r.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("r.yaml:3:6: error: vars refer to each other in a cycle: a -> b -> "
                        "c -> a"));
  EXPECT_THAT(result.output, HasSubstr("`1x` cannot be a var name"));
}

TEST(Cli, AttemptNumbersGoOnAfterAReset) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: r\nstages: [{name: s, steps: [{name: x, run: echo hi}]}]\n");
  ASSERT_EQ(run_ssdbuild({"run", "r.yaml", "--state-dir", "st"}, dir.path()).exit_code, 0);
  ASSERT_EQ(run_ssdbuild({"reset", "s", "-r", "r.yaml", "--state-dir", "st"}, dir.path()).exit_code,
            0);
  ASSERT_EQ(run_ssdbuild({"run", "r.yaml", "--state-dir", "st"}, dir.path()).exit_code, 0);
  auto second = run_ssdbuild({"log", "s/x", "-r", "r.yaml", "--state-dir", "st", "--attempt", "2"},
                             dir.path());
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("attempt 2 ===="));
  std::string all = read_text(dir / "st/logs/s/x.log");
  EXPECT_EQ(all.find("attempt 1 ====", all.find("attempt 1 ====") + 1), std::string::npos);
}

// --verbose (like ninja's -d explain): argv, the facts, the relevant environment, each child
// started and ended, and the reason for every decision, on stderr.
TEST(Cli, VerboseLogsArgvFactsEnvironmentChildrenAndEveryDecision) {
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: v\nstages:\n  - name: s\n    steps:\n      - name: a\n        run: 'true'\n"
             "      - name: b\n        when: facts.cpu.count == \"0\"\n        run: 'true'\n");
  auto result = run_shell(shell_quote(ssdbuild_binary()) +
                              " --verbose run recipe.yaml --state-dir state 2> verbose.log",
                          dir.path(), {{"SSDBUILD_BOOT_ID", "verbose-boot"}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::string log = read_text(dir / "verbose.log");
  for (const char* expected :
       {"argv: ", " --verbose run recipe.yaml --state-dir state", "fact cpu.count = ",
        "fact os.id = ", "env SSDBUILD_BOOT_ID=verbose-boot", "env PATH=", "s/a: run: never ran",
        "s/b: skip: `when` is false", "spawned pid ", "ended with status 0"}) {
    EXPECT_THAT(log, HasSubstr(expected)) << expected << "\n" << log;
  }
  EXPECT_THAT(result.output, Not(HasSubstr("fact cpu.count"))) << "not on stdout";
}

// Offline (a network namespace with no interfaces), the main job stops at its first
// download with the host named and the command that re-runs just that step.
TEST(Cli, OfflineTheDefaultRecipeFailsCleanlyAtItsFirstDownload) {
  TempDir dir;
  if (run_shell("unshare -n true", dir.path()).exit_code != 0) {
    GTEST_SKIP() << "no network namespace here (needs root)";
  }
  auto result = run_shell("unshare -n " + ssdbuild::shell_quote(ssdbuild_binary()) +
                              " run --only source --state-dir state",
                          dir.path(), {{"SSDBUILD_BOOT_ID", "offline"}});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("FAILED: source/clone (git: cannot clone "
                                       "https://github.com/weiliu89/caffe.git"));
  EXPECT_THAT(result.output, HasSubstr("github.com"));
  EXPECT_THAT(result.output, HasSubstr("re-run just this step: ssdbuild run ssd-caffe"));
  EXPECT_FALSE(std::filesystem::exists(dir / "caffe"));
}

// The state folder: --state-dir, else $SSDBUILD_STATE_DIR, else MyDrive/ssdbuild/<recipe>
// when Google Drive is mounted (/content/drive/MyDrive, made here for the test when this
// machine has no /content), else ./.ssdbuild/<recipe>.
TEST(Cli, TheStateFolderComesFromTheFlagTheEnvironmentDriveOrTheWorkFolder) {
  TempDir dir;
  write_text(dir / "r.yaml", "name: where\nstages: [{name: s, steps: [{name: x, run: echo}]}]\n");
  auto folder_of = [&](std::vector<std::string> extra,
                       std::vector<std::pair<std::string, std::string>> env = {}) {
    std::vector<std::string> arguments = {"status", "r.yaml", "--json"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    auto result = run_ssdbuild(arguments, dir.path(), std::move(env));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return nlohmann::json::parse(result.output)["state_dir"].get<std::string>();
  };
  const std::filesystem::path drive = "/content/drive/MyDrive";
  bool made_drive = false;
  if (!std::filesystem::exists("/content") && ::geteuid() == 0) {
    std::filesystem::create_directories(drive);
    made_drive = true;
  }
  std::string by_default = folder_of({});
  std::string from_flag = folder_of({"--state-dir", (dir / "flag").string()});
  std::string from_env = folder_of({}, {{"SSDBUILD_STATE_DIR", (dir / "env").string()}});
  std::string both = folder_of({"--state-dir", (dir / "flag").string()},
                               {{"SSDBUILD_STATE_DIR", (dir / "env").string()}});
  if (made_drive) std::filesystem::remove_all("/content");
  std::string without_drive = folder_of({});
  EXPECT_EQ(from_flag, (dir / "flag").string());
  EXPECT_EQ(from_env, (dir / "env").string());
  EXPECT_EQ(both, (dir / "flag").string());
  if (made_drive) {
    EXPECT_EQ(by_default, (drive / "ssdbuild/where").string());
  }
  if (!std::filesystem::exists(drive)) {
    EXPECT_EQ(without_drive, (dir / ".ssdbuild/where").string());
  }
}

// What a step reads from the machine (facts, ${env.NAME}) is part of its fingerprint: the
// same value skips it, another value runs it again.
TEST(Cli, AStepRunsAgainWhenWhatItReadsOfTheMachineChanges) {
  TempDir dir;
  write_text(dir / "r.yaml",
             "name: reads\nstages: [{name: s, steps: [{name: x, run: 'echo ${env.FLAVOUR} "
             "${facts.arch}'}]}]\n");
  auto run = [&](const std::string& flavour) {
    return run_ssdbuild({"run", "r.yaml", "--state-dir", "state"}, dir.path(),
                        {{"FLAVOUR", flavour}});
  };
  ASSERT_EQ(run("vanilla").exit_code, 0);
  auto same = run("vanilla");
  EXPECT_THAT(without_counters(same.output), HasSubstr("--- s/x  (skip: done"));
  auto other = run("chocolate");
  EXPECT_THAT(without_counters(other.output), HasSubstr("==> s/x  (run: definition changed)"));
}

}  // namespace
}  // namespace ssdbuild::testing
