// End to end on tests/fixtures/legacy-app: a small project with the legacy shape of
// SSD-Caffe (a Makefile that passes /usr/include as a system folder, a
// Makefile.config.example to edit, a config header to fix) and a Boost-like dependency
// built from a tarball that a real HTTP server serves, driven by a recipe that uses every
// action kind. Cold run, no-op run, VM reset, and `plan | bash` in a fresh folder all give
// the same program output; and each fix of the recipe is shown to be needed.
#include <gmock/gmock.h>

#include "legacy_app_fixture.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class FixtureBuild : public LegacyAppFixture {
 protected:
  // `make` in a copy of the built app dir after `undo` (bash, in the copy) took one fix back.
  CommandResult build_without(const std::string& name, const std::string& undo) {
    fs::path copy = dir_ / ("without-" + name);
    auto copied = run_shell("cp -a work/legacy-app " + shell_quote(copy.string()) + " && cd " +
                                shell_quote(copy.string()) + " && make clean",
                            dir_.path());
    EXPECT_EQ(copied.exit_code, 0) << copied.output;
    return run_shell(undo + " && make all", copy);
  }
};

TEST_F(FixtureBuild, ColdRunNoOpRunResetAndPlanScriptGiveTheSameProgram) {
  // 0. The fixture as its repository holds it does not build: the recipe's fixes are needed.
  auto plain = run_shell("git clone -q " + shell_quote((material_ / "app").string()) +
                             " plain && cd plain && cp Makefile.config.example "
                             "Makefile.config && make all",
                         material_.path());
  EXPECT_NE(plain.exit_code, 0) << plain.output;
  EXPECT_THAT(plain.output, HasSubstr("stdlib.h"));

  // 1. Cold run: everything runs, and the program prints its line.
  auto validated = run_ssdbuild({"validate", kRecipe}, dir_.path());
  ASSERT_EQ(validated.exit_code, 0) << validated.output;
  auto cold = run_recipe("run", dir_, "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput) << cold.output;
  EXPECT_THAT(cold.output, HasSubstr(std::to_string(enabled_steps()) + " step(s) ran"));
  EXPECT_EQ(tarball_requests(), 1);
  if (use_apt_) {
    EXPECT_THAT(cold.output, HasSubstr("apt: every package is installed already"));
  }
  // The recipe's edits, as the files show them.
  std::string config = read_text(dir_ / "work/legacy-app/Makefile.config");
  EXPECT_THAT(config,
              HasSubstr("\n# LIB_DIR := /usr/local/libdep/lib\nLIB_DIR := $(LIBDEP_PREFIX)/lib\n"));
  EXPECT_THAT(config, HasSubstr("\nWITH_FEATURE := 1\n"));
  EXPECT_THAT(config, HasSubstr("\nLIBDEP_PREFIX := " + (dir_ / "prefix").string() + "\n"));
  EXPECT_THAT(config, HasSubstr("\nPREFIX := " + (dir_ / "prefix").string() + "\n"));
  EXPECT_THAT(read_text(dir_ / "work/legacy-app/Makefile"), Not(HasSubstr("-isystem")));
  EXPECT_THAT(read_text(dir_ / "prefix/include/libdep_config.h"),
              HasSubstr("/* #undef LIBDEP_HAVE_C99_MATH */\n#define LIBDEP_HAVE_C99_MATH 1\n"));
  EXPECT_EQ(std::string(trim(run_git(dir_ / "work/legacy-app", "rev-parse HEAD").output)),
            app_commit_);
  // The environment of the env steps, as a notebook or a shell loads it.
  auto sourced =
      run_shell("env -u LD_LIBRARY_PATH bash -c 'source state/env.sh && legacy-app'", dir_.path());
  EXPECT_EQ(sourced.output, kExpectedOutput);
  if (root_) {
    // alternatives: g++ on the steps' PATH is the sysroot's link to the real g++.
    EXPECT_THAT(cold.output,
                HasSubstr("[app/make] compiler: " + (dir_ / "work/sysroot/bin/g++").string()));
    EXPECT_EQ(run_shell("readlink -f work/sysroot/bin/g++", dir_.path()).output,
              run_shell("readlink -f /usr/bin/g++", dir_.path()).output);
    EXPECT_EQ(
        read_text(dir_ / "work/sysroot/etc/ld.so.conf.d/libdep.conf"),
        "# Written by ssdbuild; removed with this file.\n" + (dir_ / "prefix/lib").string() + "\n");
  }

  // Each fix, taken back alone, breaks the build again.
  auto without_isystem_fix = build_without("isystem", "git show HEAD:Makefile > Makefile");
  EXPECT_NE(without_isystem_fix.exit_code, 0) << without_isystem_fix.output;
  EXPECT_THAT(without_isystem_fix.output, HasSubstr("stdlib.h"));
  auto without_config = build_without("config", "cp Makefile.config.example Makefile.config");
  EXPECT_NE(without_config.exit_code, 0) << without_config.output;
  EXPECT_THAT(without_config.output, HasSubstr("libdep.h"));
  auto without_header_fix =
      build_without("header",
                    "cp -a ../prefix ../unfixed-prefix && cp ../work/libdep-1.0/libdep_config.h "
                    "../unfixed-prefix/include/ && sed -i 's|^LIBDEP_PREFIX := .*|LIBDEP_PREFIX "
                    ":= '\"$PWD\"'/../unfixed-prefix|' Makefile.config");
  EXPECT_NE(without_header_fix.exit_code, 0) << without_header_fix.output;
  EXPECT_THAT(without_header_fix.output, HasSubstr("libdep_hypot"));

  // 2. Again: nothing runs.
  size_t before = event_count(dir_ / "state");
  auto again = run_recipe("run", dir_, "boot-1");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(
      again.output,
      HasSubstr("0 step(s) ran, " + std::to_string(steps_in(read_text(kFixture + "/recipe.yaml"))) +
                " skipped"));
  auto events = events_since(dir_ / "state", before);
  EXPECT_TRUE(steps_with_event(events, "step_start").empty()) << again.output;
  EXPECT_EQ(steps_with_event(events, "step_skip").size(), 18u);
  EXPECT_EQ(tarball_requests(), 1);

  // 3. A VM reset: another boot, the work folder and the prefix gone, the state kept. The
  // cached stages come back from their archives; the system steps outside them run again;
  // the persistent download and env steps stay done.
  fs::remove_all(dir_ / "work");
  fs::remove_all(dir_ / "prefix");
  before = event_count(dir_ / "state");
  auto reset = run_recipe("run", dir_, "boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput) << reset.output;
  events = events_since(dir_ / "state", before);
  auto started = steps_with_event(events, "step_start");
  auto skipped = steps_with_event(events, "step_skip");
  auto restored = steps_with_event(events, "step_restore");
  for (const char* step : {"libdep/archive", "tools/toolchain-path", "app/runtime-env"}) {
    EXPECT_TRUE(contains(skipped, step)) << step << "\n" << reset.output;
  }
  for (const char* step : {"tools/sysroot", "app-source/clone", "app-source/copy-makefile.config",
                           "app-source/config", "app-source/isystem"}) {
    EXPECT_TRUE(contains(started, step)) << step << "\n" << reset.output;
  }
  for (const char* step : {"libdep/unpack", "libdep/bootstrap", "libdep/install", "libdep/c99-math",
                           "app/make", "app/make-install", "app/smoke"}) {
    EXPECT_TRUE(contains(restored, step)) << step << "\n" << reset.output;
  }
  EXPECT_EQ(contains(started, "libdep/ldconfig"), root_) << reset.output;  // a machine change
  EXPECT_THAT(without_counters(reset.output),
              HasSubstr("==> tools/sysroot  (run: machine was reset (system scope))"));
  EXPECT_THAT(without_counters(reset.output), HasSubstr("--- libdep/archive  (skip: done"));
  EXPECT_EQ(tarball_requests(), 1) << server_->requests();

  // 4. The plan, run by bash in a fresh folder (fresh state, work folder and prefix), builds
  // the same program.
  auto plan = run_recipe("plan", fresh_, "boot-1");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(fresh_ / "plan.sh", plan.output);
  auto script = run_shell("env -u LD_LIBRARY_PATH bash plan.sh", fresh_.path());
  ASSERT_EQ(script.exit_code, 0) << script.output << plan.output;
  EXPECT_EQ(read_text(fresh_ / "work/output.txt"), kExpectedOutput) << script.output;
  EXPECT_EQ(tarball_requests(), 2);
  EXPECT_TRUE(
      fs::exists(fresh_ / ("state/downloads/" + dep_sha256_.substr(0, 16) + "-" + kTarball)))
      << plan.output;
}

}  // namespace
}  // namespace ssdbuild::testing
