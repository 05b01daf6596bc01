#include "bus/event_builder.h"

#include <gtest/gtest.h>

namespace meshd::bus {
namespace {

json::object Entry(const char* text) { return json::parse(text).as_object(); }

TEST(EventBuilderTest, BuildsEventBridgeEnvelope) {
  EntryError err;
  auto ev = BuildEvent(Entry(R"({"Source":"crm.production","DetailType":"CustomerCreated",
      "Detail":"{\"customer\":{\"id\":1}}","Resources":["r"],"Time":1700000000})"),
                       "eu-west-1", 0, &err);
  ASSERT_TRUE(ev.ok()) << ev.error().ToString();
  auto o = json::parse(ev->json).as_object();
  EXPECT_EQ(o["version"].as_string(), "0");
  EXPECT_EQ(o["id"].as_string(), ev->id);
  EXPECT_EQ(ev->id.size(), 36u);
  EXPECT_EQ(o["detail-type"].as_string(), "CustomerCreated");
  EXPECT_EQ(o["source"].as_string(), "crm.production");
  EXPECT_EQ(o["account"].as_string(), "000000000000");
  EXPECT_EQ(o["time"].as_string(), "2023-11-14T22:13:20Z");
  EXPECT_EQ(o["region"].as_string(), "eu-west-1");
  EXPECT_EQ(o["resources"].as_array().size(), 1u);
  EXPECT_EQ(o["detail"].as_object()["customer"].as_object()["id"].as_int64(), 1);
}

TEST(EventBuilderTest, AcceptsRfc3339TimeAndDetailObject) {
  EntryError err;
  auto ev = BuildEvent(Entry(R"({"Source":"s","DetailType":"d","Detail":{"a":1},
      "Time":"2026-01-02T03:04:05+01:00","EventBusName":"arn:aws:events:x:1:event-bus/orders"})"),
                       "local", 0, &err);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->bus, "orders");
  EXPECT_EQ(json::parse(ev->json).as_object()["time"].as_string(), "2026-01-02T02:04:05Z");
}

TEST(EventBuilderTest, PerEntryErrorsNameTheField) {
  EntryError err;
  EXPECT_FALSE(BuildEvent(Entry(R"({"DetailType":"d","Detail":"{}"})"), "local", 0, &err).ok());
  EXPECT_EQ(err.code, "InvalidArgument");
  EXPECT_NE(err.message.find("Source"), std::string::npos);
  EXPECT_FALSE(BuildEvent(Entry(R"({"Source":"s","DetailType":"d","Detail":"{nope"})"), "local", 0, &err).ok());
  EXPECT_EQ(err.code, "MalformedDetail");
  EXPECT_FALSE(BuildEvent(Entry(R"({"Source":"s","DetailType":"d","Detail":"[1]"})"), "local", 0, &err).ok());
  EXPECT_EQ(err.code, "MalformedDetail");
}

TEST(EventBuilderTest, Rfc3339RoundTrip) {
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2026-11-27T10:00:00Z")), "2026-11-27T10:00:00Z");
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
}

}  // namespace
}  // namespace meshd::bus
