// The compiler cache's decisions, without running ccache: which setting names the remote
// storage in which release, the environment a step gets, the masquerade links, the stats
// line, and `ccache:` in a recipe. tests/ccache_step_test.cpp runs the real thing.
#include "ssdbuild/exec/compiler_cache.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/recipe/loader.hpp"
#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;

namespace {

using testing::TempDir;
using testing::write_text;

CcacheVersion version(int major, int minor, int patch = 0) {
  CcacheVersion result;
  result.major = major;
  result.minor = minor;
  result.patch = patch;
  return result;
}

const EnvChange* change_of(const CcacheEnvironment& environment, const std::string& name) {
  for (const auto& change : environment.changes) {
    if (change.name == name) return &change;
  }
  return nullptr;
}

bool unsets(const CcacheEnvironment& environment, const std::string& name) {
  return std::find(environment.unset.begin(), environment.unset.end(), name) !=
         environment.unset.end();
}

TEST(CcacheVersionTest, ReadsTheFirstLineOfVersionOutput) {
  auto parsed = parse_ccache_version(
      "ccache version 4.5.1\nFeatures: file-storage http-storage redis-storage\n");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text(), "4.5.1");
  auto two_numbers = parse_ccache_version("ccache version 4.10\n");
  ASSERT_TRUE(two_numbers);
  EXPECT_EQ(two_numbers->text(), "4.10.0");
  EXPECT_EQ(parse_ccache_version("ccache version 4.10.2\r\n")->minor, 10);
}

TEST(CcacheVersionTest, OtherOutputIsNoVersion) {
  EXPECT_FALSE(parse_ccache_version(""));
  EXPECT_FALSE(parse_ccache_version("gcc (Debian 12.2.0-14) 12.2.0\n"));
  EXPECT_FALSE(parse_ccache_version("Features: ...\nccache version 4.7\n"));
}

TEST(RemoteStorageKeyTest, FourFiveAndFourSixSaySecondaryStorageLaterOnesRemoteStorage) {
  EXPECT_EQ(remote_storage_key(version(3, 7, 12)), RemoteStorageKey::unsupported);
  EXPECT_EQ(remote_storage_key(version(4, 3)), RemoteStorageKey::unsupported);
  EXPECT_EQ(remote_storage_key(version(4, 4)), RemoteStorageKey::secondary_storage);
  EXPECT_EQ(remote_storage_key(version(4, 5, 1)), RemoteStorageKey::secondary_storage);
  EXPECT_EQ(remote_storage_key(version(4, 6, 3)), RemoteStorageKey::secondary_storage);
  EXPECT_EQ(remote_storage_key(version(4, 7)), RemoteStorageKey::remote_storage);
  EXPECT_EQ(remote_storage_key(version(4, 9, 1)), RemoteStorageKey::remote_storage);
  EXPECT_EQ(remote_storage_key(version(4, 10, 2)), RemoteStorageKey::remote_storage);
  EXPECT_EQ(remote_storage_key(version(5, 0)), RemoteStorageKey::remote_storage);
}

CompilerCacheFolders folders() {
  CompilerCacheFolders result;
  result.root = "/local/ccache";
  return result;
}

TEST(CcacheEnvironmentTest, UbuntuTwentyTwoFourGetsTheStateFolderAsSecondaryStorage) {
  CcacheEnvironment environment = ccache_environment(
      version(4, 5, 1), folders(), "/drive/state/ccache", "build/caffe", "/usr/bin/ccache");
  const EnvChange* storage = change_of(environment, "CCACHE_SECONDARY_STORAGE");
  ASSERT_NE(storage, nullptr);
  EXPECT_EQ(storage->value, "file:/drive/state/ccache");
  EXPECT_EQ(change_of(environment, "CCACHE_REMOTE_STORAGE"), nullptr);
  EXPECT_TRUE(unsets(environment, "CCACHE_REMOTE_STORAGE"));
  ASSERT_EQ(environment.notes.size(), 1u);
  EXPECT_THAT(environment.notes[0], HasSubstr("(secondary_storage)"));
}

