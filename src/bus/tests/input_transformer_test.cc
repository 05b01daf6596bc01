#include "bus/input_transformer.h"

#include <gtest/gtest.h>

namespace meshd::bus {
namespace {

const char* kEvent =
    R"({"version":"0","id":"e1","detail-type":"CustomerCreated","source":"crm.production",)"
    R"("time":"2026-11-27T10:00:00Z","resources":["r1","r2"],)"
    R"("detail":{"customer":{"id":42,"name":"Ada \"A\" L"},"tags":["a","b"],"vip":true}})";

TargetSpec WithTransformer(std::map<std::string, std::string> paths, std::string tmpl) {
  TargetSpec t;
  t.id = "t";
  t.input_transformer = InputTransformerSpec{std::move(paths), std::move(tmpl)};
  return t;
}

TEST(InputTransformerTest, NoSettingPassesWholeEvent) {
  TargetSpec t;
  EXPECT_EQ(*TransformInput(t, kEvent, {}), kEvent);
}

TEST(InputTransformerTest, ConstantInputIsVerbatim) {
  TargetSpec t;
  t.input = R"({"fixed":1})";
  EXPECT_EQ(*TransformInput(t, kEvent, {}), R"({"fixed":1})");
}

TEST(InputTransformerTest, InputPathSelectsSubtree) {
  TargetSpec t;
  t.input_path = "$.detail.customer";
  EXPECT_EQ(*TransformInput(t, kEvent, {}), R"({"id":42,"name":"Ada \"A\" L"})");
  t.input_path = "$.resources[1]";
  EXPECT_EQ(*TransformInput(t, kEvent, {}), R"("r2")");
  t.input_path = "$['detail-type']";
  EXPECT_EQ(*TransformInput(t, kEvent, {}), R"("CustomerCreated")");
  t.input_path = "$.detail.missing";
  EXPECT_EQ(*TransformInput(t, kEvent, {}), "null");
}

TEST(InputTransformerTest, MalformedPathIsAnError) {
  TargetSpec t;
  t.id = "t";
  t.input_path = "detail.customer";
  EXPECT_FALSE(ValidateTransform(t).ok());
  EXPECT_FALSE(TransformInput(t, kEvent, {}).ok());
}

TEST(InputTransformerTest, JsonTemplatePlacesValuesByContext) {
  auto t = WithTransformer({{"name", "$.detail.customer.name"}, {"id", "$.detail.customer.id"},
                            {"cust", "$.detail.customer"}, {"vip", "$.detail.vip"}},
                           R"({"n":<name>,"msg":"hello <name> #<id>","id":<id>,"c":<cust>,"v":<vip>,"s":"<cust>"})");
  auto out = TransformInput(t, kEvent, {});
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  auto parsed = json::parse(*out).as_object();
  EXPECT_EQ(parsed["n"].as_string(), "Ada \"A\" L");
  EXPECT_EQ(parsed["msg"].as_string(), "hello Ada \"A\" L #42");
  EXPECT_EQ(parsed["id"].as_int64(), 42);
  EXPECT_EQ(parsed["c"].as_object()["id"].as_int64(), 42);
  EXPECT_TRUE(parsed["v"].as_bool());
  EXPECT_EQ(parsed["s"].as_string(), R"({"id":42,"name":"Ada \"A\" L"})");
}

TEST(InputTransformerTest, MissingValueIsNullOutsideAndEmptyInsideStrings) {
  auto t = WithTransformer({{"m", "$.detail.nothing"}}, R"({"a":<m>,"b":"x<m>y"})");
  EXPECT_EQ(*TransformInput(t, kEvent, {}), R"({"a":null,"b":"xy"})");
}

TEST(InputTransformerTest, PlainTextTemplateInsertsStringsRaw) {
  auto t = WithTransformer({{"name", "$.detail.customer.name"}, {"id", "$.detail.customer.id"}},
                           "customer <name> has id <id>");
  EXPECT_EQ(*TransformInput(t, kEvent, {}), "customer Ada \"A\" L has id 42");
}

TEST(InputTransformerTest, ReservedPlaceholdersAndUnknownOnesLeftAlone) {
  auto t = WithTransformer({}, R"({"rule":"<aws.events.rule-name>","ev":<aws.events.event>,"x":"<unknown>"})");
  TransformContext ctx{"my-rule", "arn:aws:events:local:000000000000:rule/my-rule", 0};
  auto out = json::parse(*TransformInput(t, kEvent, ctx)).as_object();
  EXPECT_EQ(out["rule"].as_string(), "my-rule");
  EXPECT_EQ(out["ev"].as_object()["id"].as_string(), "e1");
  EXPECT_EQ(out["x"].as_string(), "<unknown>");
}

TEST(InputTransformerTest, ReservedKeysInPathsMapAreRejected) {
  auto t = WithTransformer({{"aws.events.rule-name", "$.id"}}, "<x>");
  EXPECT_FALSE(ValidateTransform(t).ok());
}

}  // namespace
}  // namespace meshd::bus
