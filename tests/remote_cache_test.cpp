// The stage cache on a shared HTTP store (src/cache/remote_cache_store.cpp), end to end on
// tests/fixtures/legacy-app with nginx's WebDAV as the store: one machine builds and
// uploads, another (its own state folder, the work folder wiped) restores every cached stage
// from the store and runs no build command. The store's faults (stopped mid-download, a
// corrupt archive, a 500, wrong credentials) cost a local build with a warning, never the
// run, and the credentials appear in no file and no output.
#include <gmock/gmock.h>

#include <regex>

#include "legacy_app_fixture.hpp"
#include "nginx_test_server.hpp"
#include "ssdbuild/cache/remote_cache_store.hpp"
#include "ssdbuild/exec/compiler_cache.hpp"
#include "ssdbuild/util/paths.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string kSecret = "s3cret-token-4f9c2a";
const std::string kHeader = "Authorization: Bearer " + kSecret;

class RemoteCache : public LegacyAppFixture {
 protected:
  void SetUp() override {
    if (!nginx_available()) GTEST_SKIP() << "nginx is one of scripts/setup.sh's test packages";
    LegacyAppFixture::SetUp();
    root_ = false;  // no apt, alternatives or ldconfig: see stage_cache_test.cpp
    use_apt_ = false;
    store_ = std::make_unique<NginxTestServer>(store_dir_.path(), guarded());
    fs::create_directories(wrappers_.path());
    for (const char* tool : {"make", "cc", "gcc", "g++", "c++"}) {
      fs::path wrapper = wrappers_ / tool;
      write_text(wrapper, "#!/bin/sh\necho \"" + std::string(tool) + " $*\" >> " +
                              shell_quote(log_.string()) + "\nexec /usr/bin/" + tool + " \"$@\"\n");
      fs::permissions(wrapper, fs::perms::owner_all);
    }
  }

  static NginxOptions guarded() {
    NginxOptions options;
    options.authorization = "Bearer " + kSecret;
    return options;
  }

  // `ssdbuild COMMAND` as machine `vm` (its own state folder) with the store, on `boot`.
  CommandResult on_vm(const std::string& vm, const std::string& command,
                      const std::vector<std::string>& more = {},
                      const std::string& header = kHeader, const std::string& url = "") {
    std::vector<std::string> arguments = {command,       kRecipe,
                                          "--state-dir", "state",
                                          "--cache-url", url.empty() ? store_->url("/cache") : url};
    auto defined = sets(dir_);
    arguments.insert(arguments.end(), defined.begin(), defined.end());
    arguments.insert(arguments.end(), more.begin(), more.end());
    const char* path = std::getenv("PATH");
    std::vector<std::pair<std::string, std::string>> env = {
        {"SSDBUILD_BOOT_ID", "boot-" + vm},
        {"PATH", wrappers_.path().string() + ":" + (path ? path : "")}};
    if (!header.empty()) env.emplace_back("SSDBUILD_CACHE_HEADER", header);
    CommandResult result = run_ssdbuild(arguments, dir_.path(), env);
    outputs_ += result.output;
    return result;
  }

  std::vector<std::string> build_commands() { return take_build_commands(log_); }

  // Another machine: its work folder empty, and a fresh state folder at the same path (the
  // cache key holds the paths that the steps read, the state folder's downloads among them,
  // as on notebooks where every machine has the same /content paths). The old one is kept
  // aside, for the grep for the secret.
  void new_machine() {
    fs::remove_all(dir_ / "work");
    fs::remove_all(dir_ / "prefix");
    fs::rename(dir_ / "state", dir_ / ("state-of-machine-" + std::to_string(++machines_)));
  }

