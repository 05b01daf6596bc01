#include "cloudevents/http_binding.h"

#include <gtest/gtest.h>

namespace meshd::cloudevents {
namespace {

namespace json = boost::json;

TEST(HttpBindingTest, StructuredMode) {
  auto r = ParseHttpRequest("application/cloudevents+json; charset=utf-8", {},
                            R"({"specversion":"1.0","id":"1","source":"/s","type":"t","data":{"a":1}})");
  ASSERT_TRUE(r.ok()) << r.error->status.ToString();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(*r.events[0].data, R"({"a":1})");
}

TEST(HttpBindingTest, BatchModeValidatesEveryEventFirst) {
  auto ok = ParseHttpRequest(
      "application/cloudevents-batch+json", {},
      R"([{"specversion":"1.0","id":"1","source":"/s","type":"t"},
          {"specversion":"1.0","id":"2","source":"/s","type":"t"}])");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.events.size(), 2u);

  auto bad = ParseHttpRequest("application/cloudevents-batch+json", {},
                              R"([{"specversion":"1.0","id":"1","source":"/s","type":"t"},
                                  {"specversion":"1.0","id":"2","type":"t"}])");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.events.empty());
  EXPECT_EQ(bad.error->kind, ParseErrorKind::kInvalidEvent);
  EXPECT_NE(bad.error->status.message().find("event[1]"), std::string::npos);
  EXPECT_NE(bad.error->status.message().find("'source'"), std::string::npos);
}

TEST(HttpBindingTest, BatchErrors) {
  EXPECT_EQ(ParseHttpRequest("application/cloudevents-batch+json", {}, "[]").error->kind,
            ParseErrorKind::kInvalidEvent);
  EXPECT_EQ(ParseHttpRequest("application/cloudevents-batch+json", {}, "{}").error->kind,
            ParseErrorKind::kInvalidEvent);
  EXPECT_EQ(ParseHttpRequest("application/cloudevents-batch+json", {}, "[").error->kind,
            ParseErrorKind::kMalformedJson);
}

TEST(HttpBindingTest, BinaryMode) {
  std::map<std::string, std::string> h = {{"ce-specversion", "1.0"},
                                          {"ce-id", "abc"},
                                          {"ce-source", "/pos/store%2F7"},
                                          {"ce-type", "SaleCompleted"},
                                          {"ce-partitionkey", "cust-1"},
                                          {"content-type", "application/json"}};
  auto r = ParseHttpRequest("application/json", h, R"({"amount":3})");
  ASSERT_TRUE(r.ok()) << r.error->status.ToString();
  const CloudEvent& e = r.events[0];
  EXPECT_EQ(e.id, "abc");
  EXPECT_EQ(e.source, "/pos/store/7");
  EXPECT_EQ(e.PartitionKey(), "cust-1");
  EXPECT_EQ(*e.datacontenttype, "application/json");
  EXPECT_EQ(*e.data, R"({"amount":3})");
}

TEST(HttpBindingTest, BinaryModeMissingHeaderIsNamed) {
  std::map<std::string, std::string> h = {{"ce-specversion", "1.0"}, {"ce-id", "abc"},
                                          {"ce-type", "t"}};
  auto r = ParseHttpRequest("text/plain", h, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error->status.message().find("ce-source"), std::string::npos);
}

TEST(HttpBindingTest, PlainJsonIsWrapped) {
  ManualClock clock(1764237600000);
  HttpParseOptions opts;
  opts.clock = &clock;
  auto r = ParseHttpRequest("application/json", {}, R"({"sku":"A1","qty":2})", opts);
  ASSERT_TRUE(r.ok());
  const CloudEvent& e = r.events[0];
  EXPECT_EQ(e.source, "/meshd/http");
  EXPECT_EQ(e.type, "meshd.event");
  EXPECT_EQ(e.id.size(), 36u);
  EXPECT_EQ(*e.time, "2025-11-27T10:00:00.000Z");
  EXPECT_EQ(*e.data, R"({"sku":"A1","qty":2})");
}

TEST(HttpBindingTest, JsonWithSpecversionIsStructured) {
  auto r = ParseHttpRequest("application/json", {},
                            R"({"specversion":"1.0","id":"7","source":"/s","type":"t"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.events[0].id, "7");
  auto bad = ParseHttpRequest("", {}, R"({"specversion":"1.0","id":"7","type":"t"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error->status.message().find("'source'"), std::string::npos);
}

TEST(HttpBindingTest, JsonArrayOfEventsIsABatchOtherArraysAreOneValue) {
  auto batch = ParseHttpRequest("application/json", {},
                                R"([{"specversion":"1.0","id":"1","source":"/s","type":"t"},
                                    {"specversion":"1.0","id":"2","source":"/s","type":"t"}])");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch.events.size(), 2u);
  auto plain = ParseHttpRequest("application/json", {}, R"([{"a":1},{"a":2}])");
  ASSERT_TRUE(plain.ok());
  ASSERT_EQ(plain.events.size(), 1u);
  EXPECT_EQ(*plain.events[0].data, R"([{"a":1},{"a":2}])");
}

TEST(HttpBindingTest, MalformedJson) {
  auto r = ParseHttpRequest("application/json", {}, "{not json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->kind, ParseErrorKind::kMalformedJson);
  auto s = ParseHttpRequest("application/cloudevents+json", {}, "{");
  EXPECT_EQ(s.error->kind, ParseErrorKind::kMalformedJson);
}

TEST(HttpBindingTest, OtherMediaTypeWrapsBody) {
  auto r = ParseHttpRequest("text/csv", {}, "a,b\n1,2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r.events[0].datacontenttype, "text/csv");
  EXPECT_EQ(*r.events[0].data, "a,b\n1,2");
}

}  // namespace
}  // namespace meshd::cloudevents
