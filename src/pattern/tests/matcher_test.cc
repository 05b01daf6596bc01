// Matcher: behaviour of the shared index (add/replace/remove, many rules,
// concurrency) and a randomized reference check against ReferenceMatch.

#include "pattern/matcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pattern/parser.h"
#include "pattern/reference_matcher.h"

namespace meshd::pattern {
namespace {

using Ids = std::vector<std::string>;

TEST(MatcherTest, ReturnsSortedUniqueRuleIds) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("b", R"({"source": ["s"]})").ok());
  ASSERT_TRUE(m.AddRule("a", R"({"$or": [{"source": ["s"]}, {"detail": {"x": [1]}}]})").ok());
  ASSERT_TRUE(m.AddRule("c", R"({"source": ["t"]})").ok());
  EXPECT_EQ(m.MatchesForEvent(R"({"source": "s", "detail": {"x": 1}})"), (Ids{"a", "b"}));
  EXPECT_EQ(m.rule_count(), 3u);
}

TEST(MatcherTest, AddRuleWithSameIdReplacesPattern) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("r", R"({"source": ["old"]})").ok());
  ASSERT_TRUE(m.AddRule("r", R"({"source": ["new"]})").ok());
  EXPECT_TRUE(m.MatchesForEvent(R"({"source": "old"})").empty());
  EXPECT_EQ(m.MatchesForEvent(R"({"source": "new"})"), (Ids{"r"}));
  EXPECT_EQ(m.rule_count(), 1u);
}

TEST(MatcherTest, InvalidPatternLeavesMatcherUnchanged) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("r", R"({"source": ["a"]})").ok());
  Status st = m.AddRule("r", R"({"source": "a"})");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("source: leaf values must be arrays"), std::string::npos);
  EXPECT_EQ(m.MatchesForEvent(R"({"source": "a"})"), (Ids{"r"}));
}

TEST(MatcherTest, RemoveRule) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("r1", R"({"source": [{"prefix": "a"}]})").ok());
  ASSERT_TRUE(m.AddRule("r2", R"({"source": [{"wildcard": "a*z"}]})").ok());
  ASSERT_TRUE(m.AddRule("r3", R"({"x": [{"exists": false}]})").ok());
  EXPECT_EQ(m.MatchesForEvent(R"({"source": "abz"})"), (Ids{"r1", "r2", "r3"}));
  ASSERT_TRUE(m.RemoveRule("r2").ok());
  ASSERT_TRUE(m.RemoveRule("r3").ok());
  EXPECT_EQ(m.MatchesForEvent(R"({"source": "abz"})"), (Ids{"r1"}));
  EXPECT_TRUE(m.RemoveRule("r2").IsNotFound());
  ASSERT_TRUE(m.RemoveRule("r1").ok());
  EXPECT_TRUE(m.MatchesForEvent(R"({"source": "abz"})").empty());
  EXPECT_EQ(m.rule_count(), 0u);
}

TEST(MatcherTest, InvalidEventMatchesNothingAndMatchReportsWhy) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("r", R"({"x": [{"exists": false}]})").ok());
  EXPECT_TRUE(m.MatchesForEvent("not json").empty());
  Ids ids{"stale"};
  Status st = m.Match("[1, 2]", &ids);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ids.empty());
  st = m.Match(R"({"a": )", &ids);
  EXPECT_FALSE(st.ok());
}

TEST(MatcherTest, TestPatternReportsErrorsAndAnswers) {
  auto yes = TestPattern(R"({"detail": {"n": [{"numeric": [">", 1]}]}})",
                         R"({"detail": {"n": 2}})");
  ASSERT_TRUE(yes.ok());
  EXPECT_TRUE(*yes);
  auto no = TestPattern(R"({"detail": {"n": [{"numeric": [">", 1]}]}})",
                        R"({"detail": {"n": 0}})");
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(*no);
  auto bad = TestPattern(R"({"detail": {"amount": [{"numeric": [">", "x"]}]}})", "{}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "detail.amount: numeric operator '>' needs a number");
  auto bad_event = TestPattern(R"({"a": ["b"]})", "nope");
  EXPECT_FALSE(bad_event.ok());
}

TEST(MatcherTest, SkipsUnnamedFieldsIncludingHugeArrays) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("r", R"({"properties": {"STREET": ["MAIN"]}})").ok());
  std::string coords = "[";
  for (int i = 0; i < 5000; ++i) coords += (i ? "," : "") + std::string("[1.25,2.5,0.0]");
  coords += "]";
  const std::string event = R"({"geometry": {"coordinates": )" + coords +
                            R"(}, "properties": {"STREET": "MAIN"}})";
  EXPECT_EQ(m.MatchesForEvent(event), (Ids{"r"}));
}