  // The store's files whose names end with `suffix`.
  std::vector<fs::path> stored(const std::string& suffix) const {
    std::vector<fs::path> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(store_dir_ / "cache", error)) {
      if (ends_with(entry.path().string(), suffix)) found.push_back(entry.path());
    }
    return found;
  }

  fs::path stored_archive_of(const std::string& stage) const {
    for (const auto& manifest : stored(".json")) {
      auto json = nlohmann::json::parse(read_text(manifest));
      if (json.value("stage", "") == stage) {
        return manifest.parent_path() /
               (json.value("key", "") + "-" + json.value("sha256", "").substr(0, 16) + ".tar.zst");
      }
    }
    return {};
  }

  // Every file under `folder` that holds `needle`.
  static std::vector<std::string> files_holding(const fs::path& folder, const std::string& needle) {
    std::vector<std::string> found;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(folder, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (!it->is_regular_file(error)) continue;
      if (read_text(it->path()).find(needle) != std::string::npos) {
        found.push_back(it->path().string());
      }
    }
    return found;
  }

  TempDir store_dir_, wrappers_;
  fs::path log_ = wrappers_ / "build-commands.log";
  std::unique_ptr<NginxTestServer> store_;
  std::string outputs_;  // of every ssdbuild run here
  int machines_ = 0;
};

TEST_F(RemoteCache, ASecondMachineRestoresEveryStageFromTheStoreAndBuildsNothing) {
  auto first = on_vm("1", "run");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_FALSE(build_commands().empty());
  EXPECT_EQ(count_lines_with(first.output, "cache: stage "), 4) << first.output;  // saved
  EXPECT_THAT(first.output, HasSubstr("cache: stage app uploaded"));
  // Content-addressed archives, each with its manifest; nothing partial left.
  ASSERT_EQ(stored(".json").size(), 2u);
  ASSERT_EQ(stored(".tar.zst").size(), 2u);
  for (const auto& archive : stored(".tar.zst")) {
    EXPECT_TRUE(std::regex_search(archive.filename().string(),
                                  std::regex("^[0-9a-f]{64}-[0-9a-f]{16}\\.tar\\.zst$")))
        << archive;
  }
  auto uploaded = on_vm("1", "status", {"--json"});
  auto caches = nlohmann::json::parse(uploaded.output.substr(uploaded.output.find('{')))["caches"];
  for (const auto& cache : caches) EXPECT_EQ(cache["uploaded"], true) << cache;

  // Another machine: its own state folder, nothing built in the work folder.
  new_machine();
  auto status = on_vm("2", "status");
  EXPECT_THAT(status.output, HasSubstr("cache app: restore from " + store_->url("/cache/")));
  auto plan = on_vm("2", "plan");
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_THAT(plan.output, HasSubstr("downloaded from " + store_->url("/cache")));
  EXPECT_THAT(plan.output, HasSubstr("curl -fsSL"));
  auto second = on_vm("2", "run", {"--verbose"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(build_commands(), std::vector<std::string>{}) << second.output;
  EXPECT_THAT(second.output,
              HasSubstr("cache: downloading stage app from " + store_->url("/cache/")));
  EXPECT_THAT(second.output, HasSubstr("9 restored from cache"));
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  EXPECT_EQ(run_shell("make -q", dir_ / "work/legacy-app").exit_code, 0);
  // Kept in its state folder, and known to be on the store: nothing to push.
  EXPECT_EQ(files_holding(dir_ / "state/cache", "\"uploaded_to\"").size(), 2u);
  auto pushed = on_vm("2", "status");
  EXPECT_THAT(pushed.output, Not(HasSubstr("not uploaded")));

  // The plan's script restores with curl, the credentials read from the environment.
  new_machine();
  auto third_plan = on_vm("3", "plan");
  write_text(dir_ / "plan.sh", third_plan.output);
  const char* path = std::getenv("PATH");
  auto script = run_shell("env -u LD_LIBRARY_PATH bash plan.sh", dir_.path(),
                          {{"PATH", wrappers_.path().string() + ":" + (path ? path : "")},
                           {"SSDBUILD_CACHE_HEADER", kHeader}});
  ASSERT_EQ(script.exit_code, 0) << script.output << third_plan.output;
  EXPECT_EQ(build_commands(), std::vector<std::string>{}) << script.output;
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);

  // The secret is in no file ssdbuild wrote (state folders, logs, events, step scripts, the
  // work folder) and in none of its output, --verbose included.
  EXPECT_EQ(files_holding(dir_.path(), kSecret), std::vector<std::string>{});
  EXPECT_THAT(outputs_, Not(HasSubstr(kSecret)));
}

TEST_F(RemoteCache, ACorruptArchiveOnTheStoreIsRefusedNamingItsUrlAndTheStageBuilt) {
  ASSERT_EQ(on_vm("1", "run").exit_code, 0);
  build_commands();
  fs::path archive = stored_archive_of("app");
  ASSERT_TRUE(fs::exists(archive));
  std::string bytes = read_text(archive);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x5a);
  write_text(archive, bytes);
  new_machine();
  auto second = on_vm("2", "run");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output,
              HasSubstr("warning: cache: stage app cannot be downloaded: " +
                        store_->url("/cache/" + archive.filename().string()) + " has SHA-256"));
  EXPECT_THAT(without_counters(second.output), HasSubstr("==> app/make"));
  EXPECT_THAT(without_counters(second.output),
              HasSubstr("--- libdep/install  (restored from cache"));
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  // The corrupt bytes were not kept; the rebuilt stage's manifest stays the first machine's.
  EXPECT_THAT(second.output, HasSubstr("is on " + store_->url("/cache") + " already"));
}

