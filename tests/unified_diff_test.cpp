// The unified diff that plans show for patch steps, checked against GNU patch: applying it
// to the old text must give the new one.
#include "ssdbuild/util/unified_diff.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild::testing {
namespace {

using ::testing::HasSubstr;

std::string patched(const std::string& before, const std::string& diff) {
  TempDir dir;
  write_text(dir / "f", before);
  write_text(dir / "f.diff", diff);
  auto result = run_shell("patch --batch --silent f f.diff", dir.path());
  EXPECT_EQ(result.exit_code, 0) << result.output << diff;
  return read_text(dir / "f");
}

TEST(UnifiedDiff, EqualTextsGiveNothing) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "f"), "");
}

TEST(UnifiedDiff, OneChangedLineWithThreeLinesOfContext) {
  std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n";
  std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n";
  EXPECT_EQ(unified_diff(before, after, "f"),
            "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, FarApartChangesAreSeparateHunksThatPatchApplies) {
  std::string before, after;
  for (int i = 1; i <= 40; ++i) {
    before += std::to_string(i) + "\n";
    after += (i == 3 ? "three" : i == 30 ? "thirty" : std::to_string(i)) + "\n";
  }
  after += "41\n";
  std::string diff = unified_diff(before, after, "f");
  EXPECT_THAT(diff, HasSubstr("@@ -1,6 +1,6 @@"));
  EXPECT_THAT(diff, HasSubstr("+41\n"));
  EXPECT_EQ(patched(before, diff), after);
}

TEST(UnifiedDiff, InsertionsDeletionsAndAMissingFinalNewline) {
  std::string before = "a\nb\nc";
  std::string after = "a\nx\ny\nc\n";
  EXPECT_EQ(patched(before, unified_diff(before, after, "f")), after);
  EXPECT_EQ(patched(after, unified_diff(after, "", "f")), "");
}

}  // namespace
}  // namespace ssdbuild::testing