TEST(MatcherTest, LargeArrayConsistencyStaysFast) {
  // Two-field pattern over a 3000-element array of objects (ruler's
  // perf-scenarios shape); the only consistent pair is the last element.
  Matcher m;
  ASSERT_TRUE(m.AddRule("r", R"({"a": {"k": ["v"], "n": [2999]}})").ok());
  std::string event = R"({"a": [)";
  for (int i = 0; i < 3000; ++i) {
    event += (i ? "," : "") + std::string(R"({"k": "v", "n": )") + std::to_string(i) + "}";
  }
  event += "]}";
  EXPECT_EQ(m.MatchesForEvent(event), (Ids{"r"}));
  ASSERT_TRUE(m.AddRule("r", R"({"a": {"k": ["w"], "n": [2999]}})").ok());
  EXPECT_TRUE(m.MatchesForEvent(event).empty());

  // Fields alternate between elements, so no element has both: no match,
  // unless the last element has both (and then exactly that one pairs up).
  ASSERT_TRUE(m.AddRule("r", R"({"a": {"k": ["v"], "n": [1]}})").ok());
  std::string alternating = R"({"a": [)";
  for (int i = 0; i < 3000; ++i) {
    alternating += (i ? "," : "") + std::string(i % 2 ? R"({"n": 1})" : R"({"k": "v"})");
  }
  EXPECT_TRUE(m.MatchesForEvent(alternating + "]}").empty());
  EXPECT_EQ(m.MatchesForEvent(alternating + R"(, {"k": "v", "n": 1}]})"), (Ids{"r"}));
  // Nested: both fields inside the same inner element of the same outer one.
  ASSERT_TRUE(m.AddRule("r", R"({"o": {"i": {"k": ["v"], "n": [1]}}})").ok());
  EXPECT_TRUE(m.MatchesForEvent(R"({"o": [{"i": [{"k": "v"}, {"n": 1}]}]})").empty());
  EXPECT_EQ(m.MatchesForEvent(R"({"o": [{"i": [{"k": "v"}]}, {"i": [{"n": 1}, {"k": "v", "n": 1}]}]})"),
            (Ids{"r"}));
  // Different arrays inside one element combine freely.
  ASSERT_TRUE(m.AddRule("r", R"({"o": {"x": {"k": ["v"]}, "y": {"n": [1]}}})").ok());
  EXPECT_EQ(m.MatchesForEvent(R"({"o": [{"x": [{"k": "v"}], "y": [{"n": 0}, {"n": 1}]}]})"),
            (Ids{"r"}));
  EXPECT_TRUE(
      m.MatchesForEvent(R"({"o": [{"x": [{"k": "v"}]}, {"y": [{"n": 0}, {"n": 1}]}]})").empty());
}

// ---- randomized reference check ---------------------------------------------

class RandomCorpus {
 public:
  explicit RandomCorpus(uint32_t seed) : rng_(seed) {}

  std::string Rule() {
    const int fields = 1 + Pick(3);
    std::string out = "{";
    std::vector<std::string> used;
    for (int i = 0; i < fields; ++i) {
      if (i) out += ", ";
      out += Field(&used);
    }
    if (Pick(5) == 0) {
      std::vector<std::string> u1, u2;
      out += std::string(fields ? ", " : "") + "\"$or\": [{" + Field(&u1) + "}, {" + Field(&u2) +
             "}]";
    }
    return out + "}";
  }

