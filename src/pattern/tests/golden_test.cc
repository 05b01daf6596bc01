// Runs tests/golden/pattern/*.pattern.test (format in that folder's README.md)
// against the indexed Matcher, the ReferenceMatch oracle, and one shared
// Matcher holding every valid pattern of every file at once.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pattern/matcher.h"
#include "pattern/parser.h"
#include "pattern/reference_matcher.h"

namespace meshd::pattern {
namespace {

enum class Expect { kMatch, kNoMatch, kError, kWarning };

struct GoldenCase {
  std::string name;      // unique, gtest-safe
  std::string location;  // file:line of the expectation
  std::string pattern;
  std::string event;
  Expect expect;
  std::string detail;  // error / warning substring
};

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string GoldenDir() { return std::string(MESHD_SOURCE_DIR) + "/tests/golden/pattern"; }

// Parses one file; malformed files produce a case that fails with a message.
void LoadFile(const std::filesystem::path& file, std::vector<GoldenCase>* out) {
  std::ifstream in(file);
  std::string line;
  std::string name = "unnamed", pattern, event;
  std::string* block = nullptr;
  int lineno = 0, per_name = 0;
  const std::string stem = file.filename().string();
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = Trim(line);
    if (t.rfind("# name:", 0) == 0) {
      name = Trim(t.substr(7));
      per_name = 0;
      block = nullptr;
      continue;
    }
    if (t.empty() || t[0] == '#') {
      block = nullptr;
      continue;
    }
    if (t == "pattern") {
      pattern.clear();
      block = &pattern;
      continue;
    }
    if (t == "event") {
      event.clear();
      block = &event;
      continue;
    }
    if (t.rfind("----", 0) == 0) {
      std::istringstream words(t.substr(4));
      std::string kind;
      words >> kind;
      std::string rest;
      std::getline(words, rest);
      GoldenCase c;
      c.name = stem + ": " + name + (per_name > 0 ? " #" + std::to_string(per_name + 1) : "");
      ++per_name;
      c.location = stem + ":" + std::to_string(lineno);
      c.pattern = pattern;
      c.detail = Trim(rest);
      if (kind == "match") {
        c.expect = Expect::kMatch;
        c.event = event;
      } else if (kind == "no-match") {
        c.expect = Expect::kNoMatch;
        c.event = event;
      } else if (kind == "error") {
        c.expect = Expect::kError;
      } else if (kind == "warning") {
        c.expect = Expect::kWarning;
      } else {
        c.expect = Expect::kError;
        c.detail = "<malformed expectation '" + t + "'>";
      }
      out->push_back(std::move(c));
      block = nullptr;
      continue;
    }
    if (block != nullptr) {
      if (!block->empty()) block->push_back('\n');
      block->append(line);
    }
  }
}

std::vector<GoldenCase> LoadAll() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir(), ec)) {
    const std::string n = entry.path().filename().string();
    if (n.size() > 13 && n.substr(n.size() - 13) == ".pattern.test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<GoldenCase> cases;
  for (const auto& f : files) LoadFile(f, &cases);
  return cases;
}

const std::vector<GoldenCase>& AllCases() {
  static const std::vector<GoldenCase> cases = LoadAll();
  return cases;
}

class GoldenPatternTest : public ::testing::TestWithParam<size_t> {};

TEST_P(GoldenPatternTest, Case) {
  const GoldenCase& c = AllCases()[GetParam()];
  SCOPED_TRACE(c.name + " at " + c.location);
  auto parsed = ParsePattern(c.pattern);
  switch (c.expect) {
    case Expect::kError: {
      ASSERT_FALSE(parsed.ok()) << "pattern was accepted:\n" << c.pattern;
      EXPECT_NE(parsed.error().message().find(c.detail), std::string::npos)
          << "error '" << parsed.error().message() << "' lacks '" << c.detail << "'";
      EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument);
      auto tested = TestPattern(c.pattern, "{}");
      EXPECT_FALSE(tested.ok());
      return;
    }
    case Expect::kWarning: {
      ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
      const auto& w = parsed->warnings;
      EXPECT_TRUE(std::any_of(w.begin(), w.end(),
                              [&](const std::string& s) { return s.find(c.detail) != s.npos; }))
          << "no warning contains '" << c.detail << "'; got " << w.size() << " warnings"
          << (w.empty() ? "" : ", first: " + w[0]);
      return;
    }
    case Expect::kMatch:
    case Expect::kNoMatch:
      break;
  }
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  const bool want = c.expect == Expect::kMatch;

  auto tested = TestPattern(c.pattern, c.event);
  ASSERT_TRUE(tested.ok()) << tested.error().ToString();
  EXPECT_EQ(*tested, want) << "Matcher disagrees\npattern: " << c.pattern
                           << "\nevent: " << c.event;

  auto reference = ReferenceMatch(*parsed, c.event);
  ASSERT_TRUE(reference.ok()) << reference.error().ToString();
  EXPECT_EQ(*reference, want) << "ReferenceMatch disagrees\npattern: " << c.pattern
                              << "\nevent: " << c.event;
}

std::string CaseName(const ::testing::TestParamInfo<size_t>& info) {
  std::string n = AllCases()[info.param].name;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n + "_" + std::to_string(info.param);
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenPatternTest,
                         ::testing::Range(size_t{0}, AllCases().size()), CaseName);

TEST(GoldenSuiteTest, HasAtLeast150Cases) {
  EXPECT_GE(AllCases().size(), 150u) << "golden dir: " << GoldenDir();
}

// Every valid pattern as one rule of a single Matcher: a rule must match an
// event exactly as it does alone, whatever else shares the index.
TEST(GoldenSuiteTest, SharedMatcherAgreesWithSingleRuleResults) {
  Matcher shared;
  std::vector<std::pair<size_t, CompiledPattern>> rules;
  for (size_t i = 0; i < AllCases().size(); ++i) {
    const GoldenCase& c = AllCases()[i];
    if (c.expect == Expect::kError) continue;
    ASSERT_TRUE(shared.AddRule("case" + std::to_string(i), c.pattern).ok()) << c.name;
    auto parsed = ParsePattern(c.pattern);
    ASSERT_TRUE(parsed.ok());
    rules.emplace_back(i, std::move(parsed).value());
  }
  for (size_t i = 0; i < AllCases().size(); ++i) {
    const GoldenCase& c = AllCases()[i];
    if (c.expect != Expect::kMatch && c.expect != Expect::kNoMatch) continue;
    const auto ids = shared.MatchesForEvent(c.event);
    const bool got = std::find(ids.begin(), ids.end(), "case" + std::to_string(i)) != ids.end();
    EXPECT_EQ(got, c.expect == Expect::kMatch) << c.name << " at " << c.location;
    // Every other rule must agree with the oracle on this event too.
    auto event = ReferenceEvent::Parse(c.event);
    ASSERT_TRUE(event.ok());
    for (const auto& [j, pattern] : rules) {
      const bool in =
          std::find(ids.begin(), ids.end(), "case" + std::to_string(j)) != ids.end();
      EXPECT_EQ(in, event->Matches(pattern))
          << "rule of " << AllCases()[j].name << " on event of " << c.name;
    }
  }
}

}  // namespace
}  // namespace meshd::pattern
