#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "schema/schema_registry.h"
#include "storage/local_log.h"

namespace meshd::schema {
namespace {

namespace json = boost::json;

const char* kV1 = R"({"type":"record","name":"CustomerPurchase","fields":[{"name":"id","type":"string"}]})";
const char* kV2 = R"({"type":"record","name":"CustomerPurchase","fields":[{"name":"id","type":"string"},
    {"name":"coupon","type":["null","string"],"default":null}]})";
const char* kBad = R"({"type":"record","name":"CustomerPurchase","fields":[{"name":"id","type":"string"},
    {"name":"store","type":"string"}]})";

SchemaInput Avro(const char* s) { return SchemaInput{s, SchemaType::kAvro, {}, {}, {}}; }

std::unique_ptr<SchemaRegistry> Mem() { return std::move(*SchemaRegistry::Open(nullptr)); }

TEST(SchemaRegistry, IdsVersionsAndIdempotency) {
  auto r = Mem();
  auto a = r->Register("sales-value", Avro(kV1));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->first, 1);
  EXPECT_EQ(a->second, 1);
  auto again = r->Register("sales-value", Avro(kV1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), a.value());
  // Same schema under another subject: same id, version 1 there.
  auto other = r->Register("other-value", Avro(kV1));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->first, 1);
  auto b = r->Register("sales-value", Avro(kV2));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, 2);
  EXPECT_EQ(b->second, 2);
  auto bad = r->Register("sales-value", Avro(kBad));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error_code, 409);
  EXPECT_NE(bad.error().message.find("/fields/1"), std::string::npos) << bad.error().message;
  auto latest = r->GetVersion("sales-value", "latest", false);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->version, 2);
  auto lookup = r->Lookup("sales-value", Avro(kV1), false);
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(lookup->version, 1);
  EXPECT_EQ(r->Lookup("nope", Avro(kV1), false).error().error_code, 40401);
  EXPECT_EQ(r->Lookup("sales-value", Avro(kBad), false).error().error_code, 40403);
  EXPECT_EQ(r->GetVersion("sales-value", "0", false).error().error_code, 42202);
  EXPECT_EQ(r->GetVersion("sales-value", "9", false).error().error_code, 40402);
  EXPECT_EQ(r->GetSchemaById(99).error().error_code, 40403);
  EXPECT_EQ(r->Register("x", Avro("{\"type\":\"nope\"}")).error().error_code, 42201);
  EXPECT_EQ(r->Register("x", SchemaInput{"syntax = \"proto3\";", SchemaType::kProtobuf, {}, {}, {}})
                .error().error_code, 42201);
}

TEST(SchemaRegistry, SoftAndHardDelete) {
  auto r = Mem();
  ASSERT_TRUE(r->Register("s", Avro(kV1)).ok());
  ASSERT_TRUE(r->Register("s", Avro(kV2)).ok());
  EXPECT_EQ(r->DeleteVersion("s", "2", true).error().error_code, 40407);
  ASSERT_TRUE(r->DeleteVersion("s", "2", false).ok());
  EXPECT_EQ(r->DeleteVersion("s", "2", false).error().error_code, 40406);
  EXPECT_EQ(r->GetVersion("s", "2", false).error().error_code, 40402);
  EXPECT_TRUE(r->GetVersion("s", "2", true).ok());
  EXPECT_EQ(r->ListVersions("s", false, false).value(), std::vector<int32_t>{1});
  // The soft-deleted v2 is ignored by the check: kBad vs v1 only is still
  // incompatible (new required field), but kV2-like evolution from v1 works.
  EXPECT_EQ(r->DeleteSubject("s", true).error().error_code, 40405);
  ASSERT_TRUE(r->DeleteSubject("s", false).ok());
  EXPECT_EQ(r->DeleteSubject("s", false).error().error_code, 40404);
  EXPECT_EQ(r->ListVersions("s", false, false).error().error_code, 40401);
  EXPECT_TRUE(r->ListSubjects("", false).empty());
  EXPECT_EQ(r->ListSubjects("", true).size(), 1u);
  auto hard = r->DeleteSubject("s", true);
  ASSERT_TRUE(hard.ok());
  EXPECT_EQ(hard->size(), 2u);
  EXPECT_TRUE(r->ListSubjects("", true).empty());
  EXPECT_EQ(r->DeleteSubject("s", false).error().error_code, 40401);
}

