// `when:` conditions, evaluated by ssdbuild itself over vars, facts and env.
#include "ssdbuild/recipe/when_expression.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace ssdbuild {

using ::testing::HasSubstr;

namespace {

const std::map<std::string, std::string> kValues = {
    {"os", "ubuntu"},         {"cuda", "12.10"},  {"old_cuda", "12.9"}, {"yes_flag", "yes"},
    {"no_flag", "no"},        {"empty", ""},      {"zero", "0"},        {"count", "2"},
    {"facts.gpu.count", "1"}, {"env.CI", "true"}, {"major", "12"},
};

bool when(std::string_view expression) {
  return evaluate_when(expression, [](std::string_view name) -> std::string {
    auto found = kValues.find(std::string(name));
    if (found == kValues.end()) throw InterpolationError("unknown `" + std::string(name) + "`");
    return found->second;
  });
}

std::string syntax_error(std::string_view expression) {
  try {
    when_variables(expression);
  } catch (const WhenExpressionError& error) {
    return error.what();
  }
  return "(no WhenExpressionError)";
}

TEST(WhenExpression, EqualityComparesValues) {
  EXPECT_TRUE(when("os == 'ubuntu'"));
  EXPECT_FALSE(when("os == 'debian'"));
  EXPECT_TRUE(when("os != 'debian'"));
  EXPECT_FALSE(when("os != 'ubuntu'"));
  EXPECT_TRUE(when("count == 2"));
}

TEST(WhenExpression, OrderingOperators) {
  EXPECT_TRUE(when("count < 3"));
  EXPECT_FALSE(when("count < 2"));
  EXPECT_TRUE(when("count <= 2"));
  EXPECT_FALSE(when("count <= 1"));
  EXPECT_TRUE(when("count > 1"));
  EXPECT_FALSE(when("count > 2"));
  EXPECT_TRUE(when("count >= 2"));
  EXPECT_FALSE(when("count >= 3"));
}

TEST(WhenExpression, OperatorsNeedNoSpacesAround) {
  EXPECT_TRUE(when("count>=2"));
  EXPECT_TRUE(when("os=='ubuntu'"));
  EXPECT_TRUE(when("count!=3"));
}

TEST(WhenExpression, DottedVersionsCompareAsVersionsWhenBare) {
  EXPECT_TRUE(when("12.10 > 12.9"));
  EXPECT_FALSE(when("12.10 < 12.9"));
  EXPECT_TRUE(when("cuda > 12.9"));
  EXPECT_TRUE(when("cuda > old_cuda"));
  EXPECT_TRUE(when("1.67.0 >= 1.7"));
  EXPECT_TRUE(when("12.1 < 12.1.1"));
}

TEST(WhenExpression, DottedVersionsCompareAsVersionsWhenQuoted) {
  EXPECT_TRUE(when("'12.10' > '12.9'"));
  EXPECT_TRUE(when("\"12.10\" > \"12.9\""));
  EXPECT_TRUE(when("cuda > '12.9'"));
  EXPECT_FALSE(when("'12.10' == '12.1'"));
}

TEST(WhenExpression, NumbersCompareAsNumbersNotText) {
  EXPECT_TRUE(when("10 > 9"));
  EXPECT_TRUE(when("count < 10"));
}

TEST(WhenExpression, OtherTextComparesAsText) {
  EXPECT_TRUE(when("'abc' < 'abd'"));
  EXPECT_TRUE(when("os > 'debian'"));
  EXPECT_FALSE(when("'B' == 'b'"));
}

TEST(WhenExpression, AndBindsTighterThanOr) {
  EXPECT_TRUE(when("true or false and false"));
  EXPECT_TRUE(when("false and false or true"));
  EXPECT_FALSE(when("false or true and false"));
}

TEST(WhenExpression, NotBindsTighterThanAnd) {
  EXPECT_FALSE(when("not true and false"));
  EXPECT_TRUE(when("not false and true"));
  EXPECT_TRUE(when("not not true"));
  EXPECT_TRUE(when("not os == 'debian'"));
}

TEST(WhenExpression, ParenthesesGroup) {
  EXPECT_FALSE(when("(true or false) and false"));
  EXPECT_TRUE(when("true or (false and false)"));
  EXPECT_TRUE(when("not (false and true)"));
  EXPECT_TRUE(when("((os == 'ubuntu')) and (cuda >= 12.10)"));
}

TEST(WhenExpression, ALoneValueIsTestedForTruth) {
  EXPECT_TRUE(when("yes_flag"));
  EXPECT_FALSE(when("no_flag"));
  EXPECT_FALSE(when("empty"));
  EXPECT_FALSE(when("zero"));
  EXPECT_TRUE(when("os"));
  EXPECT_TRUE(when("env.CI and facts.gpu.count"));
  EXPECT_TRUE(when("true"));
  EXPECT_FALSE(when("false"));
  EXPECT_FALSE(when("0"));
  EXPECT_TRUE(when("1"));
  EXPECT_FALSE(when("''"));
}

TEST(IsTruthy, EmptyZeroFalseNoAndOffAreFalseInAnyCase) {
  for (const char* value : {"", "0", "false", "FALSE", "no", "No", "off", "OFF", " false "}) {
    EXPECT_FALSE(is_truthy(value)) << "[" << value << "]";
  }
  for (const char* value : {"1", "true", "yes", "on", "anything", "00", "-1"}) {
    EXPECT_TRUE(is_truthy(value)) << "[" << value << "]";
  }
}

TEST(WhenExpression, QuotedStringsInterpolateReferences) {
  EXPECT_TRUE(when("'${major}.0' == '12.0'"));
  EXPECT_TRUE(when("\"${os}-${major}\" == 'ubuntu-12'"));
  EXPECT_TRUE(when("'$${os}' != os"));  // $${ is a literal ${
}

TEST(WhenExpression, ADollarBraceWordIsAName) {
  EXPECT_TRUE(when("${os} == 'ubuntu'"));
  EXPECT_TRUE(when("${cuda} > 12.9"));
}

TEST(WhenExpression, BareWordsAreNamesAndUnknownNamesFail) {
  EXPECT_THROW(when("os == debian"), InterpolationError);
  EXPECT_THROW(when("nothing"), InterpolationError);
}

TEST(WhenExpression, EmptyExpressionIsAnError) {
  EXPECT_EQ(syntax_error(""), "empty expression");
  EXPECT_EQ(syntax_error("   "), "empty expression");
}

TEST(WhenExpression, SyntaxErrorsNameTheColumn) {
  EXPECT_EQ(syntax_error("os =="), "expression ends too early at column 6");
  EXPECT_EQ(syntax_error("(os == 'x'"), "missing `)` at column 11");
  EXPECT_EQ(syntax_error("os == 'x' 'y'"), "unexpected `y` at column 11");
  EXPECT_EQ(syntax_error("os == 'x')"), "unexpected `)` at column 10");
  EXPECT_EQ(syntax_error("and os"), "expected a value, found `and` at column 1");
  EXPECT_EQ(syntax_error("os == == 'x'"), "expected a value, found `==` at column 7");
  EXPECT_EQ(syntax_error("os == 'x"), "unterminated string at column 7");
  EXPECT_EQ(syntax_error("${os == 1"), "unclosed `${` at column 1");
}

TEST(WhenExpression, ASingleEqualsSignIsAnUnknownOperator) {
  EXPECT_EQ(syntax_error("os = 'ubuntu'"),
            "unknown operator `=` (use == or !=, or `not`) at column 4");
  EXPECT_EQ(syntax_error("! os"), "unknown operator `!` (use == or !=, or `not`) at column 1");
}

TEST(WhenExpression, EvaluationReportsSyntaxErrorsToo) {
  EXPECT_THROW(when("os = 'ubuntu'"), WhenExpressionError);
  EXPECT_THROW(when("(true"), WhenExpressionError);
}

TEST(WhenVariables, ListsEveryNameReadInOrder) {
  EXPECT_EQ(when_variables("facts.gpu.count > 0 and not env.CI and '${x}-${y}' == z"),
            (std::vector<std::string>{"facts.gpu.count", "env.CI", "x", "y", "z"}));
  EXPECT_EQ(when_variables("${os} == 'ubuntu'"), (std::vector<std::string>{"os"}));
}

TEST(WhenVariables, LiteralsAreNotNames) {
  EXPECT_TRUE(when_variables("true or 12.10 > 12.9 or 'text' == \"other\"").empty());
}

TEST(WhenVariables, ABadReferenceInsideAQuotedStringIsASyntaxError) {
  EXPECT_THAT(syntax_error("'${a b}' == x"), HasSubstr("is not a variable reference"));
  EXPECT_THAT(syntax_error("'${open' == x"), HasSubstr("unclosed `${`"));
}

}  // namespace
}  // namespace ssdbuild
