// The stage cache end to end on tests/fixtures/legacy-app, whose libdep and app stages have
// `cache`: a cold run packs them into the state folder; after a simulated VM reset they come
// back from their archives with no build command run, `make -q` has nothing to do, and a
// truncated or corrupt archive costs a rebuild with a warning, never the run.
#include <gmock/gmock.h>

#include "legacy_app_fixture.hpp"
#include "ssdbuild/cache/cache_key.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class StageCache : public LegacyAppFixture {
 protected:
  void SetUp() override {
    LegacyAppFixture::SetUp();
    // No apt, alternatives or ldconfig steps here: they read and write the system's files
    // (ldconfig rewrites its cache), which tests running beside these under `ctest -j2`
    // share. fixture_build_test covers them, restored stages included.
    root_ = false;
    use_apt_ = false;
    // make and the compilers, each logging its call to build-commands.log, first on PATH.
    fs::create_directories(wrappers_.path());
    for (const char* tool : {"make", "cc", "gcc", "g++", "c++"}) {
      fs::path wrapper = wrappers_ / tool;
      write_text(wrapper, "#!/bin/sh\necho \"" + std::string(tool) + " $*\" >> " +
                              shell_quote(log_.string()) + "\nexec /usr/bin/" + tool + " \"$@\"\n");
      fs::permissions(wrapper,
                      fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    }
  }

  CommandResult run_counted(const std::string& command, const std::string& boot,
                            const std::vector<std::string>& more = {}) {
    const char* path = std::getenv("PATH");
    return run_recipe(command, dir_, boot, more,
                      {{"PATH", wrappers_.path().string() + ":" + (path ? path : "")}});
  }

  // The build commands run since the last call; not the compiler version probes of facts
  // (the cache key's gxx.version).
  std::vector<std::string> build_commands() { return take_build_commands(log_); }

  // `ssdbuild cache ACTION` on the recipe and state of dir_.
  CommandResult cache(const std::string& action, const std::vector<std::string>& more = {}) {
    std::vector<std::string> arguments = {"cache", action, kRecipe, "--state-dir", "state"};
    auto defined = sets(dir_);
    arguments.insert(arguments.end(), defined.begin(), defined.end());
    arguments.insert(arguments.end(), more.begin(), more.end());
    return run_ssdbuild(arguments, dir_.path());
  }

  std::vector<fs::path> archives() const {
    std::vector<fs::path> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir_ / "state/cache", error)) {
      if (ends_with(entry.path().string(), ".tar.zst")) found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());
    return found;
  }

  // The archive of `stage`, by its manifest.
  fs::path archive_of(const std::string& stage) const {
    for (const auto& archive : archives()) {
      std::string manifest = archive.string();
      manifest.replace(manifest.size() - std::string(".tar.zst").size(), std::string::npos,
                       ".json");
      if (nlohmann::json::parse(read_text(manifest)).value("stage", "") == stage) return archive;
    }
    return {};
  }

  // Cuts the stage's archive in half, as a killed copy to Drive would leave it; false when
  // the stage has none.
  bool truncate_archive_of(const std::string& stage) const {
    fs::path archive = archive_of(stage);
    if (archive.empty()) return false;
    fs::resize_file(archive, fs::file_size(archive) / 2);
    return true;
  }

  void wipe_vm() {
    fs::remove_all(dir_ / "work");
    fs::remove_all(dir_ / "prefix");
  }

  TempDir wrappers_;
  fs::path log_ = wrappers_ / "build-commands.log";
};

