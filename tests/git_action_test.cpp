// The git action against real repositories made here with git: branches, tags, a tag moved
// after the first clone, local changes in `dest`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

const std::vector<std::string> kRun = {"run", "recipe.yaml", "--state-dir", "state"};

std::string git(const TempDir& dir, const std::string& arguments) {
  auto result = run_git(dir.path(), arguments);
  EXPECT_EQ(result.exit_code, 0) << arguments << "\n" << result.output;
  std::string output = result.output;
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

// upstream: master with Makefile; branch ssd with one more commit; tag v1 on master.
class GitActionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    git(dir_, "init -q up");
    write_text(dir_ / "up/Makefile", "all:\n\techo master\n");
    git(dir_, "-C up add -A && git -C up -c user.name=t -c user.email=t@t commit -qm one");
    git(dir_, "-C up tag v1");
    git(dir_, "-C up checkout -qb ssd");
    write_text(dir_ / "up/Makefile", "all:\n\techo ssd\n");
    git(dir_, "-C up commit -qam two");
    ssd_ = git(dir_, "-C up rev-parse ssd");
    v1_ = git(dir_, "-C up rev-parse v1");
    git(dir_, "-C up checkout -q master");
  }
  void recipe(const std::string& fields) {
    write_text(dir_ / "recipe.yaml",
               "name: source\nstages:\n  - name: source\n    steps:\n"
               "      - name: clone\n        git: {url: " +
                   (dir_ / "up").string() + ", dest: src" + fields + "}\n");
  }
  CommandResult run(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> arguments = kRun;
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_ssdbuild(arguments, dir_.path());
  }
  std::string head() { return git(dir_, "-C src rev-parse HEAD"); }

  TempDir dir_;
  std::string ssd_, v1_;
};

TEST_F(GitActionTest, ClonesTheBranchDetachedAndRecordsTheCommit) {
  recipe(", ref: ssd");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(head(), ssd_);
  EXPECT_EQ(read_text(dir_ / "src/Makefile"), "all:\n\techo ssd\n");
  EXPECT_EQ(git(dir_, "-C src rev-parse --abbrev-ref HEAD"), "HEAD");  // detached
  auto status =
      run_ssdbuild({"status", "recipe.yaml", "--state-dir", "state", "--json"}, dir_.path());
  EXPECT_EQ(nlohmann::json::parse(status.output)["steps"][0]["details"]["commit"], ssd_);
  auto text = run_ssdbuild({"status", "recipe.yaml", "--state-dir", "state"}, dir_.path());
  EXPECT_THAT(text.output, HasSubstr("[commit " + ssd_.substr(0, 12) + "]"));
}