TEST(SchemaRegistry, SoftDeletedVersionsAreIgnoredByChecks) {
  auto r = Mem();
  ASSERT_TRUE(r->SetConfig("s", "BACKWARD_TRANSITIVE").ok());
  ASSERT_TRUE(r->Register("s", Avro(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})")).ok());
  ASSERT_TRUE(r->Register("s", Avro(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]})")).ok());
  const char* v3 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]})";
  EXPECT_EQ(r->Register("s", Avro(v3)).error().error_code, 409);
  ASSERT_TRUE(r->DeleteVersion("s", "1", false).ok());
  EXPECT_EQ(r->Register("s", Avro(v3)).error().error_code, 409);  // v2 still has int a
  ASSERT_TRUE(r->DeleteVersion("s", "2", false).ok());
  EXPECT_TRUE(r->Register("s", Avro(v3)).ok());
}

TEST(SchemaRegistry, ConfigAndModes) {
  auto r = Mem();
  EXPECT_EQ(r->GetConfig("", false).value(), CompatibilityLevel::kBackward);
  EXPECT_EQ(r->GetConfig("s", false).error().error_code, 40408);
  EXPECT_EQ(r->GetConfig("s", true).value(), CompatibilityLevel::kBackward);
  EXPECT_EQ(r->SetConfig("s", "SIDEWAYS").error().error_code, 42203);
  ASSERT_TRUE(r->SetConfig("s", "NONE").ok());
  ASSERT_TRUE(r->Register("s", Avro(kV1)).ok());
  EXPECT_TRUE(r->Register("s", Avro("\"int\"")).ok());  // NONE: anything goes
  EXPECT_EQ(r->SetMode("", "WRONG", false).error().error_code, 42204);
  ASSERT_TRUE(r->SetMode("s", "READONLY", false).ok());
  EXPECT_EQ(r->Register("s", Avro("\"long\"")).error().error_code, 42205);
  ASSERT_TRUE(r->DeleteMode("s").ok());
  EXPECT_EQ(r->GetMode("s", false).error().error_code, 40409);
  SchemaInput with_id = Avro("\"string\"");
  with_id.id = 100;
  EXPECT_EQ(r->Register("imp", with_id).error().error_code, 42205);
  EXPECT_EQ(r->SetMode("", "IMPORT", false).error().error_code, 42205);  // subjects exist
  ASSERT_TRUE(r->SetMode("", "IMPORT", true).ok());
  auto imported = r->Register("imp", with_id);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->first, 100);
  ASSERT_TRUE(r->SetMode("", "READWRITE", false).ok());
  auto next = r->Register("imp2", Avro("\"bytes\""));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first, 101);
}

TEST(SchemaRegistry, ReferencesAndReferencedBy) {
  auto r = Mem();
  ASSERT_TRUE(r->Register("addr", Avro(R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]})")).ok());
  SchemaInput cust = Avro(R"({"type":"record","name":"Customer","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]})");
  EXPECT_EQ(r->Register("cust", cust).error().error_code, 42201);  // reference missing
  cust.references.push_back({"com.acme.Address", "addr", 1});
  auto c = r->Register("cust", cust);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(r->ReferencedBy("addr", "1").value(), std::vector<int32_t>{c->first});
  EXPECT_EQ(r->DeleteVersion("addr", "1", false).error().error_code, 42206);
  EXPECT_EQ(r->DeleteSubject("addr", false).error().error_code, 42206);
}

