// Durations as recipes write them (timeout: 1h30m) and as people read them.
#include "ssdbuild/util/duration.hpp"

#include <gtest/gtest.h>

namespace ssdbuild {
namespace {

using std::chrono::seconds;

TEST(ParseDuration, ReadsOneUnit) {
  EXPECT_EQ(parse_duration("90s"), seconds(90));
  EXPECT_EQ(parse_duration("30m"), seconds(30 * 60));
  EXPECT_EQ(parse_duration("2h"), seconds(2 * 3600));
  EXPECT_EQ(parse_duration("1d"), seconds(86400));
}

TEST(ParseDuration, AddsUpSeveralUnits) {
  EXPECT_EQ(parse_duration("1h30m"), seconds(5400));
  EXPECT_EQ(parse_duration("1h0m30s"), seconds(3630));
  EXPECT_EQ(parse_duration("2m5s"), seconds(125));
}

TEST(ParseDuration, ReadsABareNumberAsSeconds) {
  EXPECT_EQ(parse_duration("45"), seconds(45));
  EXPECT_EQ(parse_duration("0"), seconds(0));
}

TEST(ParseDuration, RejectsUnknownUnits) {
  EXPECT_EQ(parse_duration("5x"), std::nullopt);
  EXPECT_EQ(parse_duration("5 min"), std::nullopt);
  EXPECT_EQ(parse_duration("5ms"), std::nullopt);
}

TEST(ParseDuration, RejectsANumberWithoutUnitAfterAUnit) {
  // "1h30" could mean 30 minutes or 30 seconds.
  EXPECT_EQ(parse_duration("1h30"), std::nullopt);
}

TEST(ParseDuration, RejectsEmptyAndMalformedText) {
  EXPECT_EQ(parse_duration(""), std::nullopt);
  EXPECT_EQ(parse_duration("h"), std::nullopt);
  EXPECT_EQ(parse_duration("-5s"), std::nullopt);
  EXPECT_EQ(parse_duration("1.5h"), std::nullopt);
  EXPECT_EQ(parse_duration(" 5s"), std::nullopt);
  EXPECT_EQ(parse_duration("5s "), std::nullopt);
}

TEST(ParseDuration, RejectsAbsurdlyLargeNumbersInsteadOfOverflowing) {
  EXPECT_EQ(parse_duration("99999999999999999999999s"), std::nullopt);
}

TEST(FormatDuration, ShowsMillisecondsUnderASecond) {
  EXPECT_EQ(format_duration(std::chrono::milliseconds(850)), "850ms");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(0)), "0ms");
}

TEST(FormatDuration, ShowsTenthsOfSecondsUnderAMinute) {
  EXPECT_EQ(format_duration(std::chrono::duration<double>(12.34)), "12.3s");
  EXPECT_EQ(format_duration(seconds(1)), "1.0s");
}

TEST(FormatDuration, ShowsMinutesAndSecondsUnderAnHour) {
  EXPECT_EQ(format_duration(seconds(12 * 60 + 30)), "12m30s");
  EXPECT_EQ(format_duration(seconds(60)), "1m00s");
  EXPECT_EQ(format_duration(seconds(3599)), "59m59s");
}

TEST(FormatDuration, ShowsHoursAndMinutesFromAnHour) {
  EXPECT_EQ(format_duration(seconds(2 * 3600 + 5 * 60 + 59)), "2h05m");
  EXPECT_EQ(format_duration(seconds(3600)), "1h00m");
  EXPECT_EQ(format_duration(seconds(30 * 3600)), "30h00m");
}

TEST(FormatAge, IsJustNowUnderAMinute) {
  EXPECT_EQ(format_age(seconds(0)), "just now");
  EXPECT_EQ(format_age(seconds(59)), "just now");
}

TEST(FormatAge, RoundsDownToTheLargestWholeUnit) {
  EXPECT_EQ(format_age(seconds(60)), "1m ago");
  EXPECT_EQ(format_age(seconds(5 * 60 + 59)), "5m ago");
  EXPECT_EQ(format_age(seconds(2 * 3600 + 1800)), "2h ago");
  EXPECT_EQ(format_age(seconds(3 * 86400 + 7200)), "3d ago");
}

}  // namespace
}  // namespace ssdbuild
