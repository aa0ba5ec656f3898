// The fetch action against a real HTTP server on 127.0.0.1 that serves ranges, drops
// connections, fails once, ignores Range, serves wrong bytes and redirects.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "ssdbuild/util/sha256.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

class FetchActionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string content;
    for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i) + " of the archive\n";
    content_ = content;
    sha_ = sha256_hex(content_);
    write_text(dir_ / "served/boost_1_67_0.tar.bz2", content_);
    server_ = std::make_unique<HttpTestServer>(dir_ / "served");
  }

  // A fetch step, then a run step that copies ${steps.boost.path} to got.
  void recipe(const std::string& fetch) {
    write_text(dir_ / "recipe.yaml",
               "name: download\nstages:\n  - name: sources\n    steps:\n"
               "      - name: boost\n        fetch: " +
                   fetch +
                   "\n"
                   "      - name: use\n        run: cp ${steps.boost.path} got\n");
  }
  CommandResult run(std::vector<std::string> extra = {}) {
    std::vector<std::string> arguments = {"run", "recipe.yaml", "--state-dir", "state"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_ssdbuild(arguments, dir_.path(), {{"SSDBUILD_FETCH_BACKOFF_MS", "10"}});
  }

  TempDir dir_;
  std::string content_, sha_;
  std::unique_ptr<HttpTestServer> server_;
};

TEST_F(FetchActionTest, DownloadsIntoTheStateFolderAndGivesLaterStepsThePath) {
  recipe("{url: " + server_->url("/file/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "got"), content_);
  std::string stored =
      (dir_ / ("state/downloads/" + sha_.substr(0, 16) + "-boost_1_67_0.tar.bz2")).string();
  EXPECT_EQ(read_text(stored), content_);
  EXPECT_FALSE(std::filesystem::exists(stored + ".part"));
  // After a VM reset (system scope re-runs) nothing is downloaded again.
  auto after_reset = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir_.path(),
                                  {{"SSDBUILD_BOOT_ID", "another-boot"}});
  ASSERT_EQ(after_reset.exit_code, 0) << after_reset.output;
  EXPECT_THAT(after_reset.output, HasSubstr("is already downloaded"));
  EXPECT_EQ(server_->requests(), "/file/boost_1_67_0.tar.bz2 -\n/log -\n");
}

TEST_F(FetchActionTest, ADroppedConnectionResumesWithARangeRequest) {
  recipe("{url: " + server_->url("/drop/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "got"), content_);
  std::string log = server_->requests();
  EXPECT_THAT(
      log,
      HasSubstr("/drop/boost_1_67_0.tar.bz2 bytes=" + std::to_string(content_.size() / 2) + "-"))
      << log << result.output;
  EXPECT_THAT(result.output, HasSubstr("resuming"));
}

TEST_F(FetchActionTest, AServerErrorIsRetried) {
  recipe("{url: " + server_->url("/flaky/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("HTTP 500; retrying in"));
}

TEST_F(FetchActionTest, AServerIgnoringRangeMakesTheDownloadStartOver) {
  recipe("{url: " + server_->url("/norange/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  std::string part =
      (dir_ / ("state/downloads/" + sha_.substr(0, 16) + "-boost_1_67_0.tar.bz2.part")).string();
  write_text(part, content_.substr(0, 1000));
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "got"), content_);
  EXPECT_THAT(result.output, HasSubstr("ignored the Range request; starting over"));
}

TEST_F(FetchActionTest, AChecksumMismatchDeletesThePartAndNamesBothHashes) {
  recipe("{url: " + server_->url("/wrong/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto result = run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("checksum mismatch: expected " + sha_ + ", got " +
                                       sha256_hex(std::string(content_.size(), 'X'))));
  EXPECT_TRUE(run_shell("ls state/downloads", dir_.path()).output.empty());
}

TEST_F(FetchActionTest, DeadAndFailingMirrorsFallThroughToAGoodOne) {
  recipe("{urls: [http://127.0.0.1:1/none, " + server_->url("/file/missing.tar") + ", " +
         server_->url("/redirect/boost_1_67_0.tar.bz2") + "], sha256: " + sha_ + "}");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "got"), content_);
}

TEST_F(FetchActionTest, AllMirrorsFailingIsOneClearError) {
  recipe("{urls: [" + server_->url("/file/missing.tar") +
         ", http://127.0.0.1:1/none], sha256: " + sha_ + "}");
  auto result = run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.output, HasSubstr("fetch: no URL gave"));
  EXPECT_THAT(result.output, HasSubstr("missing.tar: HTTP 404"));
}

TEST_F(FetchActionTest, FirstUsePinsTheHashAndLaterDownloadsMustMatch) {
  recipe("{url: " + server_->url("/file/boost_1_67_0.tar.bz2") + ", sha256: first-use}");
  auto first = run();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("first use: pinned sha256 " + sha_));
  auto state = nlohmann::json::parse(read_text(dir_ / "state/state.json"));
  EXPECT_EQ(state["pins"][server_->url("/file/boost_1_67_0.tar.bz2")], sha_);
  // Upstream changes the file: the next download is refused.
  write_text(dir_ / "served/boost_1_67_0.tar.bz2", "changed\n");
  run_shell("rm -rf state/downloads", dir_.path());
  auto second = run({"--force", "sources/boost"});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.output, HasSubstr("checksum mismatch: expected " + sha_));
}

TEST_F(FetchActionTest, SkipWarnsOnEveryRun) {
  recipe("{url: " + server_->url("/file/boost_1_67_0.tar.bz2") + ", sha256: skip}");
  auto first = run();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr("warning: sha256: skip"));
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state", "--all"}, dir_.path());
  EXPECT_THAT(plan.output, HasSubstr("warning: sha256: skip"));
}

