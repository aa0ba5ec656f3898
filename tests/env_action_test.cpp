// The `env` action: variables for the steps after it, kept across runs, and printed for a
// notebook by `ssdbuild env`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

const char* kRecipe = R"(name: environment
vars:
  lib: /opt/caffe/lib
stages:
  - name: one
    steps:
      - name: before
        run: echo "before=$${PYTHONPATH:-none}" >> seen
      - name: paths
        env:
          set: {PYTHONPATH: "${workdir}/caffe/python"}
          prepend: {PATH: [/opt/tools/bin, /opt/more/bin], LD_LIBRARY_PATH: "${lib}"}
          append: {EXTRA: last}
  - name: two
    steps:
      - name: after
        env: {OWN: mine}
        run: |
          echo "after=$PYTHONPATH" >> seen
          echo "path=$${PATH%%:/usr*}" >> seen
          echo "ld=$LD_LIBRARY_PATH extra=$EXTRA own=$OWN" >> seen
)";

class EnvActionTest : public ::testing::Test {
 protected:
  void SetUp() override { write_text(dir_ / "recipe.yaml", kRecipe); }
  CommandResult ssdbuild(std::vector<std::string> arguments,
                         std::vector<std::pair<std::string, std::string>> env = {}) {
    env.emplace_back("LD_LIBRARY_PATH", "");
    env.emplace_back("EXTRA", "first");
    env.emplace_back("PATH", "/usr/bin:/bin");
    return run_ssdbuild(arguments, dir_.path(), env);
  }
  TempDir dir_;
};

TEST_F(EnvActionTest, LaterStepsGetTheChangesEarlierOnesDoNot) {
  auto result = ssdbuild({"run", "recipe.yaml", "--state-dir", "state"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "seen"), "before=none\nafter=" + (dir_ / "caffe/python").string() +
                                          "\npath=/opt/tools/bin:/opt/more/bin\n"
                                          "ld=/opt/caffe/lib extra=first:last own=mine\n");
}

TEST_F(EnvActionTest, AResumedRunStillHasTheEnvironment) {
  ASSERT_EQ(ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}).exit_code, 0);
  std::filesystem::remove(dir_ / "seen");
  auto result = ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "two/after"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("one/paths  (skip: done"));
  EXPECT_THAT(read_text(dir_ / "seen"), HasSubstr("after=" + (dir_ / "caffe/python").string()));
}

TEST_F(EnvActionTest, TheCallersPathDoesNotChangeFingerprintsButTheRecipeDoes) {
  ASSERT_EQ(ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}).exit_code, 0);
  auto other_path = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir_.path(),
                                 {{"PATH", "/usr/local/bin:/usr/bin:/bin"}});
  EXPECT_THAT(other_path.output,
              HasSubstr("0 step(s) ran, " + std::to_string(steps_in(kRecipe)) + " skipped"));
  auto changed = ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--set", "lib=/x"});
  EXPECT_THAT(changed.output, HasSubstr("two/after  (run: definition changed)"));
  EXPECT_THAT(changed.output, HasSubstr("one/before  (skip: done"));
}

TEST_F(EnvActionTest, EnvFileAndEnvCommandGiveTheSameValues) {
  ASSERT_EQ(ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}).exit_code, 0);
  auto sourced = run_shell("source state/env.sh && echo \"$PYTHONPATH|$LD_LIBRARY_PATH|$EXTRA\"",
                           dir_.path(), {{"LD_LIBRARY_PATH", ""}, {"EXTRA", "first"}});
  EXPECT_EQ(sourced.output, (dir_ / "caffe/python").string() + "|/opt/caffe/lib|first:last\n");
  auto json = ssdbuild({"env", "recipe.yaml", "--state-dir", "state", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto values = nlohmann::json::parse(json.output);
  EXPECT_EQ(values["PYTHONPATH"], (dir_ / "caffe/python").string());
  EXPECT_EQ(values["PATH"], "/opt/tools/bin:/opt/more/bin:/usr/bin:/bin");
  EXPECT_EQ(values["EXTRA"], "first:last");
  auto python = ssdbuild({"env", "recipe.yaml", "--state-dir", "state", "--format", "python"});
  write_text(dir_ / "load.py",
             python.output + "print(os.environ['LD_LIBRARY_PATH'], sys.path[0])\n");
  auto loaded = run_shell("python3 load.py", dir_.path());
  EXPECT_EQ(loaded.output, "/opt/caffe/lib " + (dir_ / "caffe/python").string() + "\n")
      << python.output;
}

TEST_F(EnvActionTest, PlanScriptGivesTheSameEnvironment) {
  TempDir other;
  write_text(other / "recipe.yaml", kRecipe);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, other.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(other / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh", other.path(),
                          {{"LD_LIBRARY_PATH", ""}, {"EXTRA", "first"}, {"PATH", "/usr/bin:/bin"}});
  ASSERT_EQ(script.exit_code, 0) << script.output;
  ASSERT_EQ(ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}).exit_code, 0);
  std::string expected = read_text(dir_ / "seen");
  std::string planned = read_text(other / "seen");
  // Same lines, with each folder's own workdir.
  EXPECT_EQ(planned.substr(planned.find("path=")), expected.substr(expected.find("path=")));
  EXPECT_EQ(read_text(other / "state/env.sh").substr(0, 60),
            read_text(dir_ / "state/env.sh").substr(0, 60));
}

TEST_F(EnvActionTest, EnvFieldAndEnvActionAreToldApart) {
  write_text(dir_ / "recipe.yaml", R"(name: r
stages:
  - name: s
    steps:
      - env: {FOO: bar}
)");
  auto result = ssdbuild({"validate", "recipe.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("a step needs an action"));
  write_text(dir_ / "recipe.yaml", R"(name: r
stages:
  - name: s
    steps:
      - env: {set: {1BAD: x}}
)");
  auto bad = ssdbuild({"validate", "recipe.yaml"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("`1BAD` is not an environment variable name"));
}

}  // namespace
}  // namespace ssdbuild::testing
