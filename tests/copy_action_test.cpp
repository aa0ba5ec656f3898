// The `copy` action, through the real binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

const char* kRecipe = R"(name: copying
vars:
  mode: "false"
stages:
  - name: configure
    steps:
      - copy: {from: Makefile.config.example, to: Makefile.config, overwrite: "${mode}"}
      - name: tree
        copy: {from: templates, to: out/templates}
)";

class CopyActionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "recipe.yaml", kRecipe);
    write_text(dir_ / "Makefile.config.example", "# CUDA_DIR := /usr\nBLAS := open\n");
    ::chmod((dir_ / "Makefile.config.example").c_str(), 0640);
    write_text(dir_ / "templates/a.txt", "a\n");
    write_text(dir_ / "templates/sub/b.txt", "b\n");
    std::filesystem::create_directories(dir_ / "out");
  }
  CommandResult run(std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {"run", "recipe.yaml", "--state-dir", "state"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_ssdbuild(arguments, dir_.path());
  }
  TempDir dir_;
};

TEST_F(CopyActionTest, CopiesFilesAndFoldersKeepingTheMode) {
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "Makefile.config"), "# CUDA_DIR := /usr\nBLAS := open\n");
  struct stat info {};
  ::stat((dir_ / "Makefile.config").c_str(), &info);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  EXPECT_EQ(read_text(dir_ / "out/templates/sub/b.txt"), "b\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "Makefile.config.ssdbuild-tmp"));
  EXPECT_THAT(result.output, HasSubstr("configure/copy-makefile.config"));
}

TEST_F(CopyActionTest, ExistingTargetIsKeptUnlessOverwriteIsTrue) {
  write_text(dir_ / "Makefile.config", "edited by hand\n");
  auto kept = run();
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_EQ(read_text(dir_ / "Makefile.config"), "edited by hand\n");
  EXPECT_THAT(kept.output, HasSubstr("kept"));
  auto replaced = run({"--set", "mode=true"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_EQ(read_text(dir_ / "Makefile.config"), "# CUDA_DIR := /usr\nBLAS := open\n");
}

TEST_F(CopyActionTest, MissingSourceFailsWithItsName) {
  std::filesystem::remove(dir_ / "Makefile.config.example");
  auto result = run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("copy: " + (dir_ / "Makefile.config.example").string() +
                                       " does not exist"));
}

TEST_F(CopyActionTest, PlanScriptDoesTheSameAndSaysWhatItWillDo) {
  TempDir other;
  write_text(other / "recipe.yaml", kRecipe);
  write_text(other / "Makefile.config.example", "# CUDA_DIR := /usr\nBLAS := open\n");
  write_text(other / "templates/a.txt", "a\n");
  write_text(other / "templates/sub/b.txt", "b\n");
  std::filesystem::create_directories(other / "out");
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, other.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output,
              HasSubstr("#     copy: will create " + (other / "Makefile.config").string()));
  write_text(other / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh && bash plan.sh", other.path());
  ASSERT_EQ(script.exit_code, 0) << script.output;
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(read_text(other / "Makefile.config"), read_text(dir_ / "Makefile.config"));
  EXPECT_EQ(read_text(other / "out/templates/sub/b.txt"), "b\n");
  EXPECT_FALSE(std::filesystem::exists(other / "out/templates/templates"));
}

TEST_F(CopyActionTest, UnknownKeyIsARecipeError) {
  write_text(dir_ / "recipe.yaml",
             "name: r\nstages:\n  - name: s\n    steps:\n      - copy: "
             "{from: a, too: b}\n");
  auto result = run();
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("recipe.yaml:5:25: error: unknown key `too` in `copy` (did you "
                        "mean `to`?)"));
}

// A file embedded in the binary (the benchmark harness's source), copied out by `run` and
// by the plan's heredoc to the same bytes, into a folder that does not exist yet.
TEST(CopyBuiltinFile, RunAndPlanWriteTheEmbeddedTextExactly) {
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: builtin-copy\nstages:\n  - name: s\n    steps:\n      - name: harness\n"
             "        copy: {from: \"builtin:mobilenet_ssd_bench.cpp\", to: out/new/bench.cpp, "
             "overwrite: true}\n");
  auto shown = run_ssdbuild({"show", "mobilenet_ssd_bench.cpp"}, dir.path());
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  ASSERT_THAT(shown.output, HasSubstr("int main(int argc, char** argv)"));

  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh && mv out by-hand", dir.path());
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  EXPECT_EQ(read_text(dir / "by-hand/new/bench.cpp"), shown.output);

  auto run = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir / "out/new/bench.cpp"), shown.output);
  EXPECT_THAT(run.output, HasSubstr("builtin:mobilenet_ssd_bench.cpp ->"));
}

TEST(CopyBuiltinFile, AnUnknownNameIsARecipeErrorWithTheClosestName) {
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: builtin-copy\nstages:\n  - name: s\n    steps:\n"
             "      - copy: {from: \"builtin:mobilenet_ssd_bench.cc\", to: bench.cpp}\n");
  auto result = run_ssdbuild({"validate", "recipe.yaml"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output,
              HasSubstr("recipe.yaml:5:22: error: no built-in file `mobilenet_ssd_bench.cc` "
                        "(did you mean `mobilenet_ssd_bench.cpp`?)"));
}

}  // namespace
}  // namespace ssdbuild::testing
