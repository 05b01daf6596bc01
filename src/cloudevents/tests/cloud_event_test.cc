#include "cloudevents/cloud_event.h"

#include <gtest/gtest.h>

#include "cloudevents/base64.h"

namespace meshd::cloudevents {
namespace {

namespace json = boost::json;

json::value Minimal() {
  return json::parse(R"({"specversion":"1.0","id":"e1","source":"/crm","type":"CustomerCreated"})");
}

TEST(CloudEventTest, ParsesMinimalStructuredEvent) {
  auto e = FromStructuredJson(Minimal(), "event[0]");
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->id, "e1");
  EXPECT_EQ(e->source, "/crm");
  EXPECT_EQ(e->type, "CustomerCreated");
  EXPECT_FALSE(e->data.has_value());
}

TEST(CloudEventTest, EachMissingRequiredAttributeIsNamed) {
  for (const char* field : {"specversion", "id", "source", "type"}) {
    json::value v = Minimal();
    v.as_object().erase(field);
    auto e = FromStructuredJson(v, "event[3]");
    ASSERT_FALSE(e.ok()) << field;
    EXPECT_EQ(e.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(e.error().message().find(std::string("'") + field + "'"), std::string::npos)
        << e.error().message();
    EXPECT_NE(e.error().message().find("event[3]"), std::string::npos);
  }
}

TEST(CloudEventTest, RejectsWrongTypesAndValues) {
  struct Case {
    const char* json;
    const char* needle;
  } cases[] = {
      {R"({"specversion":"0.3","id":"1","source":"s","type":"t"})", "specversion"},
      {R"({"specversion":1.0,"id":"1","source":"s","type":"t"})", "specversion"},
      {R"({"specversion":"1.0","id":"","source":"s","type":"t"})", "'id'"},
      {R"({"specversion":"1.0","id":5,"source":"s","type":"t"})", "'id'"},
      {R"({"specversion":"1.0","id":"1","source":"","type":"t"})", "'source'"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":""})", "'type'"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":"t","time":"yesterday"})", "'time'"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":"t","subject":3})", "'subject'"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":"t","Bad-Ext":"x"})", "Bad-Ext"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":"t","ext":{"a":1}})", "'ext'"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":"t","data":1,"data_base64":"AA=="})",
       "mutually exclusive"},
      {R"({"specversion":"1.0","id":"1","source":"s","type":"t","data_base64":"!!"})",
       "data_base64"},
      {R"([1,2])", "JSON object"},
  };
  for (const auto& c : cases) {
    auto e = FromStructuredJson(json::parse(c.json), "");
    ASSERT_FALSE(e.ok()) << c.json;
    EXPECT_NE(e.error().message().find(c.needle), std::string::npos)
        << c.json << " → " << e.error().message();
  }
}

TEST(CloudEventTest, JsonDataAndExtensionsRoundTripThroughStructuredForm) {
  auto in = json::parse(R"({"specversion":"1.0","id":"e1","source":"/pos","type":"SaleCompleted",
    "time":"2026-11-27T10:00:00Z","subject":"store-7","partitionkey":"c-42","sequence":7,
    "data":{"amount":12.5,"items":["a","b"]}})");
  auto e = FromStructuredJson(in, "");
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->PartitionKey(), "c-42");
  json::object out = ToStructuredJson(*e);
  EXPECT_EQ(json::value(out), in);
}

TEST(CloudEventTest, BinaryDataUsesBase64) {
  auto in = json::parse(R"({"specversion":"1.0","id":"e1","source":"/s","type":"t",
    "datacontenttype":"application/octet-stream","data_base64":"AAEC/w=="})");
  auto e = FromStructuredJson(in, "");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e->data, std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(ToStructuredJson(*e).at("data_base64").as_string(), "AAEC/w==");
}

TEST(CloudEventTest, TextDataStaysText) {
  auto in = json::parse(R"({"specversion":"1.0","id":"e1","source":"/s","type":"t",
    "datacontenttype":"text/plain","data":"hello"})");
  auto e = FromStructuredJson(in, "");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e->data, "hello");
  EXPECT_EQ(ToStructuredJson(*e).at("data").as_string(), "hello");
}

TEST(CloudEventTest, ContentTypeClassification) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("application/vnd.meshd+json"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/avro"));
}

TEST(CloudEventTest, Rfc3339) {
  EXPECT_TRUE(IsRfc3339("2026-11-27T10:00:00Z"));
  EXPECT_TRUE(IsRfc3339("2026-11-27T10:00:00.123456+01:00"));
  EXPECT_FALSE(IsRfc3339("2026-11-27"));
  EXPECT_FALSE(IsRfc3339("2026-11-27T10:00:00"));
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_TRUE(IsRfc3339(FormatRfc3339(1764237600123)));
}

TEST(CloudEventTest, UuidsAreVersion4AndDistinct) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
}

TEST(Base64Test, RoundTripsAllLengths) {
  std::string s;
  for (int i = 0; i < 40; ++i) {
    auto d = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, s);
    s.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("abc").has_value());
  EXPECT_FALSE(Base64Decode("a=bc").has_value());
}

TEST(Utf8Test, Validates) {
  EXPECT_TRUE(IsValidUtf8("héllo €"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
}

}  // namespace
}  // namespace meshd::cloudevents

#include "cloudevents/json_text.h"

namespace meshd::cloudevents {
namespace {

TEST(JsonTextTest, DoublesAreShortestRoundTrip) {
  auto v = boost::json::parse(R"({"a":12.5,"b":[1,2.0,-0.001,1e300],"c":"x\"y","d":null,"e":true})");
  std::string s = SerializeJson(v);
  EXPECT_EQ(s, R"({"a":12.5,"b":[1,2.0,-0.001,1e+300],"c":"x\"y","d":null,"e":true})");
  EXPECT_EQ(boost::json::parse(s), v);
}

}  // namespace
}  // namespace meshd::cloudevents