  std::string Event() {
    std::string out = "{";
    bool first = true;
    auto add = [&](const std::string& kv) {
      out += (first ? "" : ", ") + kv;
      first = false;
    };
    if (Pick(4)) add("\"source\": " + Leaf());
    if (Pick(5)) {
      std::string d = "{";
      bool dfirst = true;
      auto dadd = [&](const std::string& kv) {
        d += (dfirst ? "" : ", ") + kv;
        dfirst = false;
      };
      for (const char* k : {"a", "b", "n", "ip", "tags"}) {
        switch (Pick(5)) {
          case 0: break;
          case 1: dadd("\"" + std::string(k) + "\": [" + Leaf() + ", " + Leaf() + "]"); break;
          case 2: dadd("\"" + std::string(k) + "\": {\"z\": 1}"); break;
          default: dadd("\"" + std::string(k) + "\": " + Leaf()); break;
        }
      }
      if (Pick(2)) {
        std::string items = "[";
        const int n = Pick(4);
        for (int i = 0; i < n; ++i) {
          items += std::string(i ? ", " : "") + "{\"sku\": " + Leaf() + ", \"qty\": " + Leaf() +
                   "}";
        }
        dadd("\"items\": " + items + "]");
      }
      add("\"detail\": " + d + "}");
    }
    return out + "}";
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  template <size_t N>
  const char* Of(const char* const (&a)[N]) {
    return a[Pick(static_cast<int>(N))];
  }

  std::string Leaf() {
    static const char* const kLeaves[] = {
        "\"alpha\"", "\"alpine\"", "\"beta\"", "\"BETA\"", "\"al\"", "\"\"", "\"x.png\"",
        "\"y.PNG\"", "\"10.0.0.1\"", "\"10.1.2.3\"", "\"2001:db8::1\"", "\"\\u00e9t\\u00e9\"",
        "\"\\u00c9T\\u00c9\"", "0", "1", "2", "2.5", "100", "1e2", "-3", "true", "false", "null"};
    return Of(kLeaves);
  }

  std::string Field(std::vector<std::string>* used) {
    static const char* const kPaths[] = {"source",    "detail.a",        "detail.b",
                                         "detail.n",  "detail.ip",       "detail.tags",
                                         "detail.items.sku", "detail.items.qty"};
    std::string path;
    do {
      path = Of(kPaths);
    } while (std::find(used->begin(), used->end(), path) != used->end());
    used->push_back(path);
    std::string values = "[";
    const int n = 1 + Pick(2);
    for (int i = 0; i < n; ++i) values += std::string(i ? ", " : "") + Value();
    values += "]";
    // Nest "detail.items.sku" as {"detail": {"items": {"sku": [...]}}}.
    std::string out;
    int closes = 0;
    size_t start = 0;
    while (true) {
      const size_t dot = path.find('.', start);
      const std::string seg = path.substr(start, dot == std::string::npos ? dot : dot - start);
      out += "\"" + seg + "\": ";
      if (dot == std::string::npos) break;
      out += "{";
      ++closes;
      start = dot + 1;
    }
    out += values;
    out.append(closes, '}');
    return out;
  }

  std::string Value() {
    static const char* const kValues[] = {
        "\"alpha\"", "\"beta\"", "\"\"", "\"10.0.0.1\"", "1", "2", "100", "2.5", "true", "false",
        "null",
        R"({"prefix": "al"})", R"({"prefix": ""})", R"({"prefix": {"equals-ignore-case": "AL"}})",
        R"({"suffix": ".png"})", R"({"suffix": {"equals-ignore-case": ".png"}})",
        R"({"equals-ignore-case": "beta"})", R"({"equals-ignore-case": "été"})",
        R"({"wildcard": "al*a"})", R"({"wildcard": "*a"})", R"({"wildcard": "*l*"})",
        R"({"wildcard": "*"})", R"({"wildcard": "x.*"})", R"({"wildcard": "a*"})",
        R"({"anything-but": "alpha"})", R"({"anything-but": ["alpha", "beta"]})",
        R"({"anything-but": [1, 100]})", R"({"anything-but": {"prefix": "al"}})",
        R"({"anything-but": {"suffix": "png"}})",
        R"({"anything-but": {"equals-ignore-case": "BETA"}})",
        R"({"anything-but": {"wildcard": "*p*"}})", R"({"numeric": [">", 1]})",
        R"({"numeric": [">=", 0, "<", 2.5]})", R"({"numeric": ["=", 100]})",
        R"({"numeric": ["<=", -3]})", R"({"cidr": "10.0.0.0/16"})", R"({"cidr": "2001:db8::/32"})",
        R"({"exists": true})", R"({"exists": false})"};
    return Of(kValues);
  }

  std::mt19937 rng_;
};

void ExpectAgreesWithReference(const Matcher& m,
                               const std::vector<std::pair<std::string, CompiledPattern>>& rules,
                               const std::vector<std::string>& events, size_t* total_matches) {
  for (const auto& event : events) {
    auto ref_event = ReferenceEvent::Parse(event);
    ASSERT_TRUE(ref_event.ok()) << event;
    Ids want;
    for (const auto& [id, pattern] : rules) {
      if (ref_event->Matches(pattern)) want.push_back(id);
    }
    std::sort(want.begin(), want.end());
    const Ids got = m.MatchesForEvent(event);
    *total_matches += got.size();
    if (got != want) {
      Ids missing, extra;
      std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                          std::back_inserter(missing));
      std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                          std::back_inserter(extra));
      ADD_FAILURE() << "event " << event << "\nmissing " << missing.size()
                    << (missing.empty() ? "" : " e.g. " + missing[0]) << "\nextra " << extra.size()
                    << (extra.empty() ? "" : " e.g. " + extra[0]);
      return;
    }
  }
}

