// `ccache: true` through the real binary, with the real ccache and g++: a first run misses,
// and after a simulated VM reset (another boot id, the local cache deleted, the state
// folder kept) the hits come from the state folder's remote storage; the plan script does
// the same; a missing ccache is installed with apt-get (stand-ins here).
#include <sys/stat.h>

#include <regex>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "nginx_test_server.hpp"
#include "ssdbuild/exec/compiler_cache.hpp"
#include "ssdbuild/util/paths.hpp"
#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr int kSources = 10;

// A program of kSources files: compiled one by one, then linked; it prints the sum.
const char* kRecipe = R"(name: cc
stages:
  - name: build
    steps:
      - name: compile
        ccache: true
        cwd: src
        run: |
          for source in *.cpp; do g++ -O2 -c "$source" -o "$${source%.cpp}.o"; done
          g++ *.o -o program
)";

struct StatsLine {
  bool found = false;
  int hits = 0, remote_hits = 0, misses = 0, percent = 0;
};

StatsLine stats_line(const std::string& output) {
  static const std::regex line(
      R"(ccache: (\d+) hits? \((\d+) from the remote storage\), (\d+) miss(?:es)?: (\d+) % hits)");
  std::smatch match;
  StatsLine stats;
  if (!std::regex_search(output, match, line)) return stats;
  stats.found = true;
  stats.hits = std::stoi(match[1].str());
  stats.remote_hits = std::stoi(match[2].str());
  stats.misses = std::stoi(match[3].str());
  stats.percent = std::stoi(match[4].str());
  return stats;
}

class CcacheStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(find_on_path("ccache").empty())
        << "ccache is one of the test packages (scripts/setup.sh test installs it)";
    // These tests count hits from the state folder's remote storage through the stats log;
    // ccache has both from 4.4 on. Before that (Debian 11's 4.2) a step still runs through
    // ccache, with a note and no counts: compiler_cache_test checks that environment.
    auto version = parse_ccache_version(run_shell("ccache --version", dir_.path()).output);
    ASSERT_TRUE(version) << "ccache --version: no `ccache version N.N` line";
    if (remote_storage_key(*version) == RemoteStorageKey::unsupported) {
      GTEST_SKIP() << "ccache " << version->text()
                   << " is before 4.4: no remote storage and no stats log, which these tests "
                      "count hits with (Debian 11 has 4.2)";
    }
    std::string main = "#include <cstdio>\n";
    std::string sum;
    for (int i = 0; i < kSources; ++i) {
      std::string n = std::to_string(i);
      write_text(dir_ / "src" / ("part" + n + ".cpp"),
                 "int part" + n + "(int x) { return x * " + n + " + " + n + "; }\n");
      main += "int part" + n + "(int);\n";
      sum += " + part" + n + "(2)";
    }
    write_text(dir_ / "src" / "main.cpp",
               main + "int main() { std::printf(\"%d\\n\", 0" + sum + "); return 0; }\n");
    write_text(dir_ / "recipe.yaml", kRecipe);
  }

  std::vector<std::pair<std::string, std::string>> environment(const std::string& boot) {
    return {{"SSDBUILD_BOOT_ID", boot}, {"SSDBUILD_CCACHE_DIR", (dir_ / "local").string()}};
  }

  CommandResult ssdbuild(std::vector<std::string> arguments, const std::string& boot) {
    arguments.insert(arguments.begin() + 1, {"recipe.yaml", "--state-dir", "state"});
    return run_ssdbuild(arguments, dir_.path(), environment(boot));
  }

  // A VM reset: the local disk is gone, the state folder (on Drive) is not.
  void lose_local_cache() { std::filesystem::remove_all(dir_ / "local"); }

  std::string program_output() { return run_shell("./program", dir_ / "src").output; }

  TempDir dir_;
};

// 0*2+0 + 1*2+1 + ... + 9*2+9 = 3 * (0 + 1 + ... + 9)
const std::string kExpectedOutput = "135\n";

