#include "stream/expression.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stream/operator.h"
#include "stream/pipeline_spec.h"

namespace meshd::stream {
namespace {

namespace json = boost::json;

json::value Eval(const std::string& text, const json::object& fields = {}) {
  auto e = Expression::Parse(text);
  EXPECT_TRUE(e.ok()) << text << ": " << e.error().ToString();
  if (!e.ok()) return nullptr;
  StreamRecord r;
  r.fields = fields;
  r.key = "k1";
  r.timestamp_ms = 1234;
  r.offset = 7;
  return e->Evaluate(r);
}

TEST(ExpressionTest, Arithmetic) {
  EXPECT_EQ(Eval("1 + 2 * 3"), json::value(7));
  EXPECT_EQ(Eval("(1 + 2) * 3"), json::value(9));
  EXPECT_EQ(Eval("7 / 2"), json::value(3.5));
  EXPECT_EQ(Eval("7 % 4"), json::value(3));
  EXPECT_EQ(Eval("-amount + 1", {{"amount", 2.5}}), json::value(-1.5));
  EXPECT_TRUE(Eval("1 / 0").is_null());
  EXPECT_TRUE(Eval("missing + 1").is_null());
  EXPECT_EQ(Eval("price * qty", {{"price", 2.5}, {"qty", 4}}), json::value(10.0));
}

TEST(ExpressionTest, ComparisonsAndLogic) {
  json::object f{{"amount", 120}, {"segment", "premium"}, {"n", nullptr}};
  EXPECT_EQ(Eval("amount > 100 AND segment = 'premium'", f), json::value(true));
  EXPECT_EQ(Eval("amount >= 121 OR segment <> 'premium'", f), json::value(false));
  EXPECT_EQ(Eval("NOT (amount < 100)", f), json::value(true));
  EXPECT_TRUE(Eval("n = 1", f).is_null());
  EXPECT_EQ(Eval("n = 1 OR TRUE", f), json::value(true));
  EXPECT_EQ(Eval("n = 1 AND FALSE", f), json::value(false));
  EXPECT_TRUE(Eval("n = 1 AND TRUE", f).is_null());
  EXPECT_EQ(Eval("n IS NULL AND amount IS NOT NULL", f), json::value(true));
  EXPECT_EQ(Eval("segment IN ('gold', 'premium')", f), json::value(true));
  EXPECT_EQ(Eval("segment NOT IN ('gold', 'premium')", f), json::value(false));
  EXPECT_TRUE(Eval("amount = 'x'", f).is_null());  // no implicit casts
  EXPECT_EQ(Eval("2 = 2.0"), json::value(true));
}

TEST(ExpressionTest, StringsCaseAndMeta) {
  json::object f{{"name", "Ada Lovelace"}, {"tier", 3}, {"customer", json::object{{"segment", "vip"}}}};
  EXPECT_EQ(Eval("upper(name)", f), json::value("ADA LOVELACE"));
  EXPECT_EQ(Eval("lower(name)", f), json::value("ada lovelace"));
  EXPECT_EQ(Eval("concat(name, '-', tier)", f), json::value("Ada Lovelace-3"));
  EXPECT_EQ(Eval("name || '!'", f), json::value("Ada Lovelace!"));
  EXPECT_EQ(Eval("substr(name, 5)", f), json::value("Lovelace"));
  EXPECT_EQ(Eval("substr(name, 1, 3)", f), json::value("Ada"));
  EXPECT_EQ(Eval("length(name)", f), json::value(12));
  EXPECT_EQ(Eval("customer.segment", f), json::value("vip"));
  EXPECT_EQ(Eval("coalesce(nothing, 'default')", f), json::value("default"));
  EXPECT_EQ(Eval("CASE WHEN tier >= 3 THEN 'gold' WHEN tier = 2 THEN 'silver' ELSE 'bronze' END", f),
            json::value("gold"));
  EXPECT_TRUE(Eval("CASE WHEN tier > 5 THEN 1 END", f).is_null());
  EXPECT_EQ(Eval("round(2.345, 2)"), json::value(2.35));
  EXPECT_EQ(Eval("$key"), json::value("k1"));
  EXPECT_EQ(Eval("$timestamp + $offset"), json::value(1241));
  EXPECT_EQ(Eval("to_number('42') + 1"), json::value(43));
}

TEST(ExpressionTest, ErrorsNameThePosition) {
  for (const char* bad : {"a +", "upper()", "nosuch(1)", "'open", "CASE WHEN a THEN 1", "a IN 1", "$nope", "1 +* 2"}) {
    auto e = Expression::Parse(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.error().message().find("expression '"), std::string::npos) << e.error().message();
  }
}

TEST(ExpressionTest, DurationsAndTimes) {
  EXPECT_EQ(*ParseDuration(YAML::Load("1m"), "x"), 60000);
  EXPECT_EQ(*ParseDuration(YAML::Load("250ms"), "x"), 250);
  EXPECT_EQ(*ParseDuration(YAML::Load("1500"), "x"), 1500);
  EXPECT_FALSE(ParseDuration(YAML::Load("3 weeks"), "x").ok());
  EXPECT_EQ(*ParseRfc3339Millis("1970-01-01T00:01:00Z"), 60000);
  EXPECT_EQ(*ParseRfc3339Millis("2026-11-27T12:00:00.250Z"), 1795780800250);
  EXPECT_EQ(*ParseRfc3339Millis("2026-11-27T13:00:00+01:00"), 1795780800000);
  EXPECT_FALSE(ParseRfc3339Millis("yesterday").has_value());
}

}  // namespace
}  // namespace meshd::stream

namespace meshd::stream {
namespace {

TEST(ExamplePipelinesTest, RetailExamplesParse) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(MESHD_SOURCE_DIR) / "examples" / "retail" / "pipelines";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto spec = ParsePipeline(ss.str());
    EXPECT_TRUE(spec.ok()) << e.path() << ": " << spec.error().ToString();
    ++n;
  }
  EXPECT_GE(n, 3);
}

}  // namespace
}  // namespace meshd::stream