TEST(SchemaRegistry, JsonSchemaAndCompatibilityMessages) {
  auto r = Mem();
  const char* v1 = R"({"$schema":"http://json-schema.org/draft-07/schema#","title":"CustomerProfileUpdated",
      "type":"object","properties":{"id":{"type":"string"}},"required":["id"],"additionalProperties":false})";
  const char* v2 = R"({"title":"CustomerProfileUpdated","type":"object","properties":{"id":{"type":"string"},
      "tier":{"type":"string"}},"required":["id","tier"],"additionalProperties":false})";
  ASSERT_TRUE(r->Register("crm-value", SchemaInput{v1, SchemaType::kJson, {}, {}, {}}).ok());
  auto m = r->TestCompatibility("crm-value", "latest", SchemaInput{v2, SchemaType::kJson, {}, {}, {}});
  ASSERT_TRUE(m.ok());
  ASSERT_FALSE(m->empty());
  EXPECT_NE(m->front().find("REQUIRED_ATTRIBUTE_ADDED at /required"), std::string::npos) << m->front();
  EXPECT_EQ(r->TestCompatibility("nope", "1", SchemaInput{v2, SchemaType::kJson, {}, {}, {}}).error().error_code,
            40401);
}

TEST(SchemaRegistry, ValidateForTopicAndFramed) {
  auto r = Mem();
  const char* js = R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})";
  auto id = r->Register("orders-value", SchemaInput{js, SchemaType::kJson, {}, {}, {}});
  ASSERT_TRUE(id.ok());
  TopicSchemaPolicy strict{ValidationMode::kStrict, SubjectStrategy::kTopicName};
  TopicSchemaPolicy warn{ValidationMode::kWarn, SubjectStrategy::kTopicName};
  EXPECT_TRUE(r->ValidateForTopic("orders", strict, "", json::parse(R"({"n":1})")).ok());
  Status bad = r->ValidateForTopic("orders", strict, "", json::parse(R"({"n":"x"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("/n"), std::string::npos) << bad.message();
  EXPECT_TRUE(r->ValidateForTopic("orders", warn, "", json::parse(R"({"n":"x"})")).ok());
  EXPECT_FALSE(r->ValidateForTopic("unknown", strict, "", json::parse("{}")).ok());
  EXPECT_TRUE(r->ValidateForTopic("orders", strict, "http://reg/subjects/orders-value/versions/1",
                                  json::parse(R"({"n":2})")).ok());
  EXPECT_TRUE(r->ValidateForTopic("orders", strict, "http://reg/schemas/ids/1", json::parse(R"({"n":2})")).ok());

  auto frame = [](int32_t schema_id, const std::string& body) {
    std::string f(1, '\0');
    for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<char>((schema_id >> s) & 0xff));
    return f + body;
  };
  EXPECT_TRUE(r->ValidateFramed("orders", false, strict, frame(1, R"({"n":3})")).ok());
  EXPECT_FALSE(r->ValidateFramed("orders", false, strict, frame(1, R"({"n":"3"})")).ok());
  EXPECT_FALSE(r->ValidateFramed("orders", false, strict, frame(7, R"({"n":3})")).ok());   // unknown id
  EXPECT_FALSE(r->ValidateFramed("orders", true, strict, frame(1, R"({"n":3})")).ok());    // wrong subject
  EXPECT_FALSE(r->ValidateFramed("orders", false, strict, R"({"n":3})").ok());             // no frame
  // Avro: binary payload decoded against the schema.
  auto a = r->Register("pos-value", Avro(kV1));
  ASSERT_TRUE(a.ok());
  std::string avro_body = std::string(1, static_cast<char>(6)) + "abc";  // string "abc"
  EXPECT_TRUE(r->ValidateFramed("pos", false, strict, frame(a->first, avro_body)).ok());
  EXPECT_FALSE(r->ValidateFramed("pos", false, strict, frame(a->first, avro_body + "zz")).ok());
  TopicSchemaPolicy by_record{ValidationMode::kStrict, SubjectStrategy::kRecordName};
  ASSERT_TRUE(r->Register("CustomerPurchase", Avro(kV1)).ok());
  EXPECT_TRUE(r->ValidateFramed("any", false, by_record, frame(a->first, avro_body)).ok());
}