TEST_F(CcacheStepTest, FirstRunMissesAndAfterAResetTheHitsComeFromTheStateFolder) {
  auto first = ssdbuild({"run"}, "boot-1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  StatsLine cold = stats_line(first.output);
  ASSERT_TRUE(cold.found) << first.output;
  EXPECT_EQ(cold.hits, 0);
  EXPECT_EQ(cold.misses, kSources + 1);
  EXPECT_EQ(program_output(), kExpectedOutput);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "state" / "ccache" / "CACHEDIR.TAG"));
  EXPECT_THAT(first.output,
              HasSubstr("remote storage file:" + (dir_ / "state" / "ccache").string()));

  lose_local_cache();
  std::filesystem::remove(dir_ / "src" / "program");
  auto after_reset = ssdbuild({"run", "--force", "build/compile"}, "boot-2");
  ASSERT_EQ(after_reset.exit_code, 0) << after_reset.output;
  StatsLine warm = stats_line(after_reset.output);
  ASSERT_TRUE(warm.found) << after_reset.output;
  EXPECT_GE(warm.hits * 100, 90 * (warm.hits + warm.misses)) << after_reset.output;
  EXPECT_GE(warm.percent, 90);
  EXPECT_EQ(warm.remote_hits, warm.hits) << "the local cache was empty: " << after_reset.output;
  EXPECT_EQ(program_output(), kExpectedOutput);
  // The line is in the step's log too.
  std::string log = read_text(dir_ / "state" / "logs" / "build" / "compile.log");
  EXPECT_TRUE(stats_line(log).found) << log;
}

// Many machines, one store: ccache's http remote storage on the shared store (cache_url),
// beside the state folder's. A second machine, with its own state folder and an empty local
// cache, gets its hits from the store, through credentials that no file or output shows.
TEST_F(CcacheStepTest, ASecondMachineHitsThroughTheSharedStore) {
  if (!nginx_available()) GTEST_SKIP() << "nginx is one of scripts/setup.sh's test packages";
  auto version = parse_ccache_version(run_shell("ccache --version", dir_.path()).output);
  ASSERT_TRUE(version);
  if (remote_storage_key(*version) == RemoteStorageKey::unsupported) GTEST_SKIP();
  const std::string secret = "cc-s3cret-51b0";
  NginxOptions options;
  options.authorization = "Bearer " + secret;
  options.basic_authorization = "Basic dXNlcjpjYy1zM2NyZXQtNTFiMA==";  // user:cc-s3cret-51b0
  TempDir store_dir;
  NginxTestServer store(store_dir.path(), options);
  // Before 4.7 ccache takes no bearer token: Basic credentials instead.
  std::string header = remote_storage_key(*version) == RemoteStorageKey::remote_storage
                           ? "Authorization: " + options.authorization
                           : "Authorization: " + options.basic_authorization;
  auto on_machine = [&](const std::string& boot) {
    auto env = environment(boot);
    env.emplace_back("SSDBUILD_CACHE_HEADER", header);
    return run_ssdbuild(
        {"run", "recipe.yaml", "--state-dir", "state", "--cache-url", store.url("/cache")},
        dir_.path(), env);
  };
  auto first = on_machine("boot-1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("and " + store.url("/cache/ccache") +
                                      " (with the credentials of SSDBUILD_CACHE_HEADER)"));
  EXPECT_TRUE(std::filesystem::exists(store_dir / "cache" / "ccache")) << store.requests();

  lose_local_cache();
  std::filesystem::rename(dir_ / "state", dir_ / "state-of-the-first-machine");
  std::filesystem::remove(dir_ / "src" / "program");
  auto second = on_machine("boot-2");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  StatsLine warm = stats_line(second.output);
  ASSERT_TRUE(warm.found) << second.output;
  EXPECT_EQ(warm.hits, kSources + 1) << second.output;
  EXPECT_EQ(warm.remote_hits, kSources + 1) << second.output;
  EXPECT_EQ(program_output(), kExpectedOutput);
  EXPECT_THAT((first.output + second.output), Not(HasSubstr(secret)));
  auto holding = run_shell("grep -rl " + secret + " . || true", dir_.path());
  EXPECT_EQ(holding.output, "") << holding.output;
}

