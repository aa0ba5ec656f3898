// The work folder is remembered in the state: a run, plan or status started in another
// folder (a notebook's %cd) with the same state folder resumes where the build is, and
// `--set workdir=` moves it on purpose. Driven through the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

// `outside` reads nothing of the work folder; the `build` steps run in it and say so in its
// `counter` file.
const char* kRecipe = R"(name: where
stages:
  - name: outside
    needs: []
    steps:
      - name: note
        scope: persistent
        cwd: /
        run: echo outside
  - name: build
    needs: []
    steps:
      - name: source
        scope: persistent
        run: echo source >> counter; mkdir -p src; echo code > src/main.c
        creates: src/main.c
      - name: compile
        scope: persistent
        run: echo compile >> counter; cp src/main.c program
        creates: program
)";

class WorkdirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::canonical(dir_.path());
    write_text(root_ / "recipe.yaml", kRecipe);
    for (const char* folder : {"a", "b", "c"}) std::filesystem::create_directories(root_ / folder);
  }

  // ssdbuild COMMAND recipe.yaml --state-dir <root>/state EXTRA..., started in `folder`.
  CommandResult ssdbuild(const std::string& command, const std::string& folder,
                         std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {command, (root_ / "recipe.yaml").string(), "--state-dir",
                                          (root_ / "state").string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_ssdbuild(arguments, root_ / folder);
  }

  std::string counter(const std::string& folder) {
    std::error_code error;
    if (!std::filesystem::exists(root_ / folder / "counter", error)) return "";
    return read_text(root_ / folder / "counter");
  }

  std::string recorded_workdir() {
    auto state = nlohmann::json::parse(read_text(root_ / "state/state.json"));
    return state.value("workdir", "");
  }

  std::string path(const std::string& folder) const { return (root_ / folder).string(); }

  TempDir dir_;
  std::filesystem::path root_;
};

TEST_F(WorkdirTest, ARunRecordsItsWorkFolderInTheState) {
  auto first = ssdbuild("run", "a");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(counter("a"), "source\ncompile\n");
  EXPECT_EQ(recorded_workdir(), path("a"));
  EXPECT_THAT(first.output, Not(HasSubstr("work folder")));
}

TEST_F(WorkdirTest, StartedElsewhereRunPlanAndStatusUseTheRecordedFolderAndRunNothing) {
  ASSERT_EQ(ssdbuild("run", "a").exit_code, 0);
  const std::string notice = "ssdbuild: work folder " + path("a") +
                             " (recorded in the state; started in " + path("b") + ")";

  auto run = ssdbuild("run", "b");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr(notice + "\n"));
  EXPECT_THAT(run.output,
              HasSubstr("0 step(s) to run, " + std::to_string(steps_in(kRecipe)) + " to skip"));
  EXPECT_THAT(run.output, Not(HasSubstr("definition changed")));
  EXPECT_EQ(counter("a"), "source\ncompile\n");
  EXPECT_EQ(counter("b"), "");
  EXPECT_EQ(recorded_workdir(), path("a"));

  auto plan = ssdbuild("plan", "b");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr(notice));
  EXPECT_THAT(plan.output, Not(HasSubstr("definition changed")));
  EXPECT_THAT(plan.output, HasSubstr("0 step(s) to run"));

  auto status = ssdbuild("status", "b");
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr(notice));
  EXPECT_THAT(status.output,
              HasSubstr("next run: 0 to run, " + std::to_string(steps_in(kRecipe)) + " to skip"));

  // With --json the line goes to stderr, and stdout stays JSON that names the folder.
  auto json = run_shell(shell_quote(ssdbuild_binary()) + " status --json " +
                            shell_quote((root_ / "recipe.yaml").string()) + " --state-dir " +
                            shell_quote((root_ / "state").string()) + " 2> stderr.txt",
                        root_ / "b");
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto document = nlohmann::json::parse(json.output);
  EXPECT_EQ(document["workdir"], path("a"));
  EXPECT_EQ(document["summary"]["to_run"], 0);
  EXPECT_EQ(read_text(root_ / "b/stderr.txt"), notice + "\n");
}