TEST(CcacheEnvironmentTest, NewerReleasesGetRemoteStorageAndTheOldNameIsUnset) {
  CcacheEnvironment environment = ccache_environment(version(4, 9, 1), folders(), "/state/ccache",
                                                     "build/caffe", "/usr/bin/ccache");
  ASSERT_NE(change_of(environment, "CCACHE_REMOTE_STORAGE"), nullptr);
  EXPECT_EQ(change_of(environment, "CCACHE_REMOTE_STORAGE")->value, "file:/state/ccache");
  // 4.7 and later read CCACHE_SECONDARY_STORAGE as an alias: a leftover would compete.
  EXPECT_TRUE(unsets(environment, "CCACHE_SECONDARY_STORAGE"));
  EXPECT_EQ(change_of(environment, "CCACHE_SECONDARY_STORAGE"), nullptr);
}

TEST(CcacheEnvironmentTest, LocalCacheLinksStatsLogAndNvccLauncher) {
  CcacheEnvironment environment = ccache_environment(version(4, 7, 5), folders(), "/state/ccache",
                                                     "build/caffe", "/usr/bin/ccache");
  ASSERT_FALSE(environment.changes.empty());
  EXPECT_EQ(environment.changes[0].name, "PATH");
  EXPECT_EQ(environment.changes[0].mode, EnvChange::Mode::prepend);
  EXPECT_EQ(environment.changes[0].value, "/local/ccache/bin");
  EXPECT_EQ(change_of(environment, "CCACHE_DIR")->value, "/local/ccache/cache");
  EXPECT_EQ(change_of(environment, "CCACHE_STATSLOG")->value,
            "/local/ccache/stats/build/caffe.log");
  EXPECT_EQ(change_of(environment, "CMAKE_CUDA_COMPILER_LAUNCHER")->value, "/usr/bin/ccache");
  // Nothing from the user's environment may keep the remote storage from being written.
  for (const char* name :
       {"CCACHE_READONLY", "CCACHE_DISABLE", "CCACHE_RECACHE", "CCACHE_REMOTE_ONLY"}) {
    EXPECT_TRUE(unsets(environment, name)) << name;
  }
}

TEST(CcacheEnvironmentTest, TooOldForRemoteStorageGetsTheLocalCacheAndSaysSo) {
  CcacheEnvironment environment =
      ccache_environment(version(3, 7, 12), folders(), "/state/ccache", "s/a", "/usr/bin/ccache");
  EXPECT_EQ(change_of(environment, "CCACHE_REMOTE_STORAGE"), nullptr);
  EXPECT_EQ(change_of(environment, "CCACHE_SECONDARY_STORAGE"), nullptr);
  EXPECT_NE(change_of(environment, "CCACHE_DIR"), nullptr);
  ASSERT_EQ(environment.notes.size(), 1u);
  EXPECT_THAT(environment.notes[0], HasSubstr("before 4.4 has no remote storage"));
  // No stats_log before 4.4 either (Debian 11's 4.2): unset, not an empty log.
  EXPECT_EQ(change_of(environment, "CCACHE_STATSLOG"), nullptr);
  EXPECT_TRUE(unsets(environment, "CCACHE_STATSLOG"));
}

TEST(CcacheEnvironmentTest, AStateFolderWithASpaceCannotBeTheRemoteStorage) {
  CcacheEnvironment environment = ccache_environment(
      version(4, 9), folders(), "/content/drive/My Drive/ccache", "s/a", "/usr/bin/ccache");
  EXPECT_EQ(change_of(environment, "CCACHE_REMOTE_STORAGE"), nullptr);
  EXPECT_TRUE(unsets(environment, "CCACHE_REMOTE_STORAGE"));
  EXPECT_THAT(environment.notes[0], HasSubstr("holds a space"));
}

TEST(CcacheEnvironmentTest, ShellUnsetsThenExportsWithPathPrepended) {
  CcacheEnvironment environment =
      ccache_environment(version(4, 9), folders(), "/state/ccache", "s/a", "/usr/bin/ccache");
  std::string shell = ccache_environment_as_shell(environment);
  EXPECT_EQ(shell.rfind("unset CCACHE_DISABLE CCACHE_READONLY", 0), 0u) << shell;
  EXPECT_THAT(shell, HasSubstr("export PATH=/local/ccache/bin\"${PATH:+:$PATH}\"\n"));
  EXPECT_THAT(shell, HasSubstr("export CCACHE_REMOTE_STORAGE=file:/state/ccache\n"));
}

