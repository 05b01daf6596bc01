#include "governance/validity_checker.h"

#include <gtest/gtest.h>

#include <string>

namespace meshd::governance {
namespace {

catalog::FieldRule Field(std::string name) {
  catalog::FieldRule r;
  r.field = std::move(name);
  return r;
}

struct Case {
  const char* name;
  catalog::FieldRule rule;
  const char* payload;
  bool valid;
  const char* rule_id;  // expected failing rule when !valid
};

std::vector<Case> Cases() {
  std::vector<Case> c;
  auto req = Field("amount");
  req.required = true;
  c.push_back({"required present", req, R"({"amount":1})", true, ""});
  c.push_back({"required missing", req, R"({"other":1})", false, "amount.required"});
  c.push_back({"required null", req, R"({"amount":null})", false, "amount.not_null"});
  auto nn = Field("amount");
  nn.not_null = true;
  c.push_back({"not_null absent ok", nn, R"({})", true, ""});
  c.push_back({"not_null null", nn, R"({"amount":null})", false, "amount.not_null"});
  auto num = Field("amount");
  num.logical_type = "number";
  c.push_back({"number ok", num, R"({"amount":1.5})", true, ""});
  c.push_back({"number string", num, R"({"amount":"1.5"})", false, "amount.type"});
  auto integer = Field("qty");
  integer.logical_type = "integer";
  c.push_back({"integer ok", integer, R"({"qty":3})", true, ""});
  c.push_back({"integer 3.0 ok", integer, R"({"qty":3.0})", true, ""});
  c.push_back({"integer fraction", integer, R"({"qty":3.5})", false, "qty.type"});
  auto str = Field("name");
  str.logical_type = "string";
  c.push_back({"string ok", str, R"({"name":"x"})", true, ""});
  c.push_back({"string number", str, R"({"name":5})", false, "name.type"});
  auto b = Field("flag");
  b.logical_type = "boolean";
  c.push_back({"bool ok", b, R"({"flag":false})", true, ""});
  c.push_back({"bool wrong", b, R"({"flag":"false"})", false, "flag.type"});
  auto date = Field("d");
  date.logical_type = "date";
  c.push_back({"date ok", date, R"({"d":"2026-11-27"})", true, ""});
  c.push_back({"date bad", date, R"({"d":"27/11/2026"})", false, "d.type"});
  auto ts = Field("t");
  ts.logical_type = "timestamp";
  c.push_back({"timestamp rfc3339", ts, R"({"t":"2026-11-27T10:00:00Z"})", true, ""});
  c.push_back({"timestamp millis", ts, R"({"t":1764237600000})", true, ""});
  c.push_back({"timestamp bad", ts, R"({"t":"yesterday"})", false, "t.type"});
  auto range = Field("amount");
  range.minimum = 0;
  range.maximum = 100;
  c.push_back({"range in", range, R"({"amount":0})", true, ""});
  c.push_back({"range max edge", range, R"({"amount":100})", true, ""});
  c.push_back({"range below", range, R"({"amount":-0.01})", false, "amount.minimum"});
  c.push_back({"range above", range, R"({"amount":100.5})", false, "amount.maximum"});
  c.push_back({"range absent ok", range, R"({})", true, ""});
  auto len = Field("code");
  len.min_length = 2;
  len.max_length = 3;
  c.push_back({"length ok", len, R"({"code":"abc"})", true, ""});
  c.push_back({"length utf8 counts code points", len, R"({"code":"\u00e9\u00e9"})", true, ""});
  c.push_back({"length short", len, R"({"code":"a"})", false, "code.min_length"});
  c.push_back({"length long", len, R"({"code":"abcd"})", false, "code.max_length"});
  auto re = Field("email");
  re.pattern = "^[^@]+@[^@]+\\.[a-z]+$";
  c.push_back({"regex ok", re, R"({"email":"a@b.com"})", true, ""});
  c.push_back({"regex bad", re, R"({"email":"nope"})", false, "email.pattern"});
  auto lit = Field("store");
  lit.pattern = "STORE-";
  c.push_back({"literal contains", lit, R"({"store":"X-STORE-1"})", true, ""});
  c.push_back({"literal missing", lit, R"({"store":"shop"})", false, "store.pattern"});
  auto exact = Field("store");
  exact.pattern = "^main$";
  c.push_back({"literal exact", exact, R"({"store":"main"})", true, ""});
  c.push_back({"literal exact longer", exact, R"({"store":"mainx"})", false, "store.pattern"});
  auto en = Field("currency");
  en.allowed = {"EUR", "USD"};
  c.push_back({"enum ok", en, R"({"currency":"EUR"})", true, ""});
  c.push_back({"enum bad", en, R"({"currency":"GBP"})", false, "currency.enum"});
  auto en_quoted = Field("currency");
  en_quoted.allowed = {"\"EUR\""};
  c.push_back({"enum json text", en_quoted, R"({"currency":"EUR"})", true, ""});
  auto en_num = Field("level");
  en_num.allowed = {"1", "2"};
  c.push_back({"enum number", en_num, R"({"level":2})", true, ""});
  c.push_back({"enum number as float", en_num, R"({"level":2.0})", true, ""});
  c.push_back({"enum number bad", en_num, R"({"level":3})", false, "level.enum"});
  auto nested = Field("customer.email");
  nested.required = true;
  c.push_back({"nested ok", nested, R"({"customer":{"email":"x"}})", true, ""});
  c.push_back({"nested missing parent", nested, R"({"customer":5})", false, "customer.email.required"});
  c.push_back({"not json", nested, "{nope", false, "payload.json"});
  return c;
}

TEST(ValidityChecker, RuleTable) {
  for (const Case& c : Cases()) {
    auto checker = ValidityChecker::Compile({c.rule});
    ASSERT_TRUE(checker.ok()) << c.name << ": " << checker.error().ToString();
    Validity v = (*checker)->Check(c.payload);
    EXPECT_EQ(v.valid(), c.valid) << c.name << ": " << v.reason;
    if (!c.valid) {
      EXPECT_EQ(v.rule, c.rule_id) << c.name;
      EXPECT_FALSE(v.reason.empty()) << c.name;
    }
  }
}

TEST(ValidityChecker, ReasonNamesFieldValueAndBound) {
  auto r = Field("amount");
  r.minimum = 0;
  auto checker = ValidityChecker::Compile({r});
  ASSERT_TRUE(checker.ok());
  Validity v = (*checker)->Check(R"({"amount":-5})");
  EXPECT_EQ(v.reason, "field 'amount' is -5, below the minimum 0");
}

TEST(ValidityChecker, BadRegexFailsCompileNamingTheField) {
  auto r = Field("code");
  r.pattern = "([a-z";
  auto checker = ValidityChecker::Compile({r});
  ASSERT_FALSE(checker.ok());
  EXPECT_NE(checker.error().message().find("field 'code'"), std::string::npos);
}

TEST(ValidityChecker, UnknownLogicalTypeFailsCompile) {
  auto r = Field("x");
  r.logical_type = "uuidish";
  EXPECT_FALSE(ValidityChecker::Compile({r}).ok());
}

TEST(ValidityChecker, ConfluentFramedJsonSkipsTheFrame) {
  auto r = Field("amount");
  r.minimum = 0;
  auto checker = ValidityChecker::Compile({r});
  ASSERT_TRUE(checker.ok());
  std::string framed("\0\0\0\0\x07", 5);
  EXPECT_TRUE((*checker)->Check(framed + R"({"amount":3})").valid());
  Validity v = (*checker)->Check(framed + R"({"amount":-3})");
  EXPECT_FALSE(v.valid());
  EXPECT_EQ(v.rule, "amount.minimum");
}

TEST(ValidityChecker, FramedAvroWithoutDecoderIsUnchecked) {
  auto r = Field("amount");
  r.required = true;
  auto checker = ValidityChecker::Compile({r});
  ASSERT_TRUE(checker.ok());
  std::string framed("\0\0\0\0\x07\x02\x04", 7);
  Validity v = (*checker)->Check(framed);
  EXPECT_EQ(v.kind, Validity::Kind::kUnchecked);
  EXPECT_TRUE(v.valid());
}

TEST(ValidityChecker, FramedAvroUsesTheDecoder) {
  auto r = Field("amount");
  r.minimum = 0;
  int32_t seen_id = 0;
  auto checker = ValidityChecker::Compile({r}, [&seen_id](int32_t id, std::string_view) -> Result<std::string> {
    seen_id = id;
    return std::string(R"({"amount":-1})");
  });
  ASSERT_TRUE(checker.ok());
  std::string framed("\0\0\0\0\x09\x01", 6);
  Validity v = (*checker)->Check(framed);
  EXPECT_EQ(seen_id, 9);
  EXPECT_EQ(v.rule, "amount.minimum");
}

TEST(ValidityChecker, NoRulesAcceptsAnything) {
  auto checker = ValidityChecker::Compile({});
  ASSERT_TRUE(checker.ok());
  EXPECT_TRUE((*checker)->Check("not json at all").valid());
}

TEST(ValidityChecker, FirstFailingRuleWins) {
  auto a = Field("a");
  a.required = true;
  auto b = Field("b");
  b.required = true;
  auto checker = ValidityChecker::Compile({a, b});
  ASSERT_TRUE(checker.ok());
  EXPECT_EQ((*checker)->Check("{}").rule, "a.required");
  EXPECT_EQ((*checker)->Check(R"({"a":1})").rule, "b.required");
}

}  // namespace
}  // namespace meshd::governance
