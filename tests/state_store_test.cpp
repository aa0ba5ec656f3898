// state.json: the checkpoints, saved atomically and never silently reset.
#include "ssdbuild/state/state_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssdbuild/util/error.hpp"
#include "test_support.hpp"

namespace ssdbuild {

using ::testing::HasSubstr;

namespace {

using testing::read_text;
using testing::TempDir;
using testing::write_text;

std::string load_error(StateStore& store) {
  try {
    store.load();
  } catch (const Error& error) {
    return error.what();
  }
  return "(loaded)";
}

TEST(StepStatus, NamesRoundTrip) {
  for (StepStatus status : {StepStatus::pending, StepStatus::running, StepStatus::done,
                            StepStatus::failed, StepStatus::interrupted}) {
    EXPECT_EQ(parse_step_status(to_string(status)), status);
  }
  EXPECT_EQ(to_string(StepStatus::done), "done");
  EXPECT_EQ(parse_step_status("finished"), std::nullopt);
}

TEST(StateLayout, PutsLogsAndScriptsUnderTheStage) {
  StateLayout layout{"state"};
  EXPECT_EQ(layout.state_file(), std::filesystem::path("state/state.json"));
  EXPECT_EQ(layout.log_file("build/make"), std::filesystem::path("state/logs/build/make.log"));
  EXPECT_EQ(layout.script_file("build/make"), std::filesystem::path("state/logs/build/make.sh"));
}

TEST(StateStore, AMissingFileIsAnEmptyState) {
  TempDir dir;
  StateStore store(StateLayout{dir.path()});
  store.load();
  EXPECT_TRUE(store.records().empty());
  EXPECT_EQ(store.find("a/b"), nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir / "state.json"));
}

TEST(StateStore, SaveAndLoadKeepEveryFieldOfARecord) {
  TempDir dir;
  StateStore saved(StateLayout{dir.path()});
  saved.set_recipe("ssd-caffe");
  saved.set_workdir("/content");
  StepRecord& record = saved.record("build/make");
  record.status = StepStatus::failed;
  record.fingerprint = "abc123";
  record.boot_id = "boot-1";
  record.scope = "persistent";
  record.started_at = "2026-11-23T23:10:00Z";
  record.ended_at = "2026-11-23T23:12:30Z";
  record.duration_s = 150.25;
  record.exit_code = 2;
  record.failure = "exit 2";
  record.attempts = 3;
  record.runner_pid = 4242;
  record.log = "logs/build/make.log";
  record.details = {{"commit", "0123abcd"}, {"files", {1, 2}}};
  saved.record("fetch/clone").status = StepStatus::done;
  saved.pins()["https://example.com/x.tar"] = "sha256:ff";
  saved.save();

  StateStore loaded(StateLayout{dir.path()});
  loaded.load();
  ASSERT_EQ(loaded.records().size(), 2u);
  const StepRecord* got = loaded.find("build/make");
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->status, StepStatus::failed);
  EXPECT_EQ(got->fingerprint, "abc123");
  EXPECT_EQ(got->boot_id, "boot-1");
  EXPECT_EQ(got->scope, "persistent");
  EXPECT_EQ(got->started_at, "2026-11-23T23:10:00Z");
  EXPECT_EQ(got->ended_at, "2026-11-23T23:12:30Z");
  EXPECT_DOUBLE_EQ(got->duration_s, 150.25);
  EXPECT_EQ(got->exit_code, 2);
  EXPECT_EQ(got->failure, "exit 2");
  EXPECT_EQ(got->attempts, 3);
  EXPECT_EQ(got->runner_pid, 4242);
  EXPECT_EQ(got->log, "logs/build/make.log");
  EXPECT_EQ(got->details, (nlohmann::json{{"commit", "0123abcd"}, {"files", {1, 2}}}));
  EXPECT_EQ(loaded.find("fetch/clone")->status, StepStatus::done);
  EXPECT_EQ(loaded.find("fetch/clone")->exit_code, std::nullopt);
  EXPECT_EQ(loaded.pins(), (nlohmann::json{{"https://example.com/x.tar", "sha256:ff"}}));
  EXPECT_EQ(loaded.to_json()["recipe"], "ssd-caffe");
  EXPECT_EQ(loaded.workdir(), "/content");
  EXPECT_EQ(loaded.to_json(), saved.to_json());
}

