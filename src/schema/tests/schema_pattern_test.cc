// SchemaPattern's fast engine must give std::regex's verdict (ECMAScript,
// regex_search over bytes) on every input: checked differentially over
// patterns of the supported subset and generated strings.

#include <gtest/gtest.h>

#include <random>
#include <regex>

#include "schema/schema_pattern.h"

namespace meshd::schema {
namespace {

TEST(SchemaPattern, SimplePatternsUseTheFastEngine) {
  for (const char* p : {"^p-[0-9]+$", "^[A-Z]{3}$", "[a-z]+@", "^\\d{4}-\\d{2}-\\d{2}$", "^[^@]+@[^@]+\\.[a-z]{2,}$",
                        "a.c", "^$", "", "^\\w*\\s?$", "[-a]", "[a-]"}) {
    auto c = SchemaPattern::Compile(p);
    ASSERT_TRUE(c.ok()) << p;
    EXPECT_TRUE(c->IsSimple()) << p;
  }
  for (const char* p : {"^(ab)+$", "a|b", "a+?", "\\bword", "[[:alpha:]]", "\\p{L}", "caf\xc3\xa9", "[]a]", "(?=a)"}) {
    auto c = SchemaPattern::Compile(p);
    if (c.ok()) {
      EXPECT_FALSE(c->IsSimple()) << p;
    }
  }
}

TEST(SchemaPattern, InvalidPatternIsAnError) {
  auto c = SchemaPattern::Compile("^[a-");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("invalid regular expression"), std::string::npos);
}

TEST(SchemaPattern, SameVerdictAsStdRegex) {
  const std::vector<std::string> patterns = {
      "^p-[0-9]+$", "^[A-Z]{3}$", "[a-z]+@", "^\\d{2,4}$", "^[^@]+@[^@]+\\.[a-z]{2,}$", "a.c", "^$", "",
      "^\\w*\\s?$", "[-a]", "[a-]", "^a*a*b$", "x{0}y", "^.{2}$", "\\D\\W\\S", "^[\\d.]+$", "b?$", "^a{2,}b{1,3}",
      "\\.", "[^\\-x]", "^a?a?a?aaa$", "[0-9a-fA-F]{4}", "^[\\w\\-]+$", "^-?[0-9]*\\.?[0-9]+$",
      // Anchored ones where greedy matching is exact, and near misses where it
      // is not (a later atom that may take the same bytes): both engines paths.
      "^[a-z]+-[0-9]{4}$", "^[A-Z][a-z]*$", "^x[0-9]{1,3}[0-9]$", "^[ab]+b$", "^[0-9]+[a-z]?[0-9]$",
      "^[0-9]+[a-z]?$", "^p-[0-9]{2,3}", "^[^-]*-?[0-9]$",
      // Fixed leading bytes, compared as one word (up to 8 of them).
      "^ORD-2024-[0-9]+$", "^abcdefgh[0-9]$", "^ab\\.c[0-9]?$", "^p$", "^pp?$"};
  const std::string alphabet = std::string("ap-0123456789AZbcxy@._ \t\n\r-") + "\xc3\xa9" + std::string(1, '\0');
  std::mt19937 rng(7);
  for (const auto& p : patterns) {
    auto fast = SchemaPattern::Compile(p);
    ASSERT_TRUE(fast.ok()) << p;
    ASSERT_TRUE(fast->IsSimple()) << p;
    std::regex re(p, std::regex::ECMAScript);
    std::vector<std::string> inputs = {"", "p-1", "p-", "ABC", "ABCD", "a@b.cd", "abc", "aab", "xy", "1234",
                                       "p", "pp", "ORD-2024-1", "ORD-2024-", "ORD-2024x1", "ORD-2025-1",
                                       "ORD-2024-12a", "abcdefgh1", "abcdefgh", "abcdefg", "abcdefgx1",
                                       "bbcdefgh1", "ab.c", "ab.c7", "abxc7", "ab.c77"};
    for (int i = 0; i < 3000; ++i) {
      std::string s;
      size_t len = rng() % 12;
      for (size_t k = 0; k < len; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
      inputs.push_back(s);
    }
    for (const auto& s : inputs) {
      ASSERT_EQ(fast->Search(s), std::regex_search(s.begin(), s.end(), re))
          << "pattern '" << p << "' input '" << s << "'";
    }
  }
}

}  // namespace
}  // namespace meshd::schema
