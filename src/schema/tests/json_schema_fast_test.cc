// JsonSchemaValidator::IsValidText (the simdjson yes/no pass) against the
// boost::json reference (parse + IsValid) on inputs where the two parsers
// or the two passes could disagree. IsValidText may answer "false" where
// the reference says valid (the caller then falls back), never the reverse.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "schema/json_schema.h"

namespace meshd::schema {
namespace {

namespace json = boost::json;

bool Reference(const JsonSchemaValidator& v, const std::string& text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  return !ec && v.IsValid(parsed);
}

JsonSchemaValidator Compile(const std::string& schema) {
  auto v = JsonSchemaValidator::Compile(schema, {});
  EXPECT_TRUE(v.ok()) << schema;
  return std::move(*v);
}

// Never accepts what the reference rejects; `exact` also requires the same
// verdict on valid input.
void Agree(const std::string& schema, const std::string& text, bool exact = true) {
  JsonSchemaValidator v = Compile(schema);
  bool ref = Reference(v, text);
  bool fast = v.IsValidText(text);
  if (fast) {
    EXPECT_TRUE(ref) << "fast path accepts what the reference rejects: " << schema << " / " << text;
  }
  if (exact) {
    EXPECT_EQ(fast, ref) << schema << " / " << text;
  }
}

TEST(JsonSchemaFast, ParserEdgeCasesNeverAcceptNonJson) {
  for (const char* text : {"", " ", "{", "{\"a\":1,}", "[1,]", "\"a\tb\"", "\"\\ud800\"", "\"\\udc00x\"", "01",
                           "1.", "NaN", "\"\xff\"", "{\"a\":1}x", "[1] [2]", "\"\\x41\"", "tru", "1e999",
                           "18446744073709551616", "-9223372036854775809", "/* c */ 1"}) {
    Agree("true", text, /*exact=*/false);
  }
  Agree("true", "{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\\n\"}");
}

TEST(JsonSchemaFast, NestingLimitFallsBackToBoost) {
  for (int depth : {31, 32, 33}) {
    std::string text = std::string(depth, '[') + "1" + std::string(depth, ']');
    Agree("true", text, /*exact=*/false);
  }
  Agree("true", std::string(31, '[') + "1" + std::string(31, ']'));
}

TEST(JsonSchemaFast, DuplicateKeysAreDecidedByTheReference) {
  // boost::json keeps the last of duplicate keys. Under `not`, a verdict on
  // the first value would flip: the fast path must not accept.
  const std::string s = R"({"not":{"properties":{"a":{"type":"string"}}}})";
  Agree(s, R"({"a":"x","a":1})", false);
  Agree(s, R"({"a":1,"a":"x"})", false);
  Agree(R"({"minProperties":2})", R"({"b":1,"b":2})", false);
  Agree(R"({"not":{"additionalProperties":{"type":"string"}}})", R"({"b":"x","b":2})", false);
  Agree(R"({"uniqueItems":true})", R"([{"a":1,"a":2},{"a":2}])", false);
  Agree(R"({"not":{"enum":[{"a":2}]}})", R"({"a":1,"a":2})", false);
  Agree(R"({"not":{"const":{"a":2}}})", R"({"a":2,"a":2})", false);
}

TEST(JsonSchemaFast, SameVerdictOnKeywords) {
  const std::string purchase = R"({"type":"object","additionalProperties":false,
    "required":["purchaseId","currency","items"],
    "properties":{"purchaseId":{"type":"string","pattern":"^p-[0-9]+$"},"currency":{"enum":["EUR","USD"]},
      "amount":{"type":"number","minimum":0,"multipleOf":0.01},"note":{"type":"string","maxLength":3},
      "items":{"type":"array","maxItems":2,"uniqueItems":true,"items":{"type":"object","required":["qty"],
        "properties":{"qty":{"type":"integer","minimum":1}}}}}})";
  for (const char* text : {
           R"({"purchaseId":"p-1","currency":"EUR","items":[]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{"qty":1},{"qty":2}]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{"qty":1},{"qty":1}]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{"qty":1},{"qty":2},{"qty":3}]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{"qty":1.0}]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{"qty":1.5}]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{"qty":0}]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[{}]})",
           R"({"purchaseId":"q-1","currency":"EUR","items":[]})",
           R"({"purchaseId":"p-1","currency":"GBP","items":[]})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[],"amount":1.25})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[],"amount":1.255})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[],"amount":-1})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[],"note":"\u00e9\u00e9\u00e9"})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[],"note":"abcd"})",
           R"({"purchaseId":"p-1","currency":"EUR","items":[],"extra":1})",
           R"({"purchaseId":"p-1","items":[]})",
           R"([])",
       }) {
    Agree(purchase, text);
  }
  Agree(R"({"const":18446744073709551615})", "18446744073709551615");
  Agree(R"({"enum":[1, "a", null, [1], {"x":1}]})", "1.0");
  Agree(R"({"enum":[1, "a", null, [1], {"x":1}]})", R"({"x":1.0})");
  Agree(R"({"enum":[1, "a", null, [1], {"x":1}]})", R"({"x":2})");
  Agree(R"({"propertyNames":{"maxLength":2}})", R"({"ab":1})", /*exact=*/false);
  Agree(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})", "3");
  Agree(R"({"oneOf":[{"type":"integer"},{"minimum":2}]})", "1");
  Agree(R"({"if":{"type":"string"},"then":{"minLength":2},"else":{"type":"number"}})", "\"a\"");
  Agree(R"({"if":{"type":"string"},"then":{"minLength":2},"else":{"type":"number"}})", "true");
  Agree(R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})", R"({"x-a":1})");
  Agree(R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})", R"({"x-a":"s"})");
  Agree(R"({"patternProperties":{"^x-":{"type":"integer"}},"additionalProperties":false})", R"({"y":1})");
  Agree(R"({"dependencies":{"a":["b"],"c":{"required":["d"]}}})", R"({"a":1})");
  Agree(R"({"dependencies":{"a":["b"],"c":{"required":["d"]}}})", R"({"c":1,"d":2})");
}

}  // namespace
}  // namespace meshd::schema
