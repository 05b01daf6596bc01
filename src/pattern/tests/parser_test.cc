// ParsePattern: structure of the compiled form, limits, error paths, lint.

#include "pattern/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace meshd::pattern {
namespace {

TEST(ParsePatternTest, CompilesNestedFieldsToDottedPaths) {
  auto p = ParsePattern(R"({"detail": {"a": {"b": ["x", 1]}}, "source": [{"prefix": "s"}]})");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_EQ(p->alternatives.size(), 1u);
  const auto& conds = p->alternatives[0].conditions;
  ASSERT_EQ(conds.size(), 2u);
  EXPECT_EQ(conds[0].path, "detail.a.b");
  ASSERT_EQ(conds[0].predicates.size(), 2u);
  EXPECT_EQ(conds[0].predicates[0].kind, PredicateKind::kExactString);
  EXPECT_EQ(conds[0].predicates[1].kind, PredicateKind::kExactNumber);
  EXPECT_EQ(conds[1].path, "source");
  EXPECT_EQ(conds[1].predicates[0].kind, PredicateKind::kPrefix);
}

TEST(ParsePatternTest, ExpandsOrIntoBranches) {
  auto p = ParsePattern(
      R"({"a": ["1"], "$or": [{"b": ["2"]}, {"c": ["3"]}, {"$or": [{"d": ["4"]}, {"e": ["5"]}]}]})");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  ASSERT_EQ(p->alternatives.size(), 4u);
  for (const auto& alt : p->alternatives) {
    ASSERT_EQ(alt.conditions.size(), 2u);
    EXPECT_EQ(alt.conditions[0].path, "a");
  }
  EXPECT_EQ(p->alternatives[3].conditions[1].path, "e");
}

TEST(ParsePatternTest, FoldsIgnoreCaseOperandsAndCanonicalisesNumbers) {
  auto p = ParsePattern(R"({"a": [{"equals-ignore-case": "ÉtÉ"}, -0.0]})");
  ASSERT_TRUE(p.ok());
  const auto& preds = p->alternatives[0].conditions[0].predicates;
  EXPECT_EQ(preds[0].text, "été");
  EXPECT_EQ(preds[1].number, 0.0);
  EXPECT_FALSE(std::signbit(preds[1].number));
}

TEST(ParsePatternTest, ExistsFalseSetsMatchesAbsent) {
  auto p = ParsePattern(R"({"a": [{"exists": false}]})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->alternatives[0].conditions[0].matches_absent);
  EXPECT_TRUE(p->alternatives[0].conditions[0].predicates.empty());
}

TEST(ParsePatternTest, PatternSizeLimit) {
  PatternLimits limits;
  limits.max_pattern_bytes = 20;
  auto p = ParsePattern(R"({"source": ["a-rather-long-value"]})", limits);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("over the limit of 20"), std::string::npos);
  EXPECT_TRUE(ParsePattern(R"({"s": ["a"]})", limits).ok());
}

TEST(ParsePatternTest, OrCombinationLimit) {
  // 2 x 2 x 2 = 8 combinations.
  const std::string text =
      R"({"a": {"$or": [{"x": [1]}, {"y": [1]}]}, "b": {"$or": [{"x": [1]}, {"y": [1]}]},)"
      R"( "c": {"$or": [{"x": [1]}, {"y": [1]}]}})";
  PatternLimits limits;
  limits.max_or_combinations = 8;
  auto ok = ParsePattern(text, limits);
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->alternatives.size(), 8u);
  limits.max_or_combinations = 7;
  auto bad = ParsePattern(text, limits);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("c: '$or' expands to more than 7"), std::string::npos)
      << bad.error().message();
}

TEST(ParsePatternTest, WildcardLimits) {
  PatternLimits limits;
  limits.max_wildcard_stars = 2;
  EXPECT_TRUE(ParsePattern(R"({"a": [{"wildcard": "*x*"}]})", limits).ok());
  auto bad = ParsePattern(R"({"a": [{"wildcard": "*x*y*"}]})", limits);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("a: wildcard '*x*y*' has more than 2 '*'"),
            std::string::npos);
  limits.max_wildcard_stars = 10;
  limits.max_wildcard_complexity = 3;
  auto total = ParsePattern(R"({"a": [{"wildcard": "*x*"}], "b": [{"wildcard": "*y*"}]})", limits);
  ASSERT_FALSE(total.ok());
  EXPECT_NE(total.error().message().find("b: wildcard complexity"), std::string::npos);
}

TEST(ParsePatternTest, DepthLimit) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "{\"a\": ";
  text += "[1]";
  for (int i = 0; i < 40; ++i) text += "}";
  auto p = ParsePattern(text);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("deeper than 32"), std::string::npos);
}

TEST(ParsePatternTest, ErrorMessageNamesPathAndReason) {
  auto p = ParsePattern(R"({"detail": {"amount": [{"numeric": [">", "100"]}]}})");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.error().message(), "detail.amount: numeric operator '>' needs a number");
}

TEST(ParsePatternTest, LintFlagsApiFieldNames) {
  auto p = ParsePattern(R"({"Source": ["crm"], "DetailType": ["X"], "Detail": {"a": ["1"]}})");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->warnings.size(), 3u);
  EXPECT_NE(p->warnings[0].find("'Source' can never match: events carry 'source'"),
            std::string::npos);
  EXPECT_NE(p->warnings[1].find("events carry 'detail-type'"), std::string::npos);
  EXPECT_NE(p->warnings[2].find("events carry 'detail'"), std::string::npos);
}

TEST(ParsePatternTest, CleanEventBridgePatternHasNoWarnings) {
  auto p = ParsePattern(
      R"({"source": ["crm.production"], "detail-type": ["CustomerCreated"],)"
      R"( "detail": {"segment": ["premium"]}, "resources": [{"prefix": "arn:"}]})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->warnings.empty()) << p->warnings[0];
}

}  // namespace
}  // namespace meshd::pattern