TEST_F(RemoteCache, AStoreStoppedMidDownloadCostsALocalBuildAndCachePushUploadsLater) {
  ASSERT_EQ(on_vm("1", "run").exit_code, 0);
  build_commands();
  NginxOptions slow = guarded();
  slow.archive_rate = "1k";
  store_->restart(slow);
  new_machine();
  const char* path = std::getenv("PATH");
  std::vector<std::string> arguments = {"run",   kRecipe,       "--state-dir",
                                        "state", "--cache-url", store_->url("/cache")};
  auto defined = sets(dir_);
  arguments.insert(arguments.end(), defined.begin(), defined.end());
  int pid = spawn_ssdbuild(arguments, dir_.path(),
                           {{"SSDBUILD_BOOT_ID", "boot-2"},
                            {"SSDBUILD_CACHE_HEADER", kHeader},
                            {"PATH", wrappers_.path().string() + ":" + (path ? path : "")}},
                           dir_ / "run.out");
  auto downloading = [&] {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir_ / "state/cache", error)) {
      if (entry.path().string().find(".tmp-") != std::string::npos &&
          fs::file_size(entry.path(), error) > 0) {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(wait_until(downloading)) << read_text(dir_ / "run.out");
  store_->stop();
  ASSERT_EQ(wait_for_exit(pid), 0) << read_text(dir_ / "run.out");
  std::string output = read_text(dir_ / "run.out");
  EXPECT_THAT(output, HasSubstr("cannot be downloaded"));
  EXPECT_EQ(count_lines_with(output, "is given up for this run"), 1) << output;
  EXPECT_FALSE(build_commands().empty());
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  for (const auto& entry : fs::directory_iterator(dir_ / "state/cache")) {
    EXPECT_THAT(entry.path().string(), Not(HasSubstr(".tmp-"))) << entry.path();
  }
  auto status = on_vm("2", "status");
  // app's at least: libdep's may have come down before the store stopped.
  EXPECT_GE(count_lines_with(status.output, "not uploaded to " + store_->url("/cache")), 1)
      << status.output;

  store_->restart(guarded());
  std::vector<std::string> push_arguments = {
      "cache", "push", kRecipe, "--state-dir", "state", "--cache-url", store_->url("/cache")};
  push_arguments.insert(push_arguments.end(), defined.begin(), defined.end());
  auto pushed = run_ssdbuild(push_arguments, dir_.path(), {{"SSDBUILD_CACHE_HEADER", kHeader}});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.output;
  // The first machine's uploads won: nothing is replaced.
  EXPECT_THAT(pushed.output, HasSubstr("cache push: 0 uploaded, 2 there already, 0 failed"));
  EXPECT_THAT(on_vm("2", "status").output, Not(HasSubstr("not uploaded")));
}

TEST_F(RemoteCache, AFiveHundredIsTriedAgain) {
  TempDir served;
  HttpTestServer flaky(served.path());
  std::string url = flaky.url("/flakystore/cache");
  auto first = on_vm("1", "run", {}, "", url);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("cache: stage app uploaded"));
  build_commands();
  new_machine();
  auto second = on_vm("2", "run", {}, "", url);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(build_commands(), std::vector<std::string>{}) << second.output;
  EXPECT_THAT(second.output, Not(HasSubstr("warning")));
  // Every request was answered 500 first, then served.
  std::string log = flaky.requests();
  EXPECT_EQ(count_lines_with(log, "PUT /flakystore/cache/"), 8) << log;
}

