#include "yaml/yaml_to_json.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace meshd::yaml {
namespace {

namespace json = boost::json;

json::value Scalar(const std::string& yaml_text) { return ToJson(YAML::Load("v: " + yaml_text)).at("v"); }

TEST(YamlToJson, PlainScalarsAreTypedLikeTheCoreSchema) {
  EXPECT_TRUE(Scalar("~").is_null());
  EXPECT_TRUE(Scalar("null").is_null());
  EXPECT_TRUE(Scalar("").is_null());
  EXPECT_EQ(Scalar("true"), json::value(true));
  EXPECT_EQ(Scalar("FALSE"), json::value(false));
  EXPECT_EQ(Scalar("3"), json::value(int64_t{3}));
  EXPECT_EQ(Scalar("-42"), json::value(int64_t{-42}));
  EXPECT_EQ(Scalar("+7"), json::value(int64_t{7}));
  EXPECT_EQ(Scalar("2.5"), json::value(2.5));
  EXPECT_EQ(Scalar(".5"), json::value(0.5));
  EXPECT_EQ(Scalar("1e3"), json::value(1000.0));
  EXPECT_EQ(Scalar("1.5E-1"), json::value(0.15));
}

TEST(YamlToJson, EverythingElseStaysAString) {
  EXPECT_EQ(Scalar("\"3\""), json::value("3"));      // quoted
  EXPECT_EQ(Scalar("'true'"), json::value("true"));  // quoted
  EXPECT_EQ(Scalar("inf"), json::value("inf"));      // strtod would take it
  EXPECT_EQ(Scalar("nan"), json::value("nan"));
  EXPECT_EQ(Scalar("12abc"), json::value("12abc"));
  EXPECT_EQ(Scalar("1e"), json::value("1e"));
  EXPECT_EQ(Scalar("-."), json::value("-."));
  EXPECT_EQ(Scalar("+-1"), json::value("+-1"));
  EXPECT_EQ(Scalar("."), json::value("."));
  EXPECT_EQ(Scalar("0x1F"), json::value("0x1F"));
  EXPECT_EQ(Scalar("yes"), json::value("yes"));  // YAML 1.1 booleans are strings in 1.2
  EXPECT_EQ(Scalar("1.0.2"), json::value("1.0.2"));
}

TEST(YamlToJson, IntegersBeyondInt64BecomeFloats) {
  json::value v = Scalar("123456789012345678901234");
  ASSERT_TRUE(v.is_double());
  EXPECT_DOUBLE_EQ(v.as_double(), 1.23456789012345678901234e23);
}

TEST(YamlToJson, MapsAndSequencesNest) {
  auto v = ToJson(YAML::Load("a: [1, x, {b: null}]\nc: {d: 2.0}"));
  EXPECT_EQ(json::serialize(v), R"({"a":[1,"x",{"b":null}],"c":{"d":2E0}})");
}

TEST(ParseYamlOrJson, JsonTextIsReadAsJson) {
  auto v = ParseYamlOrJson(R"({"version": "1.0", "n": 3})", "x.json");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->at("version"), json::value("1.0"));
  EXPECT_EQ(v->at("n"), json::value(int64_t{3}));
}

TEST(ParseYamlOrJson, ErrorsNameTheFileAndLine) {
  auto v = ParseYamlOrJson("a: 1\nb: [unclosed\n", "rules.yaml");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("rules.yaml: line"), std::string::npos) << v.error().message();
  EXPECT_NE(v.error().message().find("not valid YAML or JSON"), std::string::npos);
}

}  // namespace
}  // namespace meshd::yaml
