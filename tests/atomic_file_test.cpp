// Atomic writes: whole files replaced by rename, and sets of files replaced all or none.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ssdbuild/util/atomic_file.hpp"
#include "ssdbuild/util/error.hpp"
#include "test_support.hpp"

namespace ssdbuild::testing {

using ::testing::HasSubstr;

namespace {

size_t entries_in(const std::filesystem::path& folder) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder)) ++count;
  return count;
}

TEST(AtomicFile, RewritesEveryFileOfASetKeepingModes) {
  TempDir dir;
  write_text(dir / "a.cpp", "old a\n");
  write_text(dir / "b.cpp", "old b\n");
  ::chmod((dir / "b.cpp").c_str(), 0750);
  rewrite_files_atomically({{dir / "a.cpp", "new a\n"}, {dir / "b.cpp", "new b\n"}});
  EXPECT_EQ(read_text(dir / "a.cpp"), "new a\n");
  EXPECT_EQ(read_text(dir / "b.cpp"), "new b\n");
  struct stat info {};
  ::stat((dir / "b.cpp").c_str(), &info);
  EXPECT_EQ(info.st_mode & 0777, 0750u);
  EXPECT_EQ(entries_in(dir.path()), 2u);  // no temporary file left
}

// The second file's new content cannot be written beside it (no file can be created in
// /proc/self, even by root): the first file, already written to its temporary, must not
// be replaced, and no temporary may be left.
TEST(AtomicFile, AFailedWriteChangesNoFileOfTheSet) {
  TempDir dir;
  write_text(dir / "a.cpp", "old a\n");
  EXPECT_THROW(rewrite_files_atomically({{dir / "a.cpp", "new a\n"}, {"/proc/self/comm", "x"}}),
               Error);
  EXPECT_EQ(read_text(dir / "a.cpp"), "old a\n");
  EXPECT_EQ(entries_in(dir.path()), 1u);
}

TEST(AtomicFile, AMissingFileOfTheSetIsNamed) {
  TempDir dir;
  write_text(dir / "a.cpp", "old a\n");
  try {
    rewrite_files_atomically({{dir / "a.cpp", "new a\n"}, {dir / "gone.cpp", "x"}});
    FAIL() << "no error";
  } catch (const Error& problem) {
    EXPECT_THAT(std::string(problem.what()), HasSubstr("gone.cpp")) << problem.what();
  }
  EXPECT_EQ(read_text(dir / "a.cpp"), "old a\n");
}

}  // namespace
}  // namespace ssdbuild::testing