TEST_F(CcacheStepTest, PlanScriptSetsUpTheSameAndRunByHandHitsTheStateFolderToo) {
  ASSERT_EQ(ssdbuild({"run"}, "boot-1").exit_code, 0);
  auto plan = ssdbuild({"plan", "--force", "build/compile"}, "boot-2");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  // The step's .sh holds the plan's step, with the same ccache set-up (the plan writes the
  // step's cd at its top level).
  std::string script = read_text(dir_ / "state" / "logs" / "build" / "compile.sh");
  std::string body = script.substr(script.find("# ccache: "));
  EXPECT_THAT(plan.output, HasSubstr(body)) << plan.output << "\n---\n" << body;
  EXPECT_THAT(
      body, HasSubstr(shell_quote(ssdbuild_binary()) + " ccache-env --remote " +
                      shell_quote((dir_ / "state" / "ccache").string()) + " --step build/compile"));

  lose_local_cache();
  write_text(dir_ / "plan.sh", plan.output);
  auto by_hand = run_shell("bash plan.sh", dir_.path(), environment("boot-2"));
  ASSERT_EQ(by_hand.exit_code, 0) << by_hand.output;
  StatsLine warm = stats_line(by_hand.output);
  ASSERT_TRUE(warm.found) << by_hand.output;
  EXPECT_EQ(warm.hits, kSources + 1) << by_hand.output;
  EXPECT_EQ(warm.remote_hits, kSources + 1) << by_hand.output;
  EXPECT_EQ(program_output(), kExpectedOutput);
}

TEST_F(CcacheStepTest, AFailingStepStillPrintsItsStatsAndKeepsItsExitStatus) {
  write_text(dir_ / "recipe.yaml", R"(name: cc
stages:
  - name: build
    steps:
      - name: compile
        ccache: true
        cwd: src
        run: |
          g++ -O2 -c part1.cpp -o part1.o
          exit 3
          echo not reached
)");
  auto result = ssdbuild({"run"}, "boot-1");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("FAILED: build/compile (exit 3)"));
  EXPECT_THAT(result.output, Not(HasSubstr("not reached")));
  StatsLine stats = stats_line(result.output);
  ASSERT_TRUE(stats.found) << result.output;
  EXPECT_EQ(stats.misses, 1);
}

TEST_F(CcacheStepTest, RecipeWideCcacheAndAStepThatTurnsItOff) {
  write_text(dir_ / "recipe.yaml", R"yaml(name: cc
ccache: true
stages:
  - name: build
    steps:
      - name: cached
        cwd: src
        run: g++ -O2 -c part1.cpp -o part1.o && command -v g++
      - name: plain
        ccache: false
        cwd: src
        run: echo "plain $${CCACHE_DIR:-none} $(command -v g++)"
)yaml");
  auto result = ssdbuild({"run"}, "boot-1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output,
              HasSubstr("[build/cached] " + (dir_ / "local" / "bin" / "g++").string()));
  EXPECT_TRUE(stats_line(result.output).found) << result.output;
  EXPECT_THAT(result.output, HasSubstr("[build/plain] plain none /"));
  EXPECT_THAT(result.output, Not(HasSubstr("[build/plain] ccache")));
}