TEST_F(RemoteCache, WrongCredentialsAreAWarningAndNeverShown) {
  const std::string wrong = "Authorization: Bearer not-the-token-77e1";
  auto first = on_vm("1", "run", {}, wrong);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(count_lines_with(first.output, "refuses the credentials in SSDBUILD_CACHE_HEADER"), 1)
      << first.output;
  EXPECT_TRUE(stored(".json").empty());
  EXPECT_EQ(read_text(dir_ / "work/output.txt"), kExpectedOutput);
  auto none = on_vm("1", "status", {}, "");
  EXPECT_THAT(none.output, HasSubstr("not uploaded to"));
  EXPECT_EQ(files_holding(dir_.path(), "not-the-token-77e1"), std::vector<std::string>{});
  EXPECT_THAT(outputs_, Not(HasSubstr("not-the-token-77e1")));
  // A URL with credentials in it is shown without them.
  auto with_user = on_vm("3", "plan", {}, "", "http://user:pw-9d2@127.0.0.1:1/cache");
  EXPECT_THAT(with_user.output, Not(HasSubstr("pw-9d2")));
}

TEST(RemoteCacheStore, UrlsAreShownWithoutCredentials) {
  EXPECT_EQ(url_without_credentials("https://user:pw@host:8080/a/b"), "https://host:8080/a/b");
  EXPECT_EQ(url_without_credentials("http://host/a@b"), "http://host/a@b");
  EXPECT_EQ(url_without_credentials("http://host"), "http://host");
  EXPECT_EQ(url_without_credentials("plain-argument"), "plain-argument");
  EXPECT_THROW(RemoteCacheStore("ftp://host/x", "", nullptr), Error);
  EXPECT_THROW(RemoteCacheStore("http://host/x", "Authorization Bearer x", nullptr), Error);
  EXPECT_THROW(RemoteCacheStore("http://host/x", "A: b\r\nC: d", nullptr), Error);
  RemoteCacheStore store("http://u:p@host/x/", "", nullptr);
  EXPECT_EQ(store.shown_url(), "http://host/x");
}

TEST(RemoteCacheStore, CcacheGetsTheTokenOrTheBasicCredentialsItCanUse) {
  CcacheVersion v47{4, 7, 5}, v45{4, 5, 1};
  std::string why;
  CcacheHttpStorage bearer{"http://h/cache/ccache", "Authorization: Bearer abc"};
  EXPECT_EQ(ccache_http_storage(v47, bearer, &why), "http://h/cache/ccache|bearer-token=abc");
  EXPECT_EQ(ccache_http_storage(v45, bearer, &why), "");
  EXPECT_THAT(why, Not(HasSubstr("abc")));
  CcacheHttpStorage basic{"http://h/c", "Authorization: Basic dXNlcjpzM2NyZXQ="};  // user:s3cret
  EXPECT_EQ(ccache_http_storage(v45, basic, &why), "http://user:s3cret@h/c");
  EXPECT_EQ(ccache_http_storage(v47, {"https://h/c", ""}, &why), "");
  EXPECT_THAT(why, HasSubstr("https"));
  EXPECT_EQ(ccache_http_storage(v47, {"http://h/c", "X-Key: 1"}, &why), "");
}

}  // namespace
}  // namespace ssdbuild::testing