TEST(SchemaRegistry, InvalidSubjectNamesAre42208) {
  auto r = Mem();
  for (std::string bad : {std::string(), std::string("a\x01b"), std::string("line\nbreak"),
                          std::string("del\x7f"), std::string("c1\xc2\x85"), std::string("__GLOBAL"),
                          std::string("__EMPTY"), std::string("nul\0x", 5)}) {
    auto res = r->Register(bad, Avro("\"int\""));
    ASSERT_FALSE(res.ok()) << bad;
    EXPECT_EQ(res.error().error_code, 42208) << bad;
  }
  EXPECT_TRUE(r->Register("orders.v1-value", Avro("\"int\"")).ok());
  EXPECT_TRUE(r->Register("caf\xc3\xa9-value", Avro("\"int\"")).ok());  // UTF-8 is fine
}

// 50001: the `_schemas` append fails (here: the topic is gone under it).
TEST(SchemaRegistry, StoreErrorIs50001) {
  auto dir = std::filesystem::temp_directory_path() /
             ("meshd_schema_store_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  storage::LocalLogOptions opts;
  opts.data_dir = dir.string();
  opts.maintenance_interval_ms = 0;
  auto log = storage::LocalLog::Open(opts);
  ASSERT_TRUE(log.ok());
  auto r = SchemaRegistry::Open(log->get());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*log)->DeleteTopic(SchemaRegistry::kTopic).ok());
  auto res = (*r)->Register("a-value", Avro(kV1));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().error_code, 50001);
  EXPECT_EQ(res.error().http_status(), 500);
  EXPECT_EQ((*r)->SetConfig("", "FULL").error().error_code, 50001);
  EXPECT_TRUE((*r)->ListSubjects("", true).empty()) << "nothing applied when the append failed";
  (*log)->Close();
  std::filesystem::remove_all(dir);
}

// The produce path validates a partition batch at once: the first failing
// value's index is reported, warn mode never stops, and ids may vary.
TEST(SchemaRegistry, FramedBatchReportsTheFirstFailingIndex) {
  auto r = Mem();
  const char* js = R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})";
  auto id = r->Register("batch-value", SchemaInput{js, SchemaType::kJson, {}, {}, {}});
  ASSERT_TRUE(id.ok());
  auto frame = [](int32_t schema_id, const std::string& body) {
    std::string f(1, '\0');
    for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<char>((schema_id >> s) & 0xff));
    return f + body;
  };
  const std::string good = frame(id->first, R"({"n":1})");
  const std::string bad = frame(id->first, R"({"n":"x"})");
  const std::string unknown = frame(9999, R"({"n":1})");
  TopicSchemaPolicy strict{ValidationMode::kStrict, SubjectStrategy::kTopicName};
  TopicSchemaPolicy warn{ValidationMode::kWarn, SubjectStrategy::kTopicName};
  std::vector<std::string_view> all_good = {good, good, good};
  size_t failed = 99;
  EXPECT_TRUE(r->ValidateFramedBatch("batch", false, strict, all_good, &failed).ok());
  std::vector<std::string_view> second_bad = {good, bad, good};
  Status s = r->ValidateFramedBatch("batch", false, strict, second_bad, &failed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(failed, 1u);
  EXPECT_NE(s.message().find("/n"), std::string::npos) << s.message();
  std::vector<std::string_view> third_unknown = {good, good, unknown};
  s = r->ValidateFramedBatch("batch", false, strict, third_unknown, &failed);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(failed, 2u);
  EXPECT_NE(s.message().find("unknown schema id 9999"), std::string::npos) << s.message();
  std::vector<std::string_view> unframed = {good, "{}"};
  EXPECT_FALSE(r->ValidateFramedBatch("batch", false, strict, unframed, &failed).ok());
  EXPECT_EQ(failed, 1u);
  EXPECT_TRUE(r->ValidateFramedBatch("batch", false, warn, second_bad, &failed).ok());
}

