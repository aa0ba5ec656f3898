// Text helpers: trimming, lines, shell quoting and the "did you mean" suggestions.
#include "ssdbuild/util/strings.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ssdbuild {
namespace {

using testing::read_text;
using testing::run_shell;
using testing::TempDir;

TEST(Trim, RemovesSpaceTabsAndNewlinesAtBothEndsOnly) {
  EXPECT_EQ(trim("  a b \t\n"), "a b");
  EXPECT_EQ(trim("\r\nvalue"), "value");
  EXPECT_EQ(trim("inner  space"), "inner  space");
}

TEST(Trim, OfBlankTextIsEmpty) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\n "), "");
}

TEST(SplitLines, SplitsOnNewlinesWithoutAnEmptyLastLine) {
  EXPECT_EQ(split_lines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split_lines("a\nb"), (std::vector<std::string>{"a", "b"}));
}

TEST(SplitLines, KeepsEmptyLinesInTheMiddle) {
  EXPECT_EQ(split_lines("a\n\nb"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split_lines("\n"), (std::vector<std::string>{""}));
}

TEST(SplitLines, OfEmptyTextIsNoLines) {
  EXPECT_TRUE(split_lines("").empty());
}

TEST(StartsWith, ComparesThePrefix) {
  EXPECT_TRUE(starts_with("facts.os.id", "facts."));
  EXPECT_TRUE(starts_with("abc", ""));
  EXPECT_FALSE(starts_with("fact", "facts."));
  EXPECT_FALSE(starts_with("env.X", "facts."));
}

TEST(ShellQuote, LeavesPlainWordsAsTheyAre) {
  EXPECT_EQ(shell_quote("make"), "make");
  EXPECT_EQ(shell_quote("/usr/local/cuda-12.2/bin"), "/usr/local/cuda-12.2/bin");
  EXPECT_EQ(shell_quote("CUDA_ARCH=sm_75,user@host:%x+y"), "CUDA_ARCH=sm_75,user@host:%x+y");
}

TEST(ShellQuote, QuotesEmptyTextAndTextWithSpecialCharacters) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
}

// The real test of quoting: bash must read each quoted string back as exactly one word
// with exactly the original bytes.
TEST(ShellQuote, RoundTripsThroughBashForTrickyStrings) {
  const std::vector<std::string> tricky = {
      "",
      "plain",
      "two words",
      "  leading and trailing  ",
      "it's",
      "''",
      "'",
      "\"double\" quotes",
      "$HOME and ${HOME} and $(echo no) and `echo no`",
      "back\\slash\\\\ and \\n",
      "line1\nline2\n",
      "tab\there",
      "glob * ? [a-z] ~ ~/x",
      "a;b|c&d>e<f",
      "!bang !! history",
      "-n",
      "# not a comment",
      "x=1 y=2",
      "unicode: caf\xc3\xa9",
  };
  TempDir dir;
  for (const auto& text : tricky) {
    std::string command = "printf %s " + shell_quote(text) + " > out.txt; printf '%s\\n' $#";
    auto result = run_shell("set -- " + shell_quote(text) + "; " + command, dir.path());
    ASSERT_EQ(result.exit_code, 0) << "for [" << text << "]: " << result.output;
    EXPECT_EQ(read_text(dir / "out.txt"), text) << "quoted as " << shell_quote(text);
    EXPECT_EQ(result.output, "1\n") << "not one word: [" << text << "]";
  }
}

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("same", "same"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("timout", "timeout"), 1u);
  EXPECT_EQ(edit_distance("stage", "stages"), 1u);
}

TEST(EditDistance, SwappingTwoNeighboursCostsOne) {
  EXPECT_EQ(edit_distance("rnu", "run"), 1u);
  EXPECT_EQ(edit_distance("nmae", "name"), 1u);
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
}

TEST(EditDistance, IsSymmetric) {
  EXPECT_EQ(edit_distance("retries", "retry"), edit_distance("retry", "retries"));
  EXPECT_EQ(edit_distance("rnu", "run"), edit_distance("run", "rnu"));
}

TEST(ClosestMatch, PicksTheNearestPlausibleCandidate) {
  const std::vector<std::string> keys = {"name", "when", "cwd", "run", "timeout", "retries"};
  EXPECT_EQ(closest_match("rnu", keys), "run");
  EXPECT_EQ(closest_match("timout", keys), "timeout");
  EXPECT_EQ(closest_match("retires", keys), "retries");
}

TEST(ClosestMatch, GivesNothingWhenNoCandidateIsClose) {
  const std::vector<std::string> keys = {"name", "when", "run"};
  EXPECT_EQ(closest_match("description", keys), "");
  EXPECT_EQ(closest_match("xyz", keys), "");
  EXPECT_EQ(closest_match("anything", {}), "");
}

TEST(ClosestMatch, NeverSuggestsAWordThatSharesNothingWithAShortWord) {
  // One edit on a one-letter word replaces all of it.
  EXPECT_EQ(closest_match("x", {"y"}), "");
  EXPECT_EQ(closest_match("ab", {"cd"}), "");
}

TEST(DidYouMean, WrapsTheMatchInAHint) {
  EXPECT_EQ(did_you_mean("rnu", {"run", "name"}), " (did you mean `run`?)");
}

TEST(DidYouMean, IsEmptyWithoutAMatch) {
  EXPECT_EQ(did_you_mean("completely-different", {"run", "name"}), "");
}

}  // namespace
}  // namespace ssdbuild