TEST(LocalCompilerCacheFoldersTest, OwnVariableFirstThenXdgCacheHomeThenHome) {
  auto with = [](std::vector<std::pair<const char*, const char*>> variables) {
    std::vector<std::pair<std::string, std::string>> saved;
    for (const char* name : {"SSDBUILD_CCACHE_DIR", "XDG_CACHE_HOME", "HOME"}) {
      const char* value = std::getenv(name);
      saved.emplace_back(name, value ? value : "");
      ::unsetenv(name);
    }
    for (const auto& [name, value] : variables) ::setenv(name, value, 1);
    std::string root = local_compiler_cache_folders().root.string();
    for (const auto& [name, value] : saved) {
      if (value.empty()) {
        ::unsetenv(name.c_str());
      } else {
        ::setenv(name.c_str(), value.c_str(), 1);
      }
    }
    return root;
  };
  EXPECT_EQ(with({{"SSDBUILD_CCACHE_DIR", "/fast/cc"}, {"HOME", "/root"}}), "/fast/cc");
  EXPECT_EQ(with({{"XDG_CACHE_HOME", "/xdg"}, {"HOME", "/root"}}), "/xdg/ssdbuild/ccache");
  EXPECT_EQ(with({{"HOME", "/home/me"}}), "/home/me/.cache/ssdbuild/ccache");
  // An empty variable counts as unset.
  EXPECT_EQ(with({{"SSDBUILD_CCACHE_DIR", ""}, {"HOME", "/home/me"}}),
            "/home/me/.cache/ssdbuild/ccache");
}

void make_executable(const std::filesystem::path& path) {
  write_text(path, "#!/bin/sh\n");
  ::chmod(path.c_str(), 0755);
}

TEST(CompilerNamesTest, GccFamilyWithVersionsAndTargetsButNotItsTools) {
  TempDir dir;
  for (const char* name : {"gcc", "g++-12", "cc", "c++", "x86_64-linux-gnu-gcc-12",
                           "x86_64-linux-gnu-g++", "gcc-ar-12", "g++-config", "clang"}) {
    make_executable(dir / "a" / name);
  }
  write_text(dir / "b" / "g++", "not executable");
  make_executable(dir / "b" / "gcc-11");
  std::filesystem::create_directories(dir / "b" / "c++-dir");
  EXPECT_EQ(compiler_names_in({dir / "a", dir / "b", dir / "missing"}),
            (std::vector<std::string>{"c++", "cc", "g++-12", "gcc", "gcc-11",
                                      "x86_64-linux-gnu-g++", "x86_64-linux-gnu-gcc-12"}));
}

TEST(MasqueradeLinksTest, OneLinkPerNameToCcacheAndStaleOnesRemoved) {
  TempDir dir;
  std::filesystem::path bin = dir / "bin";
  make_masquerade_links(bin, "/usr/bin/ccache", {"gcc", "g++", "g++-11"});
  for (const char* name : {"gcc", "g++", "g++-11"}) {
    EXPECT_EQ(std::filesystem::read_symlink(bin / name), "/usr/bin/ccache") << name;
  }
  // g++-11 was removed from the machine; a link to it would fail the calls that find it.
  make_masquerade_links(bin, "/opt/ccache/bin/ccache", {"gcc", "g++"});
  EXPECT_EQ(std::filesystem::read_symlink(bin / "gcc"), "/opt/ccache/bin/ccache");
  EXPECT_FALSE(std::filesystem::is_symlink(bin / "g++-11"));
  size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(bin)) {
    (void)entry;
    ++entries;
  }
  EXPECT_EQ(entries, 2u);
}

TEST(MasqueradeLinksTest, AFolderThatCannotBeMadeIsNamed) {
  TempDir dir;
  write_text(dir / "file", "x");
  try {
    make_masquerade_links(dir / "file" / "bin", "/usr/bin/ccache", {"gcc"});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()), HasSubstr((dir / "file" / "bin").string()))
        << error.what();
  }
}

TEST(CcacheStatsTest, EachRecordIsAHitAMissOrNotCacheable) {
  // As ccache 4.7 writes them: a miss, a hit from the remote storage, a local hit, a link.
  const char* log = R"(# /src/a.cpp
cache_miss
direct_cache_miss
local_storage_miss
preprocessed_cache_miss
remote_storage_miss
remote_storage_write
# /src/a.cpp
direct_cache_hit
local_storage_miss
local_storage_write
remote_storage_hit
remote_storage_read_hit
# /src/b.cpp
local_storage_hit
preprocessed_cache_hit
# 
called_for_link
)";
  CcacheStats stats = parse_ccache_stats_log(log);
  EXPECT_EQ(stats.hits, 2);
  EXPECT_EQ(stats.remote_hits, 1);
  EXPECT_EQ(stats.misses, 1);
  EXPECT_EQ(stats.uncacheable, 1);
  EXPECT_EQ(describe_ccache_stats(stats),
            "ccache: 2 hits (1 from the remote storage), 1 miss: 66 % hits; 1 call not cacheable "
            "(linking, preprocessing, failed compiles, ...)");
}