TEST_F(StageCache, ResetRestoresEveryCachedStageAndRunsNoBuildCommand) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  auto built = build_commands();
  EXPECT_GE(built.size(), 3u);  // cc for libdep, make and g++ for the app
  EXPECT_THAT(cold.output, HasSubstr("cache: stage libdep saved"));
  EXPECT_THAT(cold.output, HasSubstr("cache: stage app saved"));
  ASSERT_EQ(archives().size(), 2u);
  // Never a temporary file left beside them.
  for (const auto& entry : fs::directory_iterator(dir_ / "state/cache")) {
    EXPECT_THAT(entry.path().string(), Not(HasSubstr(".tmp-"))) << entry.path();
  }

  wipe_vm();
  auto status = run_counted("status", "boot-2");
  EXPECT_THAT(status.output, HasSubstr("cache app: restore ("));
  EXPECT_THAT(status.output, HasSubstr("restore: from the stage cache"));
  size_t before = event_count(dir_ / "state");
  auto reset = run_counted("run", "boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(build_commands(), std::vector<std::string>{}) << reset.output;
  auto events = events_since(dir_ / "state", before);
  EXPECT_EQ(steps_with_event(events, "step_restore").size(), 7u) << reset.output;
  EXPECT_THAT(without_counters(reset.output), HasSubstr("--- app/make  (restored from cache ("));
  EXPECT_THAT(reset.output, HasSubstr("7 restored from cache"));
  // The program works, the restored tree is up to date for make, and the clone and the
  // patches that ran after the restore found their work done.
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  auto program = run_shell("LD_LIBRARY_PATH=prefix/lib prefix/bin/legacy-app", dir_.path());
  EXPECT_EQ(program.output, kExpectedOutput);
  auto up_to_date = run_shell("make -q", dir_ / "work/legacy-app");
  EXPECT_EQ(up_to_date.exit_code, 0) << up_to_date.output;
  EXPECT_THAT(reset.output, HasSubstr("is at " + app_commit_ + " already"));
  EXPECT_THAT(reset.output, HasSubstr("already applied"));

  // The next run on this boot has nothing to do, and packs nothing again.
  auto again = run_counted("run", "boot-2");
  EXPECT_THAT(again.output, HasSubstr("0 step(s) ran"));
  EXPECT_THAT(again.output, Not(HasSubstr("cache: packing")));

  // A forced stage is built, never restored.
  wipe_vm();
  auto forced = run_counted("run", "boot-3", {"--force", "app"});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_THAT(without_counters(forced.output), HasSubstr("==> app/make  (run: forced)"));
  EXPECT_THAT(without_counters(forced.output),
              HasSubstr("--- libdep/install  (restored from cache"));
  EXPECT_FALSE(build_commands().empty());
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
}

TEST_F(StageCache, PlanScriptRestoresWithTarAndZstd) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  build_commands();
  wipe_vm();
  auto plan = run_counted("plan", "boot-2");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("| sha256sum --check --quiet"));
  EXPECT_THAT(plan.output, HasSubstr("| tar -x -p -f - -C /"));
  write_text(dir_ / "plan.sh", plan.output);
  const char* path = std::getenv("PATH");
  auto script = run_shell("env -u LD_LIBRARY_PATH bash plan.sh", dir_.path(),
                          {{"PATH", wrappers_.path().string() + ":" + (path ? path : "")}});
  ASSERT_EQ(script.exit_code, 0) << script.output << plan.output;
  EXPECT_EQ(build_commands(), std::vector<std::string>{}) << script.output;
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  EXPECT_EQ(run_shell("make -q", dir_ / "work/legacy-app").exit_code, 0);
}

TEST_F(StageCache, TruncatedArchiveIsDeletedAndTheStageRebuiltWithAWarning) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  build_commands();
  ASSERT_TRUE(truncate_archive_of("app"));
  wipe_vm();
  auto reset = run_counted("run", "boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(reset.output, HasSubstr("warning: cache: stage app cannot be restored"));
  EXPECT_THAT(reset.output, HasSubstr("truncated"));
  EXPECT_THAT(without_counters(reset.output), HasSubstr("==> app/make"));
  EXPECT_FALSE(build_commands().empty());
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  // libdep still came back from its own archive; app's was made again, whole.
  EXPECT_THAT(without_counters(reset.output),
              HasSubstr("--- libdep/install  (restored from cache"));
  EXPECT_THAT(reset.output, HasSubstr("cache: stage app saved"));
  EXPECT_EQ(archives().size(), 2u);
}