// Caffe's Makefile runs nvcc by its path; the default recipe's configure/nvcc-launcher puts
// the launcher a ccache step exports before the compile (not the -M call, which ccache
// cannot cache). The fixture is Caffe's .cu rule, verbatim.
TEST_F(CcacheStepTest, CaffesCuRulePatchedByTheDefaultRecipeCompilesThroughCcache) {
  std::filesystem::path caffe = dir_ / "caffe";
  std::filesystem::copy(std::string(SSDBUILD_TEST_DIR) + "/fixtures/caffe-nvcc", caffe,
                        std::filesystem::copy_options::recursive);
  auto patch = run_ssdbuild(
      {"run", "ssd-caffe", "--state-dir", "caffe-state", "--set", "caffe_dir=" + caffe.string(),
       "--from", "configure/nvcc-launcher", "--to", "configure/nvcc-launcher"},
      dir_.path());
  ASSERT_EQ(patch.exit_code, 0) << patch.output;
  std::string makefile = read_text(caffe / "Makefile");
  EXPECT_THAT(makefile, HasSubstr("\t$(Q)$(CUDA_DIR)/bin/nvcc $(NVCCFLAGS) $(CUDA_ARCH) -M $<"));
  EXPECT_THAT(makefile,
              HasSubstr("\t$(Q)$(CMAKE_CUDA_COMPILER_LAUNCHER) $(CUDA_DIR)/bin/nvcc $(NVCCFLAGS) "
                        "$(CUDA_ARCH) -c $< -o $@"));

  std::filesystem::path nvcc = find_on_path("nvcc");
  if (nvcc.empty() && std::filesystem::exists("/usr/local/cuda/bin/nvcc")) {
    nvcc = "/usr/local/cuda/bin/nvcc";
  }
  if (nvcc.empty()) GTEST_SKIP() << "no nvcc here: the patch is checked, not the compile";
  write_text(dir_ / "recipe.yaml", R"(name: cc
stages:
  - name: build
    steps:
      - name: compile
        ccache: true
        cwd: caffe
        run: |
          rm -rf build
          make CUDA_DIR=)" + nvcc.parent_path().parent_path().string() +
                                       R"( build/cuda/src/scale.o
          test -s build/cuda/src/scale.o && test -s build/cuda/src/scale.d
)");
  auto first = ssdbuild({"run"}, "boot-1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(stats_line(first.output).misses, 1) << first.output;
  lose_local_cache();
  auto after_reset = ssdbuild({"run", "--force", "build/compile"}, "boot-2");
  ASSERT_EQ(after_reset.exit_code, 0) << after_reset.output;
  StatsLine warm = stats_line(after_reset.output);
  EXPECT_EQ(warm.hits, 1) << after_reset.output;
  EXPECT_EQ(warm.remote_hits, 1) << after_reset.output;
}

// Stand-ins that record what is asked of them; apt-get "installs" ccache by linking the
// real one into the folder that is the whole PATH.
TEST(CcacheInstallTest, MissingCcacheIsInstalledWithAptGetBeforeTheStepRuns) {
  TempDir dir;
  std::string ccache = find_on_path("ccache");
  ASSERT_FALSE(ccache.empty()) << "ccache is one of the test packages";
  std::filesystem::path bin = dir / "bin";
  std::filesystem::create_directories(bin);
  for (const char* tool : {"env", "sh", "bash"}) {
    std::filesystem::create_symlink(find_on_path(tool), bin / tool);
  }
  std::string log = (dir / "apt.log").string();
  auto stand_in = [&](const std::string& name, const std::string& body) {
    write_text(bin / name, "#!/bin/sh\necho \"" + name + " $*\" >> " + log + "\n" + body);
    ::chmod((bin / name).c_str(), 0755);
  };
  stand_in("dpkg-query", "exit 1\n");
  stand_in("apt-cache", "echo 'ccache:'; echo '  Candidate: 4.5.1-1'\n");
  stand_in("apt-get", "case \"$*\" in *install*ccache*) /bin/ln -s " + ccache + " " + bin.string() +
                          "/ccache;; esac\n");
  auto result = run_shell(
      shell_quote(ssdbuild_binary()) + " ccache-env --remote " +
          shell_quote((dir / "state" / "ccache").string()) + " --step build/compile",
      dir.path(), {{"PATH", bin.string()}, {"SSDBUILD_CCACHE_DIR", (dir / "local").string()}});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::string asked = read_text(log);
  // A fresh VM has no package lists: update, then install (the apt action's own options).
  EXPECT_TRUE(std::regex_search(asked, std::regex("apt-get [^\n]*update\n(.*\n)*apt-get [^\n]*"
                                                  "install ccache\n")))
      << asked;
  EXPECT_THAT(result.output, HasSubstr("ccache: not on PATH; installing it with apt-get"));
  EXPECT_THAT(result.output, HasSubstr("export CCACHE_DIR=" + (dir / "local" / "cache").string()));
}

}  // namespace
}  // namespace ssdbuild::testing