TEST_F(GitActionTest, PinnedCommitIsCheckedAndAResumedRunIsInstant) {
  recipe(", ref: ssd, commit: " + ssd_);
  ASSERT_EQ(run().exit_code, 0);
  write_text(dir_ / "src/Makefile", "patched\n");  // what a later patch step does
  auto again = run({"--force", "source"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(again.output, HasSubstr("is at " + ssd_ + " already"));
  EXPECT_EQ(read_text(dir_ / "src/Makefile"), "patched\n");
  recipe(", ref: ssd, commit: " + v1_);
  auto moved = run();
  EXPECT_EQ(moved.exit_code, 1);
  EXPECT_THAT(moved.output, HasSubstr("`ssd` is now " + ssd_ + ", not the pinned commit " + v1_));
}

TEST_F(GitActionTest, AMovedTagIsFollowedAfterAFetch) {
  recipe(", ref: v1");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(head(), v1_);
  git(dir_, "-C up tag -f v1 ssd");
  write_text(dir_ / "src/untracked.o", "build output\n");
  auto result = run({"--force", "source"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(head(), ssd_);
  EXPECT_EQ(read_text(dir_ / "src/untracked.o"), "build output\n");
}

TEST_F(GitActionTest, LocalChangesBlockASwitchUnlessForced) {
  recipe(", ref: master");
  ASSERT_EQ(run().exit_code, 0);
  write_text(dir_ / "src/Makefile", "my edit\n");
  git(dir_, "-C up merge -q --ff-only ssd");
  auto refused = run({"--force", "source"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("has local changes"));
  EXPECT_THAT(refused.output, HasSubstr("\n    Makefile"));
  EXPECT_EQ(read_text(dir_ / "src/Makefile"), "my edit\n");
  recipe(", ref: master, force: true");
  auto forced = run();
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_THAT(forced.output, HasSubstr("discarding local change to Makefile"));
  EXPECT_EQ(head(), ssd_);
}

TEST_F(GitActionTest, ACloneOfAnotherUrlOrAFolderIsNotTouched) {
  recipe(", ref: master");
  write_text(dir_ / "src/keep.txt", "mine\n");
  auto folder = run();
  EXPECT_EQ(folder.exit_code, 1);
  EXPECT_THAT(folder.output, HasSubstr("exists and is not a git clone"));
  std::filesystem::remove_all(dir_ / "src");
  git(dir_, "clone -q up other && git clone -q other src");
  auto other = run();
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_THAT(other.output, HasSubstr("is a clone of " + (dir_ / "other").string()));
}

TEST_F(GitActionTest, PlanScriptClonesTheSameCommit) {
  recipe(", ref: ssd, commit: " + ssd_);
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir_.path());
  ASSERT_EQ(plan.exit_code, 0);
  EXPECT_THAT(plan.output, HasSubstr("#     git: will clone"));
  write_text(dir_ / "plan.sh", plan.output);
  auto script = run_shell("bash plan.sh && bash plan.sh", dir_.path());
  ASSERT_EQ(script.exit_code, 0) << script.output;
  EXPECT_EQ(head(), ssd_);
  // ssdbuild takes over the clone the script made.
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("already"));
}

TEST_F(GitActionTest, UnknownRefAndBadPinAreClearErrors) {
  recipe(", ref: nosuchbranch");
  auto unknown = run();
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.output, HasSubstr("`nosuchbranch` is neither a branch, a tag nor a commit"));
  recipe(", commit: abc123");
  auto validated = run_ssdbuild({"validate", "recipe.yaml"}, dir_.path());
  EXPECT_EQ(validated.exit_code, 2) << validated.output;
  auto bad = run();
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.output, HasSubstr("`commit` must be a full 40-character SHA-1"));
}

// plan reads HEAD from the clone's files (it must not load libgit2): a detached HEAD, a
// branch whose ref is packed, and a worktree whose `.git` is a file.
TEST_F(GitActionTest, PlanReadsHeadFromPackedRefsAndWorktrees) {
  recipe(", ref: ssd, commit: " + ssd_);
  git(dir_, "clone -q up src");  // on master, ref in refs/heads/
  auto plan = [&] {
    return run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir_.path()).output;
  };
  EXPECT_THAT(plan(), HasSubstr("will fetch into " + (dir_ / "src").string() + " (now at " +
                                v1_.substr(0, 12) + ")"));
  git(dir_, "-C src checkout -q -b ssd origin/ssd && git -C src pack-refs --all");
  ASSERT_FALSE(std::filesystem::exists(dir_ / "src/.git/refs/heads/ssd"));
  EXPECT_THAT(plan(), HasSubstr("is at " + ssd_.substr(0, 12) + " already"));
  git(dir_, "-C src checkout -q master");
  git(dir_, "-C src worktree add -q --detach ../wt " + ssd_);
  ASSERT_TRUE(std::filesystem::is_regular_file(dir_ / "wt/.git"));
  write_text(dir_ / "recipe.yaml",
             "name: source\nstages:\n  - name: source\n    steps:\n      - name: clone\n"
             "        git: {url: " +
                 (dir_ / "up").string() + ", dest: wt, ref: ssd, commit: " + ssd_ + "}\n");
  EXPECT_THAT(plan(), HasSubstr("wt is at " + ssd_.substr(0, 12) + " already"));
}