TEST_F(StageCache, ArchiveWithAWrongChecksumIsDeletedAndTheStageRebuiltWithAWarning) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  build_commands();
  fs::path archive = archive_of("libdep");
  ASSERT_FALSE(archive.empty());
  std::string bytes = read_text(archive);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);  // same size
  write_text(archive, bytes);
  wipe_vm();
  auto reset = run_counted("run", "boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(reset.output, HasSubstr("warning: cache: stage libdep cannot be restored"));
  EXPECT_THAT(reset.output, HasSubstr("has SHA-256"));
  EXPECT_THAT(without_counters(reset.output), HasSubstr("==> libdep/install"));
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput) << reset.output;
}

TEST_F(StageCache, ListPruneAndClear) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  EXPECT_EQ(run_ssdbuild({"cache"}, dir_.path()).exit_code, 2);  // an action is required
  auto listed = cache("list");
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("2 archive(s)"));
  EXPECT_THAT(listed.output, HasSubstr("(current)"));
  // Another URL for the same app: the clone's definition changed, so app's key did, and
  // a second app archive is packed.
  ASSERT_EQ(run_shell("cp -a app app-copy", material_.path()).exit_code, 0);
  app_repo_ = (material_ / "app-copy").string();
  wipe_vm();  // (the clone refuses a checkout of another URL)
  auto changed = run_counted("run", "boot-2");
  ASSERT_EQ(changed.exit_code, 0) << changed.output;
  EXPECT_EQ(archives().size(), 3u) << changed.output;
  auto pruned = cache("prune", {"--keep", "1"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_THAT(pruned.output, HasSubstr("removed app "));
  EXPECT_EQ(archives().size(), 2u);
  auto cleared = cache("clear");
  ASSERT_EQ(cleared.exit_code, 0) << cleared.output;
  EXPECT_TRUE(archives().empty());
}

// tools/packages, an apt step `needed_by: [libdep, app]`. make and the libraries the
// programs load are installed here, so apt only asks dpkg and changes nothing.
class StageCacheWithApt : public StageCache {
 protected:
  void SetUp() override {
    StageCache::SetUp();
    use_apt_ =
        run_shell("dpkg-query -W -f='${Status}' make", "/").output.find("install ok installed") !=
        std::string::npos;
    if (!use_apt_) GTEST_SKIP() << "make is not a Debian package here";
  }

  nlohmann::json manifest_of(const std::string& stage) const {
    std::string archive = archive_of(stage).string();
    return nlohmann::json::parse(
        read_text(archive.substr(0, archive.size() - std::string(".tar.zst").size()) + ".json"));
  }
};

TEST_F(StageCacheWithApt, PackagesNeededToBuildInstallOnlyWhatRestoredProgramsLoad) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  build_commands();
  auto loaded = manifest_of("app").value("system_packages", std::vector<std::string>{});
  std::string all;
  for (const auto& package : loaded) all += package + " ";
  EXPECT_THAT(all, HasSubstr("libc6"));  // the program is C++ using C only
  EXPECT_THAT(cold.output, HasSubstr("system packages"));

  wipe_vm();
  auto status = run_counted("status", "boot-2");
  EXPECT_THAT(status.output,
              HasSubstr("packages that libdep, app load, since none of them builds"));
  auto plan = run_counted("plan", "boot-2");
  EXPECT_THAT(plan.output, HasSubstr("--install libc6"));
  EXPECT_THAT(plan.output, Not(HasSubstr("--install make")));
  auto reset = run_counted("run", "boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(reset.output, HasSubstr("apt: every package is installed already"));
  EXPECT_EQ(build_commands(), std::vector<std::string>{}) << reset.output;
  EXPECT_THAT(read_text(dir_ / "state/state.json"), HasSubstr("\"served_restored_only\": true"));

  // Building app again needs the whole list, even on this boot, where the step is done.
  auto forced = run_counted("run", "boot-2", {"--force", "app"});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_THAT(without_counters(forced.output),
              HasSubstr("==> tools/packages  (run: it did only what restored stages need "
                        "last time, and app builds)"));
  EXPECT_THAT(read_text(dir_ / "state/state.json"),
              Not(HasSubstr("\"served_restored_only\": true")));
}

TEST_F(StageCacheWithApt, AStageThatCannotBeRestoredGetsTheWholeStepAfterAll) {
  auto cold = run_counted("run", "boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  ASSERT_TRUE(truncate_archive_of("app"));
  wipe_vm();
  auto reset = run_counted("run", "boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(without_counters(reset.output),
              HasSubstr("==> tools/packages  (run: stage app could not be restored and is "
                        "built, so all of tools/packages runs)"));
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
}

// Any step can be `needed_by`: one that is not apt does nothing for restored stages.
TEST_F(StageCache, AStepNeededOnlyToBuildRestoredStagesIsSkipped) {
  write_text(dir_ / "needs.yaml", R"(name: needs
stages:
  - name: tools
    steps:
      - name: compiler
        needed_by: [build]
        run: echo compiler >> ${workdir}/tools.log
  - name: build
    cache: {paths: ["${workdir}/out"]}
    steps:
      - name: make
        creates: ${workdir}/out/program
        run: mkdir -p out && cp /bin/true out/program
)");
  auto run = [&](const std::string& boot, std::vector<std::string> more = {}) {
    std::vector<std::string> arguments = {"run", "needs.yaml", "--state-dir", "state"};
    arguments.insert(arguments.end(), more.begin(), more.end());
    return run_ssdbuild(arguments, dir_.path(), {{"SSDBUILD_BOOT_ID", boot}});
  };
  auto cold = run("boot-1");
  ASSERT_EQ(cold.exit_code, 0) << cold.output;
  EXPECT_EQ(read_text(dir_ / "tools.log"), "compiler\n");
  fs::remove_all(dir_ / "out");
  fs::remove(dir_ / "tools.log");
  auto reset = run("boot-2");
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_THAT(without_counters(reset.output),
              HasSubstr("--- tools/compiler  (skip: needed only to build build, and none of "
                        "them builds in this run)"));
  EXPECT_FALSE(fs::exists(dir_ / "tools.log"));
  EXPECT_TRUE(fs::exists(dir_ / "out/program"));
  auto forced = run("boot-2", {"--force", "build"});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(read_text(dir_ / "tools.log"), "compiler\n");
}

TEST(StageCacheKey, ChangesWithEachFactAndWithTheFingerprint) {
  CacheKeyInputs inputs;
  inputs.stage = "build";
  inputs.fingerprint = "f1";
  inputs.paths = {"/content/caffe"};
  for (const auto& name : cache_key_fact_names()) inputs.facts.emplace_back(name, "v");
  std::string key = stage_cache_key(inputs);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(stage_cache_key(inputs), key);
  for (size_t i = 0; i < inputs.facts.size(); ++i) {
    CacheKeyInputs changed = inputs;
    changed.facts[i].second = "w";
    EXPECT_NE(stage_cache_key(changed), key) << inputs.facts[i].first;
  }
  CacheKeyInputs other = inputs;
  other.fingerprint = "f2";
  EXPECT_NE(stage_cache_key(other), key);
  other = inputs;
  other.paths = {"/elsewhere/caffe"};
  EXPECT_NE(stage_cache_key(other), key);
  for (const char* fact :
       {"os.id", "os.version_id", "glibc.version", "gxx.version", "nvcc.version"}) {
    auto& names = cache_key_fact_names();
    EXPECT_NE(std::find(names.begin(), names.end(), fact), names.end()) << fact;
  }
}

}  // namespace
}  // namespace ssdbuild::testing
