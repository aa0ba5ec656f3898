// The I/O module (libcurl, libgit2, libarchive) loads only when a step downloads, clones or
// extracts: plan and status work without it, and a run that needs it and cannot find it
// fails at that step, saying where it looked and what to do.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

class IoModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The binary alone, away from its module.
    std::filesystem::create_directories(dir_ / "bin");
    std::filesystem::copy_file(ssdbuild_binary(), dir_ / "bin/ssdbuild");
    write_text(dir_ / "served/data.txt", "payload\n");
    write_text(dir_ / "recipe.yaml",
               "name: io\nstages:\n  - name: get\n    steps:\n"
               "      - name: download\n        fetch: {url: 'file://" +
                   (dir_ / "served/data.txt").string() + "', sha256: " + sha256_hex("payload\n") +
                   ", dest: data.txt}\n");
  }
  CommandResult ssdbuild(const std::string& arguments, const std::string& module) {
    return run_shell(
        "unset SSDBUILD_IO_MODULE; " +
            (module.empty() ? "" : "export SSDBUILD_IO_MODULE=" + shell_quote(module) + "; ") +
            shell_quote((dir_ / "bin/ssdbuild").string()) + " " + arguments +
            " recipe.yaml --state-dir state",
        dir_.path(), {{"SSDBUILD_BOOT_ID", "test-boot-1"}, {"NO_COLOR", "1"}});
  }
  TempDir dir_;
};

TEST_F(IoModuleTest, PlanNeedsNoModuleAndARunSaysWhereItLooked) {
  auto plan = ssdbuild("plan", "");
  EXPECT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("fetch: will download to"));

  auto run = ssdbuild("run", "");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  for (const std::string& expected :
       {std::string("cannot load ssdbuild-io.so, which downloads, git checkouts and extraction "
                    "need:"),
        (dir_ / "bin/ssdbuild-io.so").string() + ": not there",
        (dir_ / "lib/ssdbuild/ssdbuild-io.so").string() + ": not there",
        std::string("SSDBUILD_IO_MODULE"), std::string("get/download")}) {
    EXPECT_THAT(run.output, HasSubstr(expected)) << expected << "\n" << run.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data.txt"));
}

TEST_F(IoModuleTest, SsdbuildIoModuleNamesTheModule) {
  auto run = ssdbuild("run", SSDBUILD_IO_MODULE_FILE);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(read_text(dir_ / "data.txt"), "payload\n");
}

TEST_F(IoModuleTest, AFileThatIsNotTheModuleIsRefusedByName) {
  write_text(dir_ / "fake.so", "not a shared object\n");
  auto run = ssdbuild("run", (dir_ / "fake.so").string());
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr((dir_ / "fake.so").string() + ": "));

  // A real shared object without the entry point.
  auto libz = run_shell("ldconfig -p | awk '/libz\\.so\\.1 / { print $NF; exit }'", dir_.path());
  std::string path(trim(libz.output));
  ASSERT_FALSE(path.empty()) << libz.output;
  auto other = ssdbuild("run", path);
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_THAT(other.output, HasSubstr(path + ": not an ssdbuild I/O module"));
}

}  // namespace
}  // namespace ssdbuild::testing
