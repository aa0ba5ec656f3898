// Versions compare the way people read them, digit runs as numbers.
#include "ssdbuild/util/version_compare.hpp"

#include <gtest/gtest.h>

namespace ssdbuild {
namespace {

TEST(CompareVersions, ComparesDigitRunsAsNumbersNotText) {
  EXPECT_GT(compare_versions("12.10", "12.9"), 0);
  EXPECT_LT(compare_versions("12.9", "12.10"), 0);
  EXPECT_GT(compare_versions("1.67.0", "1.7"), 0);
  EXPECT_GT(compare_versions("3.11.7", "3.9.18"), 0);
  EXPECT_GT(compare_versions("10", "9"), 0);
}

TEST(CompareVersions, AShorterPrefixIsOlder) {
  EXPECT_LT(compare_versions("12.1", "12.1.1"), 0);
  EXPECT_GT(compare_versions("12.1.1", "12.1"), 0);
}

TEST(CompareVersions, EqualVersionsAreEqualEvenWithLeadingZeros) {
  EXPECT_EQ(compare_versions("12.2.0", "12.2.0"), 0);
  EXPECT_EQ(compare_versions("01.002", "1.2"), 0);
  EXPECT_EQ(compare_versions("12.04", "12.4"), 0);
  EXPECT_EQ(compare_versions("0", "000"), 0);
}

TEST(CompareVersions, ReturnsMinusOneZeroOrOne) {
  EXPECT_EQ(compare_versions("2", "1"), 1);
  EXPECT_EQ(compare_versions("1", "2"), -1);
  EXPECT_EQ(compare_versions("1000.0", "1"), 1);
}

TEST(CompareVersions, ComparesDebianRevisionsNumerically) {
  EXPECT_GT(compare_versions("12.2.0-14", "12.2.0-9"), 0);
  EXPECT_LT(compare_versions("11.4.0-1ubuntu1", "11.4.0-2ubuntu1"), 0);
}

TEST(CompareVersions, ADigitSortsAfterAnyOtherCharacterInTheSamePlace) {
  EXPECT_GT(compare_versions("1.5", "1.x"), 0);
  EXPECT_LT(compare_versions("1.x", "1.5"), 0);
  EXPECT_GT(compare_versions("2", "rc"), 0);
}

TEST(CompareVersions, ComparesNonDigitsAsText) {
  EXPECT_LT(compare_versions("1.0a", "1.0b"), 0);
  EXPECT_EQ(compare_versions("abc", "abc"), 0);
}

TEST(CompareVersions, IsAntisymmetric) {
  const char* pairs[][2] = {{"12.10", "12.9"},
                            {"1.67.0", "1.7"},
                            {"12.1", "12.1.1"},
                            {"2.0-1", "2.0-10"},
                            {"1.0~rc", "1.0.1"}};
  for (const auto& pair : pairs) {
    EXPECT_EQ(compare_versions(pair[0], pair[1]), -compare_versions(pair[1], pair[0]))
        << pair[0] << " vs " << pair[1];
  }
}

TEST(LooksLikeVersion, AcceptsPackageVersions) {
  EXPECT_TRUE(looks_like_version("12"));
  EXPECT_TRUE(looks_like_version("3.11.7"));
  EXPECT_TRUE(looks_like_version("12.2.0-14"));
  EXPECT_TRUE(looks_like_version("1.0~rc1+dfsg"));
  EXPECT_TRUE(looks_like_version("11.4.0-1ubuntu1"));
}

TEST(LooksLikeVersion, RejectsTextThatDoesNotStartWithADigit) {
  EXPECT_FALSE(looks_like_version(""));
  EXPECT_FALSE(looks_like_version("v1.2"));
  EXPECT_FALSE(looks_like_version("ubuntu"));
  EXPECT_FALSE(looks_like_version(".5"));
}

TEST(LooksLikeVersion, RejectsSpacesAndOtherPunctuation) {
  EXPECT_FALSE(looks_like_version("1.2 beta"));
  EXPECT_FALSE(looks_like_version("1.2/3"));
  EXPECT_FALSE(looks_like_version("12,2"));
  EXPECT_FALSE(looks_like_version("1:2.0"));
}

}  // namespace
}  // namespace ssdbuild