TEST(CcacheStatsTest, FourFiveCountsSecondaryStorageHitsAsRemote) {
  CcacheStats stats = parse_ccache_stats_log(
      "# /src/a.cpp\ndirect_cache_hit\nprimary_storage_miss\nsecondary_storage_hit\n");
  EXPECT_EQ(stats.hits, 1);
  EXPECT_EQ(stats.remote_hits, 1);
}

TEST(CcacheStatsTest, NoStatsLogIsNotNoCalls) {
  EXPECT_EQ(describe_no_ccache_stats_log(),
            "ccache: no hit and miss counts (ccache before 4.4 keeps no stats log)");
}

TEST(CcacheStatsTest, NoCallsSaysSo) {
  EXPECT_EQ(describe_ccache_stats(parse_ccache_stats_log("")),
            "ccache: no cacheable compiler calls");
  EXPECT_EQ(describe_ccache_stats(parse_ccache_stats_log("# x.c\ncalled_for_preprocessing\n"
                                                         "# y.c\ncompile_failed\n")),
            "ccache: no cacheable compiler calls; 2 calls not cacheable (linking, "
            "preprocessing, failed compiles, ...)");
}

TEST(WithCompilerCacheTest, EnvironmentFromTheBinaryThenTheStatsTrapThenTheCommands) {
  std::string text =
      with_compiler_cache("make -j8 all", "build/caffe", CompilerCacheSetting{"/state/ccache", ""});
  size_t env = text.find(" ccache-env --remote /state/ccache --step build/caffe)\n");
  // The stats line on exit, however the commands end.
  size_t stats = text.find(" ccache-stats \"${CCACHE_STATSLOG:-}\" || true' EXIT\n");
  size_t commands = text.find("\nmake -j8 all\n");
  ASSERT_NE(env, std::string::npos) << text;
  ASSERT_NE(stats, std::string::npos) << text;
  ASSERT_NE(commands, std::string::npos) << text;
  EXPECT_LT(env, stats);
  EXPECT_LT(stats, commands);
}

// `ccache:` in a recipe.
std::vector<std::string> errors_of(const std::string& text) {
  try {
    load_recipe_text(text, "recipe.yaml");
  } catch (const RecipeError& error) {
    return error.diagnostics();
  }
  return {};
}

TEST(CcacheRecipeKeyTest, StepValueOverridesTheRecipeWideOne) {
  Recipe recipe = load_recipe_text(R"(name: r
ccache: true
stages:
  - name: s
    steps:
      - run: make
      - run: make check
        ccache: false
)",
                                   "recipe.yaml");
  EXPECT_TRUE(recipe.ccache);
  EXPECT_FALSE(recipe.stages[0].steps[0].ccache.has_value());
  EXPECT_EQ(recipe.stages[0].steps[1].ccache, std::optional<bool>(false));
}

TEST(CcacheRecipeKeyTest, MaybeIsAnErrorAtItsPlace) {
  EXPECT_EQ(
      errors_of("name: r\nstages:\n  - name: s\n    steps:\n      - run: make\n"
                "        ccache: maybe\n"),
      std::vector<std::string>{"recipe.yaml:6:17: error: `ccache` is true or false, not `maybe`"});
  EXPECT_EQ(
      errors_of("name: r\nccache: yes\nstages:\n  - name: s\n    steps: [{run: make}]\n"),
      std::vector<std::string>{"recipe.yaml:2:9: error: `ccache` is true or false, not `yes`"});
}

TEST(CcacheRecipeKeyTest, OnlyRunStepsTakeIt) {
  EXPECT_EQ(errors_of("name: r\nstages:\n  - name: s\n    steps:\n"
                      "      - copy: {from: a, to: b}\n        ccache: true\n"),
            std::vector<std::string>{"recipe.yaml:6:17: error: `ccache` is for `run` steps (their "
                                     "compilers go through ccache), not `copy`"});
}

}  // namespace
}  // namespace ssdbuild