// A clone killed before its checkout leaves src.ssdbuild-tmp (here: a real clone with no
// files checked out, what git_clone has made at that point), never a `src` that the next
// run would take for finished.
TEST_F(GitActionTest, AKilledCloneIsMadeAgainNotTakenForDone) {
  recipe(", ref: ssd, commit: " + ssd_);
  git(dir_, "clone -q --no-checkout " + (dir_ / "up").string() + " src.ssdbuild-tmp");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(head(), ssd_);
  EXPECT_EQ(read_text(dir_ / "src/Makefile"), "all:\n\techo ssd\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "src.ssdbuild-tmp"));
}

// `submodules: true` checks out submodules and theirs in turn: up -> lib -> inner.
TEST_F(GitActionTest, SubmodulesAreCheckedOutRecursively) {
  const std::string allow = "-c protocol.file.allow=always ";
  git(dir_, "init -q inner");
  write_text(dir_ / "inner/inner.txt", "inner\n");
  git(dir_, "-C inner add -A && git -C inner -c user.name=t -c user.email=t@t commit -qm i");
  git(dir_, "init -q lib");
  write_text(dir_ / "lib/lib.txt", "lib\n");
  git(dir_, "-C lib add -A");
  git(dir_, allow + "-C lib submodule -q add " + (dir_ / "inner").string() + " inner");
  git(dir_, "-C lib -c user.name=t -c user.email=t@t commit -qm l");
  git(dir_, allow + "-C up submodule -q add " + (dir_ / "lib").string() + " lib");
  git(dir_, "-C up -c user.name=t -c user.email=t@t commit -qm sub");
  recipe(", ref: master, submodules: true");
  auto result = run();
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(read_text(dir_ / "src/lib/lib.txt"), "lib\n");
  EXPECT_EQ(read_text(dir_ / "src/lib/inner/inner.txt"), "inner\n");
  EXPECT_THAT(result.output, HasSubstr("git: submodule lib/inner"));
}

// The plan's commands keep the run's guards: local changes stop the switch unless forced,
// and `force` lists what it discards; a pinned commit already there fetches nothing.
TEST_F(GitActionTest, ThePlanKeepsTheRunsGuards) {
  recipe(", ref: master");
  ASSERT_EQ(run().exit_code, 0);
  write_text(dir_ / "src/Makefile", "my edit\n");
  git(dir_, "-C up merge -q --ff-only ssd");
  auto plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state", "--force", "source"},
                           dir_.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  write_text(dir_ / "plan.sh", plan.output);
  auto refused = run_shell("bash plan.sh", dir_.path());
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("has local changes"));
  EXPECT_THAT(refused.output, HasSubstr("M Makefile"));
  EXPECT_EQ(read_text(dir_ / "src/Makefile"), "my edit\n");

  recipe(", ref: master, force: true");
  plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state"}, dir_.path());
  write_text(dir_ / "plan.sh", plan.output);
  auto forced = run_shell("bash plan.sh", dir_.path());
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_THAT(forced.output, HasSubstr("git: discarding local change to Makefile"));
  EXPECT_EQ(head(), ssd_);

  recipe(", ref: ssd, commit: " + ssd_);
  plan = run_ssdbuild({"plan", "recipe.yaml", "--state-dir", "state", "--force", "source"},
                      dir_.path());
  write_text(dir_ / "plan.sh", plan.output);
  auto pinned = run_shell("bash plan.sh", dir_.path());
  ASSERT_EQ(pinned.exit_code, 0) << pinned.output;
  EXPECT_THAT(pinned.output, HasSubstr("is at " + ssd_ + " already"));
}

}  // namespace
}  // namespace ssdbuild::testing
