// `alternatives` and `ldconfig` against the real update-alternatives and ldconfig.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "ssdbuild/actions/system_actions.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::vector<std::string> kRun = {"run", "recipe.yaml", "--state-dir", "state"};

std::string alternatives_recipe(const TempDir& dir) {
  std::string root = dir.path().string();
  return "name: alt\nstages:\n  - name: toolchain\n    steps:\n"
         "      - alternatives: {name: cc, link: " +
         root + "/bin/cc, path: " + root + "/opt/cc-5, priority: 20, set: true, altdir: " + root +
         "/alt, admindir: " + root +
         "/admin}\n"
         "      - name: newer\n        alternatives: {name: cc, link: " +
         root + "/bin/cc, path: " + root + "/opt/cc-7, priority: 50, altdir: " + root +
         "/alt, admindir: " + root + "/admin}\n";
}

void make_compilers(const TempDir& dir) {
  write_text(dir / "opt/cc-5", "#!/bin/sh\necho 5\n");
  write_text(dir / "opt/cc-7", "#!/bin/sh\necho 7\n");
  run_shell("chmod +x opt/cc-5 opt/cc-7 && mkdir -p bin alt admin", dir.path());
}

TEST(Alternatives, InstallsAndSelectsAndIsThenInPlace) {
  TempDir dir;
  make_compilers(dir);
  write_text(dir / "recipe.yaml", alternatives_recipe(dir));
  auto result = run_ssdbuild(kRun, dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  // set: true pins cc-5 although cc-7 has the higher priority.
  EXPECT_EQ(run_shell("bin/cc", dir.path()).output, "5\n");
  auto again = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "toolchain"},
                            dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("is in place"));
  EXPECT_EQ(run_shell("bin/cc", dir.path()).output, "5\n");
}

TEST(Alternatives, PlanScriptDoesTheSame) {
  TempDir dir;
  make_compilers(dir);
  write_text(dir / "recipe.yaml", alternatives_recipe(dir));
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0);
  write_text(dir / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh && bash plan.sh", dir.path());
  ASSERT_EQ(script.exit_code, 0) << script.output;
  EXPECT_EQ(run_shell("bin/cc", dir.path()).output, "5\n");
}

TEST(Alternatives, RecognisesItsEffectInQueryOutput) {
  AlternativesAction action({"cc", "/usr/bin/cc", "/usr/bin/gcc-5", 20, true, "", ""});
  std::string query =
      "Name: cc\nLink: /usr/bin/cc\nStatus: manual\nBest: /usr/bin/gcc-7\nValue: /usr/bin/gcc-5\n\n"
      "Alternative: /usr/bin/gcc-5\nPriority: 20\n\nAlternative: /usr/bin/gcc-7\nPriority: 50\n";
  EXPECT_TRUE(action.in_place(query));
  std::string other_value = query;
  other_value.replace(other_value.find("Value: /usr/bin/gcc-5"), 21, "Value: /usr/bin/gcc-7");
  EXPECT_FALSE(action.in_place(other_value));
  std::string other_priority = query;
  other_priority.replace(other_priority.find("Priority: 20"), 12, "Priority: 10");
  EXPECT_FALSE(action.in_place(other_priority));
}

// Two ldconfig steps of one recipe must not write the same file: the second would drop the
// first one's folders.
TEST(Ldconfig, EachStepHasItsOwnDefaultFile) {
  TempDir dir;
  write_text(dir / "recipe.yaml",
             "name: libs\nstages:\n  - name: s\n    steps:\n"
             "      - ldconfig: {paths: [/opt/a]}\n      - ldconfig: {paths: [/opt/b]}\n");
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("cat > /etc/ld.so.conf.d/ssdbuild-libs-s-ldconfig.conf"));
  EXPECT_THAT(plan.output, HasSubstr("cat > /etc/ld.so.conf.d/ssdbuild-libs-s-ldconfig-2.conf"));
  // The plan creates the file's folder, as a run does.
  EXPECT_THAT(plan.output, HasSubstr("mkdir -p /etc/ld.so.conf.d\n"));
}

TEST(Ldconfig, RegistersAFolderOnceAndReRunsWriteNothing) {
  if (::geteuid() != 0) GTEST_SKIP() << "ldconfig needs root";
  TempDir dir;
  std::string tag = "ssdbtest" + std::to_string(::getpid());
  write_text(dir / "lib.c", "int ssdbuild_test_value(void) { return 42; }\n");
  auto built = run_shell("mkdir -p lib && cc -shared -fPIC -o lib/lib" + tag + ".so.1 lib.c " +
                             "-Wl,-soname,lib" + tag + ".so.1",
                         dir.path());
  ASSERT_EQ(built.exit_code, 0) << built.output;
  std::string conf = "/etc/ld.so.conf.d/" + tag + ".conf";
  write_text(dir / "recipe.yaml",
             "name: libs\nstages:\n  - name: s\n    steps:\n"
             "      - ldconfig: {paths: [lib], file: " +
                 conf + "}\n");
  auto result = run_ssdbuild(kRun, dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(conf),
            "# Written by ssdbuild; removed with this file.\n" + (dir / "lib").string() + "\n");
  EXPECT_THAT(run_shell("ldconfig -p", "/").output, HasSubstr("lib" + tag + ".so.1"));
  auto again =
      run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state", "--force", "s"}, dir.path());
  EXPECT_THAT(again.output, HasSubstr("already lists these folders"));
  std::filesystem::remove(conf);
  run_shell("ldconfig", "/");
  EXPECT_THAT(run_shell("ldconfig -p", "/").output, Not(HasSubstr("lib" + tag + ".so.1")));
}

}  // namespace
}  // namespace ssdbuild::testing