// The produce path caches what (topic, id) resolves to; registry changes
// must be seen by the next record, and every outcome is counted per subject.
TEST(SchemaRegistry, FramedValidationFollowsRegistryChangesAndCounts) {
  auto r = Mem();
  const char* js = R"({"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]})";
  auto id = r->Register("cache-value", SchemaInput{js, SchemaType::kJson, {}, {}, {}});
  ASSERT_TRUE(id.ok());
  TopicSchemaPolicy strict{ValidationMode::kStrict, SubjectStrategy::kTopicName};
  auto frame = [](int32_t schema_id, const std::string& body) {
    std::string f(1, '\0');
    for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<char>((schema_id >> s) & 0xff));
    return f + body;
  };
  auto& reg = metrics::Registry::Default();
  auto& validations = reg.GetCounter("meshd_schema_validations_total", "", {{"subject", "cache-value"}});
  auto& failures = reg.GetCounter("meshd_schema_validation_failures_total", "", {{"subject", "cache-value"}});
  double v0 = validations.value(), f0 = failures.value();
  const std::string good = frame(id->first, R"({"n":1})");
  EXPECT_TRUE(r->ValidateFramed("cache", false, strict, good).ok());
  EXPECT_TRUE(r->ValidateFramed("cache", false, strict, good).ok());  // cached
  Status bad = r->ValidateFramed("cache", false, strict, frame(id->first, R"({"n":"x"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("subject 'cache-value'"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("/n"), std::string::npos) << bad.message();
  EXPECT_FALSE(r->ValidateFramed("cache", false, strict, frame(id->first, "{not json")).ok());
  EXPECT_EQ(validations.value() - v0, 4);
  EXPECT_EQ(failures.value() - f0, 2);
  // Soft-deleting the version unregisters the id under the subject.
  ASSERT_TRUE(r->DeleteVersion("cache-value", "1", false).ok());
  Status gone = r->ValidateFramed("cache", false, strict, good);
  ASSERT_FALSE(gone.ok());
  EXPECT_NE(gone.message().find("not registered under subject 'cache-value'"), std::string::npos)
      << gone.message();
  // Registering it again makes it valid again.
  ASSERT_TRUE(r->Register("cache-value", SchemaInput{js, SchemaType::kJson, {}, {}, {}}).ok());
  EXPECT_TRUE(r->ValidateFramed("cache", false, strict, good).ok());
  // Unframed and unknown-id records count under the TopicName subject.
  EXPECT_FALSE(r->ValidateFramed("cache", false, strict, "{}").ok());
  EXPECT_FALSE(r->ValidateFramed("cache", false, strict, frame(999, "{}")).ok());
  EXPECT_EQ(failures.value() - f0, 5);
  // Many threads on the fast path while the registry changes under them.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!r->ValidateFramed("cache", false, strict, good).ok()) wrong++;
      }
    });
  }
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(r->SetConfig("other", i % 2 ? "FULL" : "NONE").ok());
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(SchemaRegistry, ReplayAfterReopenKeepsIds) {
  auto dir = std::filesystem::temp_directory_path() /
             ("meshd_schema_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  storage::LocalLogOptions opts;
  opts.data_dir = dir.string();
  opts.maintenance_interval_ms = 0;
  {
    auto log = storage::LocalLog::Open(opts);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    auto r = SchemaRegistry::Open(log->get());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE((*r)->Register("a", Avro(kV1)).ok());
    ASSERT_TRUE((*r)->Register("a", Avro(kV2)).ok());
    ASSERT_TRUE((*r)->Register("b", Avro("\"string\"")).ok());
    ASSERT_TRUE((*r)->DeleteVersion("a", "1", false).ok());
    ASSERT_TRUE((*r)->Register("c", Avro("\"int\"")).ok());
    ASSERT_TRUE((*r)->DeleteSubject("c", false).ok());
    ASSERT_TRUE((*r)->DeleteSubject("c", true).ok());
    ASSERT_TRUE((*r)->SetConfig("b", "FULL").ok());
    ASSERT_TRUE((*r)->SetMode("b", "READONLY", false).ok());
    (*log)->Close();
  }
  {
    auto log = storage::LocalLog::Open(opts);
    ASSERT_TRUE(log.ok());
    auto r = SchemaRegistry::Open(log->get());
    ASSERT_TRUE(r.ok());
    auto& reg = **r;
    EXPECT_EQ(reg.ListSubjects("", false), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(reg.GetVersion("a", "latest", false)->id, 2);
    EXPECT_EQ(reg.GetVersion("a", "1", false).error().error_code, 40402);
    EXPECT_TRUE(reg.GetVersion("a", "1", true).ok());
    EXPECT_EQ(reg.GetVersion("b", "1", false)->id, 3);
    EXPECT_EQ(reg.GetConfig("b", false).value(), CompatibilityLevel::kFull);
    EXPECT_EQ(reg.GetMode("b", false).value(), RegistryMode::kReadOnly);
    EXPECT_EQ(reg.ListSubjects("", true).size(), 2u);  // c is gone
    // Re-registering keeps the id; a new schema gets the next one.
    EXPECT_EQ(reg.Register("z", Avro(kV2))->first, 2);
    EXPECT_EQ(reg.Register("z2", Avro("\"double\""))->first, 5);
    (*log)->Close();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace meshd::schema

namespace meshd::schema {
namespace {

TEST(TopicSchemaPolicy, TopicConfigKeysAreValidatedAndRead) {
  EXPECT_FALSE(storage::TopicConfig::FromMap({{"schema.validation", "sometimes"}}).ok());
  EXPECT_FALSE(storage::TopicConfig::FromMap({{"schema.subject.strategy", "Topic"}}).ok());
  auto c = storage::TopicConfig::FromMap(
      {{"schema.validation", "warn"}, {"schema.subject.strategy", "TopicRecordName"}});
  ASSERT_TRUE(c.ok());
  auto p = TopicSchemaPolicy::FromConfig(*c);
  EXPECT_EQ(p.mode, ValidationMode::kWarn);
  EXPECT_EQ(p.strategy, SubjectStrategy::kTopicRecordName);
  auto d = TopicSchemaPolicy::FromConfig(storage::TopicConfig());
  EXPECT_EQ(d.mode, ValidationMode::kNone);
  EXPECT_EQ(d.strategy, SubjectStrategy::kTopicName);
  // Keys have their own mode and share the strategy.
  auto k = storage::TopicConfig::FromMap(
      {{"schema.key.validation", "strict"}, {"schema.subject.strategy", "RecordName"}});
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(TopicSchemaPolicy::FromConfig(*k, /*is_key=*/true).mode, ValidationMode::kStrict);
  EXPECT_EQ(TopicSchemaPolicy::FromConfig(*k, /*is_key=*/true).strategy, SubjectStrategy::kRecordName);
  EXPECT_EQ(TopicSchemaPolicy::FromConfig(*k).mode, ValidationMode::kNone);
}

TEST(TopicSchemaPolicy, ConfluentServerConfigNamesStandInForOurs) {
  auto c = storage::TopicConfig::FromMap(
      {{"confluent.value.schema.validation", "true"},
       {"confluent.key.schema.validation", "false"},
       {"confluent.value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"},
       {"confluent.key.subject.name.strategy", "RecordNameStrategy"}});
  ASSERT_TRUE(c.ok()) << c.error().message();
  auto value = TopicSchemaPolicy::FromConfig(*c);
  EXPECT_EQ(value.mode, ValidationMode::kStrict);
  EXPECT_EQ(value.strategy, SubjectStrategy::kTopicRecordName);
  auto key = TopicSchemaPolicy::FromConfig(*c, /*is_key=*/true);
  EXPECT_EQ(key.mode, ValidationMode::kNone);
  EXPECT_EQ(key.strategy, SubjectStrategy::kRecordName);
  // meshd's own keys win when both are set.
  auto both = storage::TopicConfig::FromMap(
      {{"confluent.value.schema.validation", "true"}, {"schema.validation", "warn"}});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(TopicSchemaPolicy::FromConfig(*both).mode, ValidationMode::kWarn);
  // Bad values are named.
  auto bad = storage::TopicConfig::FromMap({{"confluent.value.schema.validation", "yes"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("true or false"), std::string::npos) << bad.error().message();
  auto bad_class = storage::TopicConfig::FromMap(
      {{"confluent.key.subject.name.strategy", "com.example.MyStrategy"}});
  ASSERT_FALSE(bad_class.ok());
  EXPECT_NE(bad_class.error().message().find("confluent.key.subject.name.strategy"), std::string::npos);
}

}  // namespace
}  // namespace meshd::schema