TEST_F(WorkdirTest, SetWorkdirMovesTheBuildOnPurposeAndSaysWhatThatMeans) {
  ASSERT_EQ(ssdbuild("run", "a").exit_code, 0);
  // Relative to the folder ssdbuild starts in, as a path on the command line is.
  auto moved = ssdbuild("run", "b", {"--set", "workdir=../c"});
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_THAT(moved.output,
              HasSubstr("ssdbuild: the work folder moves from " + path("a") +
                        " (recorded in the state) to " + path("c") + " (--set workdir)"));
  EXPECT_THAT(moved.output, HasSubstr("run again there, a fresh build"));
  EXPECT_THAT(moved.output, HasSubstr(path("a") + " is left as it is"));
  EXPECT_THAT(moved.output, HasSubstr("go back with --set workdir=" + path("a")));
  // The steps that read the work folder run in the new one; the other does not run.
  EXPECT_THAT(without_counters(moved.output),
              HasSubstr("==> build/source  (run: definition changed)"));
  EXPECT_THAT(without_counters(moved.output), HasSubstr("--- outside/note"));
  EXPECT_EQ(counter("c"), "source\ncompile\n");
  EXPECT_EQ(counter("a"), "source\ncompile\n");  // left as it was
  EXPECT_TRUE(std::filesystem::exists(root_ / "a/program"));
  EXPECT_EQ(recorded_workdir(), path("c"));

  // From then on the new folder is the recorded one.
  auto again = ssdbuild("run", "b");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output,
              HasSubstr("ssdbuild: work folder " + path("c") + " (recorded in the state"));
  EXPECT_THAT(again.output, HasSubstr("0 step(s) to run"));

  // The same folder as recorded is no move, and says nothing.
  auto same = ssdbuild("status", "b", {"--set", "workdir=" + path("c")});
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_THAT(same.output, Not(HasSubstr("work folder")));
  EXPECT_THAT(same.output, HasSubstr("next run: 0 to run"));
}

// `--set workdir=/content/fast` on a fresh machine: the folder does not exist yet. A run
// makes it before the first step, and so does the plan's script.
TEST_F(WorkdirTest, ARunAndAPlanScriptMakeAWorkFolderThatDoesNotExistYet) {
  auto run = ssdbuild("run", "a", {"--set", "workdir=" + path("new/deeper")});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(counter("new/deeper"), "source\ncompile\n");

  auto plan = run_ssdbuild({"plan", (root_ / "recipe.yaml").string(), "--state-dir",
                            path("plan-state"), "--set", "workdir=" + path("planned/x")},
                           root_ / "a");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("mkdir -p " + path("plan-state") + " " + path("planned/x")));
  write_text(root_ / "plan.sh", plan.output);
  auto script = run_shell("bash " + shell_quote((root_ / "plan.sh").string()), root_ / "b");
  ASSERT_EQ(script.exit_code, 0) << script.output;
  EXPECT_EQ(counter("planned/x"), "source\ncompile\n");
}

TEST_F(WorkdirTest, PlanAndStatusWithSetWorkdirSayTheMoveButRecordNothing) {
  ASSERT_EQ(ssdbuild("run", "a").exit_code, 0);
  auto plan = ssdbuild("plan", "a", {"--set", "workdir=" + path("c")});
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("the work folder moves from " + path("a")));
  EXPECT_THAT(plan.output, HasSubstr("cd " + path("c")));
  auto status = ssdbuild("status", "a", {"--set", "workdir=" + path("c")});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_THAT(status.output, HasSubstr("the work folder moves from " + path("a")));
  EXPECT_THAT(status.output, HasSubstr("next run: 2 to run, 1 to skip"));
  EXPECT_EQ(recorded_workdir(), path("a"));
}

// A VM reset wiped the recorded folder: nothing is left there to resume, so the build
// starts again where ssdbuild started, and the line says why.
TEST_F(WorkdirTest, ARecordedFolderThatIsGoneGivesWayToTheStartFolder) {
  std::filesystem::create_directories(root_ / "gone");
  ASSERT_EQ(ssdbuild("run", "gone").exit_code, 0);
  std::filesystem::remove_all(root_ / "gone");
  auto run = ssdbuild("run", "b");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("ssdbuild: the work folder moves from " + path("gone") +
                                    " (recorded in the state, now gone) to " + path("b") +
                                    " (where ssdbuild started)"));
  EXPECT_EQ(counter("b"), "source\ncompile\n");
  EXPECT_EQ(recorded_workdir(), path("b"));
}

// state.json files written before the field existed load, and the next run records it
// without re-running anything.
TEST_F(WorkdirTest, AStateWithoutARecordedFolderUsesTheStartFolderAndRecordsIt) {
  ASSERT_EQ(ssdbuild("run", "a").exit_code, 0);
  auto state = nlohmann::json::parse(read_text(root_ / "state/state.json"));
  state.erase("workdir");
  write_text(root_ / "state/state.json", state.dump(2));
  auto run = ssdbuild("run", "a");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("work folder")));
  EXPECT_THAT(run.output, HasSubstr("0 step(s) to run"));
  EXPECT_EQ(recorded_workdir(), path("a"));
}

}  // namespace
}  // namespace ssdbuild::testing