TEST(MatcherReferenceTest, TenThousandRandomRulesAgreeWithReference) {
  RandomCorpus corpus(12345);
  Matcher m;
  std::vector<std::pair<std::string, CompiledPattern>> rules;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = "rule" + std::to_string(i);
    const std::string text = corpus.Rule();
    auto parsed = ParsePattern(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().ToString();
    ASSERT_TRUE(m.AddRule(id, *parsed).ok());
    rules.emplace_back(id, std::move(parsed).value());
  }
  std::vector<std::string> events;
  for (int i = 0; i < 80; ++i) events.push_back(corpus.Event());
  size_t matches = 0;
  ExpectAgreesWithReference(m, rules, events, &matches);
  // The corpus is built so that rules do match; a silent "nothing matches"
  // engine must not pass.
  EXPECT_GT(matches, events.size() * 10);

  // Remove every third rule and replace every fifth with a new pattern.
  std::vector<std::pair<std::string, CompiledPattern>> kept;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (i % 3 == 0) {
      ASSERT_TRUE(m.RemoveRule(rules[i].first).ok());
      continue;
    }
    if (i % 5 == 0) {
      auto parsed = ParsePattern(corpus.Rule());
      ASSERT_TRUE(parsed.ok());
      ASSERT_TRUE(m.AddRule(rules[i].first, *parsed).ok());
      rules[i].second = std::move(parsed).value();
    }
    kept.push_back(std::move(rules[i]));
  }
  EXPECT_EQ(m.rule_count(), kept.size());
  matches = 0;
  ExpectAgreesWithReference(m, kept, events, &matches);
  EXPECT_GT(matches, 0u);
}

// Byte-level mutations of valid patterns and events: nothing may crash, and
// whenever both parse, the Matcher must agree with the oracle.
TEST(MatcherRobustnessTest, MutatedPatternsAndEventsNeverCrashAndAgree) {
  RandomCorpus corpus(777);
  std::mt19937 rng(4242);
  const char kBytes[] = "{}[]\":,.*\\-0123456789eE+ abtrunfl$";
  auto mutate = [&](std::string s) {
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      const size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = kBytes[rng() % (sizeof(kBytes) - 1)]; break;
        case 1: s.erase(pos, 1 + rng() % 3); break;
        default: s.insert(pos, 1, kBytes[rng() % (sizeof(kBytes) - 1)]); break;
      }
    }
    return s;
  };
  int parsed_ok = 0, compared = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::string pattern = mutate(corpus.Rule());
    const std::string event = i % 2 ? mutate(corpus.Event()) : corpus.Event();
    auto p = ParsePattern(pattern);
    Matcher m;
    Status added = m.AddRule("r", pattern);
    EXPECT_EQ(p.ok(), added.ok()) << pattern;
    if (!p.ok()) continue;
    ++parsed_ok;
    Ids ids;
    Status matched = m.Match(event, &ids);
    auto ref = ReferenceMatch(*p, event);
    if (matched.ok() && ref.ok()) {
      ++compared;
      EXPECT_EQ(!ids.empty(), *ref) << "pattern " << pattern << "\nevent " << event;
    }
  }
  EXPECT_GT(parsed_ok, 100);
  EXPECT_GT(compared, 100);
}

TEST(MatcherConcurrencyTest, ReadersSeeStableRulesWhileWriterChurns) {
  Matcher m;
  ASSERT_TRUE(m.AddRule("stable", R"({"detail": {"k": ["v"]}})").ok());
  const std::string event = R"({"detail": {"k": "v", "n": 5}})";
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const Ids ids = m.MatchesForEvent(event);
        if (std::find(ids.begin(), ids.end(), "stable") == ids.end()) ++bad;
        ++reads;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    const std::string id = "churn" + std::to_string(i % 50);
    ASSERT_TRUE(m.AddRule(id, R"({"detail": {"n": [{"numeric": [">", )" + std::to_string(i % 10) +
                                  "]}]}}")
                    .ok());
    if (i % 7 == 0) m.RemoveRule(id).IgnoreError();
  }
  // Let the readers run at least a little after the churn, bounded.
  for (int spins = 0; reads.load() < 100 && spins < 100000; ++spins) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
}

}  // namespace
}  // namespace meshd::pattern
