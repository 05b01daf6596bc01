#include "cloudevents/kafka_binding.h"

#include <gtest/gtest.h>

#include "cloudevents/http_binding.h"

namespace meshd::cloudevents {
namespace {

namespace json = boost::json;

const std::string* FindHeader(const KafkaMessage& m, const std::string& key) {
  for (const auto& h : m.headers) {
    if (h.key == key) return h.value ? &*h.value : nullptr;
  }
  return nullptr;
}

record::Record ToRecord(const KafkaMessage& m, int64_t offset) {
  record::Record r;
  r.offset = offset;
  r.timestamp = 1764237600000;
  r.key = m.key;
  r.value = m.value;
  r.headers = m.headers;
  return r;
}

TEST(KafkaBindingTest, BinaryModeHeaders) {
  auto e = FromStructuredJson(json::parse(R"({"specversion":"1.0","id":"e1","source":"/crm",
      "type":"CustomerCreated","time":"2026-11-27T10:00:00Z","subject":"c-1",
      "dataschema":"http://r/schemas/ids/1","datacontenttype":"application/json",
      "partitionkey":"c-1","tier":3,"data":{"name":"Ann"}})"),
                              "");
  ASSERT_TRUE(e.ok());
  KafkaMessage m = ToKafkaMessage(*e);
  EXPECT_EQ(*FindHeader(m, "ce_specversion"), "1.0");
  EXPECT_EQ(*FindHeader(m, "ce_id"), "e1");
  EXPECT_EQ(*FindHeader(m, "ce_source"), "/crm");
  EXPECT_EQ(*FindHeader(m, "ce_type"), "CustomerCreated");
  EXPECT_EQ(*FindHeader(m, "ce_time"), "2026-11-27T10:00:00Z");
  EXPECT_EQ(*FindHeader(m, "ce_subject"), "c-1");
  EXPECT_EQ(*FindHeader(m, "ce_dataschema"), "http://r/schemas/ids/1");
  EXPECT_EQ(*FindHeader(m, "ce_partitionkey"), "c-1");
  EXPECT_EQ(*FindHeader(m, "ce_tier"), "3");
  EXPECT_EQ(*FindHeader(m, "content-type"), "application/json");
  EXPECT_EQ(*m.key, "c-1");
  EXPECT_EQ(*m.value, R"({"name":"Ann"})");
  EXPECT_GT(MessageBytes(m), m.value->size());
}

TEST(KafkaBindingTest, KeyOverrideWinsAndNoKeyWithoutPartitionKey) {
  auto e = FromStructuredJson(
      json::parse(R"({"specversion":"1.0","id":"e1","source":"/s","type":"t","partitionkey":"p"})"),
      "");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*ToKafkaMessage(*e, std::string("k")).key, "k");
  auto f = FromStructuredJson(
      json::parse(R"({"specversion":"1.0","id":"e1","source":"/s","type":"t"})"), "");
  EXPECT_FALSE(ToKafkaMessage(*f).key.has_value());
}

TEST(KafkaBindingTest, RoundTripThroughRecord) {
  const char* inputs[] = {
      R"({"specversion":"1.0","id":"e1","source":"/pos","type":"SaleCompleted","data":{"a":[1,2]}})",
      R"({"specversion":"1.0","id":"e2","source":"/pos","type":"t","datacontenttype":"text/plain","data":"hi"})",
      R"({"specversion":"1.0","id":"e3","source":"/pos","type":"t","datacontenttype":"application/octet-stream","data_base64":"AP8="})",
      R"({"specversion":"1.0","id":"e4","source":"/pos","type":"t","subject":"x","myext":"v"})",
  };
  for (const char* in : inputs) {
    json::value v = json::parse(in);
    auto e = FromStructuredJson(v, "");
    ASSERT_TRUE(e.ok()) << in;
    CloudEvent back = FromKafkaRecord(ToRecord(ToKafkaMessage(*e), 5), "pos.sales", 1);
    EXPECT_EQ(json::value(ToStructuredJson(back)), v) << in;
  }
}

TEST(KafkaBindingTest, RoundTripThroughARealBatch) {
  auto e = FromStructuredJson(json::parse(R"({"specversion":"1.0","id":"e1","source":"/pos",
      "type":"SaleCompleted","partitionkey":"c-9","data":{"amount":5}})"),
                              "");
  ASSERT_TRUE(e.ok());
  KafkaMessage m = ToKafkaMessage(*e);
  record::RecordBatchBuilder b;
  b.Add(1764237600000, m.key, m.value, m.headers);
  std::string batch = b.Build();
  ASSERT_TRUE(record::ValidateBatch(batch).ok());
  auto recs = record::DecodeRecords(batch);
  ASSERT_TRUE(recs.ok()) << recs.error().ToString();
  ASSERT_EQ(recs->size(), 1u);
  CloudEvent back = FromKafkaRecord((*recs)[0], "pos.sales", 0);
  EXPECT_EQ(ToStructuredJson(back), ToStructuredJson(*e));
  std::string src, id;
  EXPECT_TRUE(ExtractSourceAndId((*recs)[0], &src, &id));
  EXPECT_EQ(src, "/pos");
  EXPECT_EQ(id, "e1");
}

TEST(KafkaBindingTest, PlainRecordsAreWrapped) {
  record::Record r;
  r.offset = 17;
  r.timestamp = 0;
  r.value = R"({"x":1})";
  CloudEvent e = FromKafkaRecord(r, "raw", 2);
  EXPECT_EQ(e.id, "raw-2-17");
  EXPECT_EQ(e.source, "/meshd/topics/raw");
  EXPECT_EQ(e.type, "meshd.record");
  EXPECT_EQ(*e.time, "1970-01-01T00:00:00.000Z");
  json::object o = ToStructuredJson(e);
  EXPECT_EQ(o.at("data"), json::parse(R"({"x":1})"));

  r.value = std::string("\x01\x02", 2);
  json::object bin = ToStructuredJson(FromKafkaRecord(r, "raw", 2));
  EXPECT_EQ(bin.at("data_base64").as_string(), "AQI=");
  EXPECT_FALSE(bin.contains("data"));
  std::string src, id;
  EXPECT_FALSE(ExtractSourceAndId(r, &src, &id));
}

TEST(KafkaBindingTest, StructuredModeRecordIsDecoded) {
  record::Record r;
  r.offset = 1;
  r.value = R"({"specversion":"1.0","id":"s1","source":"/x","type":"t","data":{"k":1}})";
  r.headers.push_back({"content-type", std::string("application/cloudevents+json")});
  CloudEvent e = FromKafkaRecord(r, "t", 0);
  EXPECT_EQ(e.id, "s1");
  EXPECT_EQ(*e.data, R"({"k":1})");
}

}  // namespace
}  // namespace meshd::cloudevents
