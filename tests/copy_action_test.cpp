// The `copy` action, through the real binary.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {
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
  EXPECT_NE(result.output.find("configure/copy-makefile.config"), std::string::npos)
      << result.output;
}

TEST_F(CopyActionTest, ExistingTargetIsKeptUnlessOverwriteIsTrue) {
  write_text(dir_ / "Makefile.config", "edited by hand\n");
  auto kept = run();
  ASSERT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_EQ(read_text(dir_ / "Makefile.config"), "edited by hand\n");
  EXPECT_NE(kept.output.find("kept"), std::string::npos) << kept.output;
  auto replaced = run({"--set", "mode=true"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.output;
  EXPECT_EQ(read_text(dir_ / "Makefile.config"), "# CUDA_DIR := /usr\nBLAS := open\n");
}

TEST_F(CopyActionTest, MissingSourceFailsWithItsName) {
  std::filesystem::remove(dir_ / "Makefile.config.example");
  auto result = run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("copy: " + (dir_ / "Makefile.config.example").string() +
                               " does not exist"),
            std::string::npos)
      << result.output;
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
  EXPECT_NE(plan.output.find("#     copy: will create " + (other / "Makefile.config").string()),
            std::string::npos)
      << plan.output;
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
  EXPECT_NE(result.output.find("recipe.yaml:5:25: error: unknown key `too` in `copy` (did you "
                               "mean `to`?)"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace ssdbuild::testing