TEST_F(FetchActionTest, FileUrlsWork) {
  recipe("{url: 'file://" + (dir_ / "served/boost_1_67_0.tar.bz2").string() + "', sha256: " + sha_ +
         ", dest: local.tar.bz2}");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "local.tar.bz2"), content_);
}

TEST_F(FetchActionTest, PlanScriptDownloadsTheSameFileWithCurl) {
  recipe("{url: " + server_->url("/drop/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir_.path());
  ASSERT_EQ(plan.exit_code, 0);
  write_text(dir_ / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh && bash plan.sh", dir_.path());
  ASSERT_EQ(script.exit_code, 0) << script.output << plan.output;
  EXPECT_EQ(read_text(dir_ / "got"), content_);
  auto result = run();
  EXPECT_NE(result.output.find("0 step(s) ran") == std::string::npos
                ? result.output.find("is already downloaded")
                : 0,
            std::string::npos)
      << result.output;
}

TEST_F(FetchActionTest, UnknownStepOutputIsARecipeError) {
  write_text(dir_ / "recipe.yaml",
             "name: r\nstages:\n  - name: s\n    steps:\n"
             "      - run: cat ${steps.boost.path}\n");
  auto result = run_ssdbuild({"validate", "recipe.yaml"}, dir_.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.output, HasSubstr("unknown variable `steps.boost.path`"));
}

}  // namespace
}  // namespace ssdbuild::testing

namespace ssdbuild::testing {
namespace {

TEST_F(FetchActionTest, CtrlCKeepsThePartAndTheNextRunResumesIt) {
  recipe("{url: " + server_->url("/slow/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  std::string part =
      (dir_ / ("state/downloads/" + sha_.substr(0, 16) + "-boost_1_67_0.tar.bz2.part")).string();
  int pid = spawn_ssdbuild({"run", "recipe.yaml", "--state-dir", "state"}, dir_.path(), {},
                           dir_ / "first.out");
  ASSERT_TRUE(wait_until([&] {
    std::error_code error;
    return std::filesystem::exists(part, error) && std::filesystem::file_size(part, error) > 4096;
  }));
  ::kill(pid, SIGINT);
  EXPECT_EQ(wait_for_exit(pid), 130) << read_text(dir_ / "first.out");
  ASSERT_TRUE(std::filesystem::exists(part));
  size_t kept = std::filesystem::file_size(part);
  recipe("{url: " + server_->url("/file/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto second = run();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(read_text(dir_ / "got"), content_);
  EXPECT_THAT(server_->requests(),
              HasSubstr("/file/boost_1_67_0.tar.bz2 bytes=" + std::to_string(kept) + "-"));
}

// Progress for a notebook: a line every 10 % with bytes, rate and ETA; without a size from
// the server, bytes and rate on the clock (every 5 s; 300 ms here).
TEST_F(FetchActionTest, ProgressLinesShowPercentRateAndEtaOrBytesWithoutASize) {
  std::string small(20 * 1024, 'x');
  write_text(dir_ / "served/small.bin", small);
  recipe("{url: " + server_->url("/slow/small.bin") + ", sha256: " + sha256_hex(small) + "}");
  auto known = run();
  ASSERT_EQ(known.exit_code, 0) << known.output;
  int lines = 0;
  for (size_t at = known.output.find("%), "); at != std::string::npos;
       at = known.output.find("%), ", at + 1))
    ++lines;
  EXPECT_GE(lines, 5) << known.output;
  EXPECT_THAT(known.output, HasSubstr(" KiB / 20.0 KiB ("));
  EXPECT_THAT(known.output, HasSubstr("/s, ETA "));

  recipe("{url: " + server_->url("/chunked/boost_1_67_0.tar.bz2") + ", sha256: " + sha_ + "}");
  auto unknown = run_ssdbuild({"run", "recipe.yaml", "--state-dir", "state2"}, dir_.path(),
                              {{"SSDBUILD_FETCH_PROGRESS_MS", "300"}});
  ASSERT_EQ(unknown.exit_code, 0) << unknown.output;
  EXPECT_THAT(unknown.output, HasSubstr(" so far, "));
  EXPECT_THAT(unknown.output, HasSubstr("(the server gives no size)"));
  EXPECT_EQ(read_text(dir_ / "got"), content_);
}

// TLS is always verified: a server whose certificate no authority signed is refused, with
// the reason, though the same server answers a client that skips verification.
TEST_F(FetchActionTest, AnUnverifiableCertificateIsRefused) {
  std::filesystem::create_directories(dir_ / "tls");
  ASSERT_EQ(run_shell("openssl req -x509 -newkey rsa:2048 -nodes -keyout tls/key.pem -out "
                      "tls/cert.pem -days 1 -subj /CN=127.0.0.1 -addext "
                      "subjectAltName=IP:127.0.0.1 2>/dev/null",
                      dir_.path())
                .exit_code,
            0);
  HttpTestServer secure(dir_ / "served", dir_ / "tls");
  std::string url = secure.url("/file/boost_1_67_0.tar.bz2");
  ASSERT_EQ(url.rfind("https://", 0), 0u);
  EXPECT_EQ(run_shell("curl -fsSk -o /dev/null " + url, dir_.path()).exit_code, 0);
  recipe("{url: " + url + ", sha256: " + sha_ + "}");
  auto result = run();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("certificate"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "got"));
}

}  // namespace
}  // namespace ssdbuild::testing