// The work folder came later, within format 1: a file from before it loads with none, and
// is saved without the field until a run records one.
TEST(StateStore, AFileWithoutTheWorkFolderLoadsWithNone) {
  TempDir dir;
  write_text(dir / "state.json",
             R"({"format": 1, "recipe": "r", "pins": {},
                 "steps": {"a/b": {"status": "done", "fingerprint": "f"}}})");
  StateStore store(StateLayout{dir.path()});
  store.load();
  EXPECT_EQ(store.workdir(), "");
  EXPECT_EQ(store.find("a/b")->status, StepStatus::done);
  EXPECT_FALSE(store.to_json().contains("workdir"));
  store.set_workdir("/content/ssd");
  store.save();
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "state.json"))["workdir"], "/content/ssd");
  EXPECT_EQ(nlohmann::json::parse(read_text(dir / "state.json"))["format"], 1);
}

TEST(StateStore, LoadReplacesWhatWasInMemory) {
  TempDir dir;
  StateStore store(StateLayout{dir.path()});
  store.record("a/one").status = StepStatus::done;
  store.save();
  store.record("a/two").status = StepStatus::done;
  store.load();
  EXPECT_NE(store.find("a/one"), nullptr);
  EXPECT_EQ(store.find("a/two"), nullptr);
}

TEST(StateStore, SavesReadableVersionedJson) {
  TempDir dir;
  StateStore store(StateLayout{dir.path()});
  store.record("a/b").status = StepStatus::running;
  store.save();
  nlohmann::json document = nlohmann::json::parse(read_text(dir / "state.json"));
  EXPECT_EQ(document["format"], StateStore::kFormatVersion);
  EXPECT_EQ(document["steps"]["a/b"]["status"], "running");
}

TEST(StateStore, CorruptJsonNamesTheFileAndTheWayOut) {
  TempDir dir;
  write_text(dir / "state.json", "{\"format\": 1, \"steps\": {");
  StateStore store(StateLayout{dir.path()});
  std::string path = (dir / "state.json").string();
  std::string message = load_error(store);
  EXPECT_EQ(message.rfind(path + " is corrupt (", 0), 0u) << message;
  EXPECT_THAT(message, HasSubstr("move it aside (mv " + path + " state.json.bad)"));
  EXPECT_THAT(message, HasSubstr("nothing was changed"));
  // ... and nothing was changed.
  EXPECT_EQ(read_text(dir / "state.json"), "{\"format\": 1, \"steps\": {");
}

TEST(StateStore, ValidJsonThatIsNotAStateFileIsRefusedToo) {
  TempDir dir;
  StateStore store(StateLayout{dir.path()});
  std::string path = (dir / "state.json").string();
  for (const char* text : {"[]", "{\"steps\": {}}", "{\"format\": 1}",
                           R"({"format": 1, "steps": {"a/b": {"fingerprint": "x"}}})",
                           R"({"format": 1, "steps": {"a/b": {"status": 3}}})"}) {
    write_text(dir / "state.json", text);
    std::string message = load_error(store);
    EXPECT_EQ(message.rfind(path + " is not a valid state file (", 0), 0u)
        << text << ": " << message;
    EXPECT_THAT(message, HasSubstr("move it aside"));
  }
}

// An unknown status is as corrupt as a missing one: the message must name the file and the
// way out like every other corrupt state file.
TEST(StateStore, AnUnknownStatusNamesTheFileAndTheWayOut) {
  TempDir dir;
  write_text(dir / "state.json", R"({"format": 1, "steps": {"a/b": {"status": "finished"}}})");
  StateStore store(StateLayout{dir.path()});
  std::string path = (dir / "state.json").string();
  std::string message = load_error(store);
  EXPECT_EQ(message.rfind(path + " is not a valid state file (", 0), 0u) << message;
  EXPECT_THAT(message, HasSubstr("unknown status"));
  EXPECT_THAT(message, HasSubstr("move it aside"));
}

TEST(StateStore, AFileFromANewerFormatIsRefused) {
  TempDir dir;
  write_text(dir / "state.json", R"({"format": 2, "recipe": "x", "steps": {}})");
  StateStore store(StateLayout{dir.path()});
  std::string path = (dir / "state.json").string();
  EXPECT_EQ(load_error(store), path +
                                   " was written by a newer ssdbuild (format 2); upgrade ssdbuild "
                                   "or use another --state-dir");
}

TEST(StateStore, SaveLeavesNoTemporaryFilesBehind) {
  TempDir dir;
  StateStore store(StateLayout{dir.path()});
  for (int i = 0; i < 5; ++i) {
    store.record("s/step" + std::to_string(i)).attempts = i;
    store.save();
  }
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    files.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(files, (std::vector<std::string>{"state.json"}));
}

TEST(StateStore, EraseAndClearForgetRecords) {
  TempDir dir;
  StateStore store(StateLayout{dir.path()});
  store.record("a/one");
  store.record("a/two");
  store.erase("a/one");
  EXPECT_EQ(store.find("a/one"), nullptr);
  EXPECT_NE(store.find("a/two"), nullptr);
  store.clear();
  EXPECT_TRUE(store.records().empty());
}

}  // namespace
}  // namespace ssdbuild
