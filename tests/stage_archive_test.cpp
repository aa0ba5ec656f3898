// The stage cache's archive (src/io_module/stage_archive.cpp, through the I/O module) and
// its store (src/cache/cache_store.cpp): a tree comes back as it was packed (modes, links,
// nanosecond modification times), GNU tar and zstd read the same archive, and an archive
// made to write outside the stage's paths is refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ssdbuild/actions/io_module.hpp"
#include "ssdbuild/cache/stage_cache.hpp"
#include "ssdbuild/util/error.hpp"
#include "ssdbuild/util/sha256.hpp"
#include "ssdbuild/util/strings.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

namespace fs = std::filesystem;

struct timespec modification_time(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mtim;
}

// A tree with what a build leaves: folders, an executable, an empty file, a relative link,
// and times with nanoseconds that differ by less than a second.
void make_tree(const fs::path& root) {
  ASSERT_EQ(run_shell("mkdir -p sub/deeper && printf 'x' > sub/deeper/a.o && "
                      "printf '#!/bin/sh\\necho hi\\n' > tool && chmod 751 tool && : > empty && "
                      "ln -s sub/deeper/a.o link && touch -d '2020-01-02 03:04:05.123456789' "
                      "sub/deeper/a.o && touch -d '2020-01-02 03:04:05.987654321' tool",
                      root)
                .exit_code,
            0);
}

TEST(StageArchive, TreeComesBackWithModesLinksAndNanosecondTimes) {
  TempDir dir;
  fs::path tree = dir / "work/tree";
  fs::create_directories(tree);
  make_tree(tree);
  auto object_time = modification_time(tree / "sub/deeper/a.o");
  auto tool_time = modification_time(tree / "tool");

  PackedArchive packed = io_module().pack_stage_archive({tree}, dir / "a.tar.zst", 2);
  EXPECT_EQ(packed.entries, 7u);  // tree, sub, sub/deeper, a.o, tool, empty, link
  EXPECT_EQ(packed.archive_bytes, fs::file_size(dir / "a.tar.zst"));
  EXPECT_EQ(packed.sha256, file_sha256(dir / "a.tar.zst"));

  fs::remove_all(tree);
  EXPECT_EQ(io_module().restore_stage_archive(dir / "a.tar.zst", {tree}), 7u);
  EXPECT_EQ(read_text(tree / "sub/deeper/a.o"), "x");
  EXPECT_EQ(fs::status(tree / "tool").permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                fs::perms::others_exec);
  EXPECT_TRUE(fs::is_symlink(tree / "link"));
  EXPECT_EQ(fs::read_symlink(tree / "link"), "sub/deeper/a.o");
  EXPECT_EQ(fs::file_size(tree / "empty"), 0u);
  EXPECT_EQ(modification_time(tree / "sub/deeper/a.o").tv_nsec, object_time.tv_nsec);
  EXPECT_EQ(modification_time(tree / "tool").tv_sec, tool_time.tv_sec);
  EXPECT_EQ(modification_time(tree / "tool").tv_nsec, tool_time.tv_nsec);
}

TEST(StageArchive, GnuTarAndZstdRestoreTheSameArchive) {
  TempDir dir;
  fs::path tree = dir / "tree";
  fs::create_directories(tree);
  make_tree(tree);
  auto object_time = modification_time(tree / "sub/deeper/a.o");
  io_module().pack_stage_archive({tree}, dir / "a.tar.zst", 1);
  fs::remove_all(tree);
  // What a plan script runs.
  auto restored = run_shell("zstd -dc -- a.tar.zst | tar -x -p -f - -C /", dir.path());
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_EQ(read_text(tree / "sub/deeper/a.o"), "x");
  EXPECT_EQ(fs::read_symlink(tree / "link"), "sub/deeper/a.o");
  EXPECT_EQ(modification_time(tree / "sub/deeper/a.o").tv_nsec, object_time.tv_nsec);
}

