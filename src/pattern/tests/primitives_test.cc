// Building blocks: case folding, wildcard globs, IP/CIDR parsing, predicates.

#include <gtest/gtest.h>

#include "pattern/case_fold.h"
#include "pattern/ip_address.h"
#include "pattern/predicate.h"
#include "pattern/wildcard.h"

namespace meshd::pattern {
namespace {

TEST(CaseFoldTest, FoldsAsciiLatin1GreekCyrillic) {
  EXPECT_EQ(FoldCase("HeLLo-123"), "hello-123");
  EXPECT_EQ(FoldCase("ÉCOLE Ÿ"), "école ÿ");
  EXPECT_EQ(FoldCase("ΑΘΗΝΑ"), "αθηνα");
  EXPECT_EQ(FoldCase("МОСКВА Ё"), "москва ё");
  EXPECT_EQ(FoldCase("ĀĒ"), "āē");
}

TEST(CaseFoldTest, LeavesOtherTextAndInvalidUtf8Alone) {
  EXPECT_EQ(FoldCase("straße"), "straße");
  EXPECT_EQ(FoldCase("日本"), "日本");
  EXPECT_EQ(FoldCase("\xC3"), "\xC3");
  EXPECT_EQ(FoldCase(std::string("a\0B", 3)), std::string("a\0b", 3));
}

TEST(WildcardTest, MatchesGlobs) {
  auto w = Wildcard::Compile("a*b*c");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->Matches("abc"));
  EXPECT_TRUE(w->Matches("aXXbYYc"));
  EXPECT_FALSE(w->Matches("acb"));
  EXPECT_FALSE(w->Matches("abcd"));
  EXPECT_EQ(w->star_count(), 2u);
  EXPECT_EQ(w->literal_prefix(), "a");
  EXPECT_EQ(w->literal_suffix(), "c");
}

TEST(WildcardTest, OverlappingPrefixAndSuffixDoNotDoubleCount) {
  auto w = Wildcard::Compile("ab*ba");
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->Matches("aba"));
  EXPECT_TRUE(w->Matches("abba"));
}

TEST(WildcardTest, EscapesAndErrors) {
  auto w = Wildcard::Compile("a\\*\\\\");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->star_count(), 0u);
  EXPECT_TRUE(w->Matches("a*\\"));
  EXPECT_FALSE(Wildcard::Compile("a**").ok());
  EXPECT_FALSE(Wildcard::Compile("a\\n").ok());
  EXPECT_FALSE(Wildcard::Compile("a\\").ok());
}

TEST(IpAddressTest, ParsesBothFamilies) {
  auto v4 = ParseIpAddress("192.168.1.2");
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(v4->ipv6);
  EXPECT_EQ(v4->bytes[3], 2);
  auto v6 = ParseIpAddress("::1");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->ipv6);
  EXPECT_FALSE(ParseIpAddress("1.2.3").has_value());
  EXPECT_FALSE(ParseIpAddress("").has_value());
  EXPECT_FALSE(ParseIpAddress(std::string(100, '1')).has_value());
}

TEST(IpAddressTest, CidrContainment) {
  auto net = ParseCidr("10.20.0.0/14");
  ASSERT_TRUE(net.ok());
  auto in = ParseIpAddress("10.23.255.255");
  auto out = ParseIpAddress("10.24.0.0");
  EXPECT_TRUE(CidrContains(net->network.bytes, net->prefix_bits, false, *in));
  EXPECT_FALSE(CidrContains(net->network.bytes, net->prefix_bits, false, *out));
  EXPECT_FALSE(ParseCidr("10.0.0.0/").ok());
  EXPECT_FALSE(ParseCidr("10.0.0.0/3x").ok());
  EXPECT_TRUE(ParseCidr("::/0").ok());
}

TEST(PredicateTest, AnythingButIsTypeBlind) {
  Predicate p;
  p.kind = PredicateKind::kAnythingBut;
  p.texts = {"100"};
  EXPECT_TRUE(PredicateMatches(p, Leaf::Number(100)));
  EXPECT_FALSE(PredicateMatches(p, Leaf::String("100")));
  EXPECT_TRUE(PredicateMatches(p, Leaf::Of(LeafType::kNull)));
}

}  // namespace
}  // namespace meshd::pattern