TEST(StageArchive, RestoreRefusesEntriesOutsideTheRootsAndThroughLinks) {
  TempDir dir;
  fs::create_directories(dir / "stage/out");
  write_text(dir / "stage/out/file", "ok\n");
  fs::create_directories(dir / "elsewhere");
  io_module().pack_stage_archive({dir / "stage/out"}, dir / "a.tar.zst", 1);
  // The same archive, restored for a stage whose paths are elsewhere.
  try {
    io_module().restore_stage_archive(dir / "a.tar.zst", {dir / "elsewhere"});
    ADD_FAILURE() << "restored outside the roots";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()), HasSubstr("outside the stage's cache paths"))
        << error.what();
  }
  // An archive whose link, made by an earlier entry, leads the next entry out.
  fs::create_directories(dir / "evil/root");
  fs::create_directories(dir / "target");
  ASSERT_EQ(run_shell("ln -s ../../target evil/root/escape && mkdir -p stage2 && "
                      "tar -C / -cf - " +
                          shell_quote((dir / "evil/root/escape").relative_path().string()) +
                          " > evil.tar && rm evil/root/escape && mkdir -p evil/root/escape && "
                          "echo x > evil/root/escape/file && tar -C / -rf evil.tar " +
                          shell_quote((dir / "evil/root/escape/file").relative_path().string()) +
                          " && rm -r evil/root/escape && zstd -q evil.tar -o evil.tar.zst",
                      dir.path())
                .exit_code,
            0);
  try {
    io_module().restore_stage_archive(dir / "evil.tar.zst", {dir / "evil/root"});
    ADD_FAILURE() << "restored through a link";
  } catch (const Error& error) {
    EXPECT_THAT(std::string(error.what()), HasSubstr("a link that an earlier entry made"))
        << error.what();
  }
  EXPECT_FALSE(fs::exists(dir / "target/file"));
}

TEST(CacheStore, PublishFindPruneAndLeftovers) {
  TempDir dir;
  fs::create_directories(dir / "tree");
  write_text(dir / "tree/f", "data\n");
  CacheStore store(dir / "cache");
  PlannedStageCache cache;
  cache.key_inputs.stage = "build";
  cache.key_inputs.paths = {(dir / "tree").string()};
  cache.key = std::string(64, 'a');
  CacheOperation packed = pack_stage_cache(cache, store, "recipe", 1);
  ASSERT_TRUE(packed.ok) << packed.message;
  auto found = store.find(cache.key);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->stage, "build");
  EXPECT_EQ(found->sha256, file_sha256(store.archive_path(cache.key)));
  EXPECT_EQ(found->content_bytes, 5u);

  // A second key of the same stage, made later: prune --keep 1 keeps that one.
  cache.key = std::string(64, 'b');
  ASSERT_TRUE(pack_stage_cache(cache, store, "recipe", 1).ok);
  write_text(dir / "cache" / (std::string(64, 'c') + ".tar.zst.tmp-12345"), "half");
  EXPECT_EQ(store.list().size(), 2u);
  auto removed = store.prune(1);
  EXPECT_EQ(removed.size(), 2u) << (removed.empty() ? "" : removed.front());
  EXPECT_EQ(store.list().size(), 1u);
  EXPECT_FALSE(fs::exists(dir / "cache" / (std::string(64, 'c') + ".tar.zst.tmp-12345")));

  // An archive that lost bytes: its manifest is found, the restore says what is wrong and
  // removes both.
  std::string key = store.list().front().key;
  fs::resize_file(store.archive_path(key), 3);
  ASSERT_TRUE(store.find(key).has_value());
  EXPECT_THAT(store.archive_problem(*store.find(key)), HasSubstr("truncated"));
  cache.key = key;
  CacheOperation restored = restore_stage_cache(cache, store);
  EXPECT_FALSE(restored.ok);
  EXPECT_THAT(restored.message, HasSubstr("truncated"));
  EXPECT_FALSE(store.find(key).has_value());
  EXPECT_FALSE(fs::exists(store.archive_path(key)));
}

TEST(CacheStore, RestoreRootsStopBeforeTheFirstWildcard) {
  auto roots = restore_roots({"/w/caffe", "/w/bench/*.bin", "/w/a/b*/c"});
  ASSERT_EQ(roots.size(), 3u);
  EXPECT_EQ(roots[0], "/w/caffe");
  EXPECT_EQ(roots[1], "/w/bench/");
  EXPECT_EQ(roots[2], "/w/a/");
}

}  // namespace
}  // namespace ssdbuild::testing
