#include <gtest/gtest.h>

#include <random>

#include "schema/avro_schema.h"
#include "schema/compatibility.h"

namespace meshd::schema {
namespace {

namespace json = boost::json;

TEST(AvroSchema, PrimitiveFingerprintsMatchAvroTestVectors) {
  // Values from Avro's schema test data (CRC-64-AVRO of the canonical form).
  EXPECT_EQ(static_cast<int64_t>(AvroSchema::Parse("\"null\"")->Fingerprint()), 7195948357588979594LL);
  EXPECT_EQ(static_cast<int64_t>(AvroSchema::Parse("\"int\"")->Fingerprint()), 8247732601305521295LL);
}

TEST(AvroSchema, CanonicalFormStripsAndQualifies) {
  auto s = AvroSchema::Parse(R"({"type":"record","name":"R","namespace":"a.b","doc":"d","fields":[
      {"name":"f","type":{"type":"long","logicalType":"timestamp-millis"},"default":1},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}},
      {"name":"g","type":["null","E"]}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->CanonicalForm(),
            R"({"name":"a.b.R","type":"record","fields":[{"name":"f","type":"long"},)"
            R"({"name":"e","type":{"name":"a.b.E","type":"enum","symbols":["A","B"]}},)"
            R"({"name":"g","type":["null","a.b.E"]}]})");
}

TEST(AvroSchema, RejectsInvalidSchemas) {
  const char* bad[] = {
      R"({"type":"record","name":"1R","fields":[]})",                        // bad name
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]})",  // unknown type
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]})",
      R"({"type":"enum","name":"E","symbols":["A","A"]})",
      R"({"type":"enum","name":"E","symbols":["A"],"default":"B"})",
      R"(["null",["int"]])",
      R"(["int","int"])",
      R"({"type":"fixed","name":"F"})",
      R"({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]})",
      R"({"type":"record","name":"R","fields":[{"name":"a","type":["null","int"],"default":1}]})",
      R"({"type":"record","name":"R","fields":[{"name":"r","type":{"type":"record","name":"R","fields":[]}}]})",
      R"({"type":"array"})",
      "not json",
  };
  for (const char* b : bad) EXPECT_FALSE(AvroSchema::Parse(b).ok()) << b;
}

TEST(AvroSchema, FieldLevelLogicalTypeIsIgnored) {
  auto s = AvroSchema::Parse(R"({"type":"record","name":"EmployeePresence","fields":[
      {"name":"at","type":"long","logicalType":"timestamp-millis"}]})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->root()->fields[0].type->type, AvroType::kLong);
  EXPECT_TRUE(s->ValidateJson(json::parse(R"({"at": 1700000000000})")).ok());
}

TEST(AvroSchema, RecursiveSchemaRoundTripsBinary) {
  auto s = AvroSchema::Parse(R"({"type":"record","name":"Node","fields":[
      {"name":"value","type":"int"},{"name":"tags","type":{"type":"map","values":"string"}},
      {"name":"score","type":"double"},{"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
      {"name":"next","type":["null","Node"],"default":null}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  json::value datum = json::parse(
      R"({"value":-3,"tags":{"x":"y"},"score":1.5,"kind":"B","next":{"value":7,"tags":{},"score":0.0,"kind":"A","next":null}})");
  auto bin = s->EncodeJson(datum);
  ASSERT_TRUE(bin.ok()) << bin.status().ToString();
  auto back = s->DecodeBinary(*bin);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(json::serialize(*back), json::serialize(datum));
  EXPECT_FALSE(s->DecodeBinary(bin->substr(0, bin->size() - 1)).ok());  // truncated
  EXPECT_FALSE(s->DecodeBinary(*bin + "x").ok());                       // trailing
  EXPECT_TRUE(s->ValidateBinary(*bin).ok());
  EXPECT_FALSE(s->ValidateBinary(bin->substr(0, bin->size() - 1)).ok());
  EXPECT_FALSE(s->ValidateBinary(*bin + "x").ok());
  auto bad = s->ValidateJson(json::parse(R"({"value":"x","tags":{},"score":1,"kind":"A"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("/value"), std::string::npos) << bad.message();
}

TEST(AvroSchema, ReferencesResolveNamedTypes) {
  std::string addr = R"({"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"city","type":"string"}]})";
  auto s = AvroSchema::Parse(R"({"type":"record","name":"Customer","namespace":"com.acme","fields":[
      {"name":"home","type":"Address"}]})", {addr});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->ValidateJson(json::parse(R"({"home":{"city":"Utrecht"}})")).ok());
}

TEST(AvroCompatibility, ReportsLocation) {
  auto w = AvroSchema::Parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})");
  auto r = AvroSchema::Parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]})");
  auto inc = CheckAvroCompatibility(*r, *w);
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].type, "READER_FIELD_MISSING_DEFAULT_VALUE");
  EXPECT_EQ(inc[0].location, "/fields/1");
}

// ValidateBinary's quick yes/no walk must agree with the decoder on every
// input: random edits of an encoded record (a byte replaced, inserted,
// deleted, the bytes cut short) are judged by both.
TEST(AvroSchema, QuickBinaryCheckAgreesWithTheDecoder) {
  auto s = AvroSchema::Parse(R"({"type":"record","name":"P","fields":[
    {"name":"id","type":"string"},{"name":"n","type":"int"},{"name":"big","type":"long"},
    {"name":"ok","type":"boolean"},{"name":"f","type":"float"},{"name":"d","type":"double"},
    {"name":"c","type":{"type":"enum","name":"C","symbols":["EUR","USD","GBP"]}},
    {"name":"note","type":["null","string"],"default":null},
    {"name":"fx","type":{"type":"fixed","name":"F","size":3}},
    {"name":"tags","type":{"type":"map","values":"bytes"}},
    {"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[
      {"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}}]})");
  ASSERT_TRUE(s.ok()) << s.status().message();
  auto datum = json::parse(R"({"id":"p-1","n":-7,"big":123456789012,"ok":true,"f":1.5,"d":2.25,"c":"USD",
    "note":{"string":"hello"},"fx":"abc","tags":{"k":"v","k2":""},
    "items":[{"sku":"a","qty":1},{"sku":"bb","qty":300}]})");
  auto encoded = s->EncodeJson(datum);
  ASSERT_TRUE(encoded.ok()) << encoded.status().message();
  ASSERT_TRUE(s->ValidateBinary(*encoded).ok());
  std::mt19937 rng(5);
  int valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string b = *encoded;
    const int edits = 1 + static_cast<int>(rng() % 2);
    for (int e = 0; e < edits && !b.empty(); ++e) {
      const size_t at = rng() % b.size();
      const char c = static_cast<char>(rng() % 4 == 0 ? 0x80 | (rng() & 0x7f) : rng() & 0xff);
      switch (rng() % 4) {
        case 0: b[at] = c; break;
        case 1: b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        case 2: b.erase(at, 1); break;
        default: b.resize(at); break;
      }
    }
    Status quick = s->ValidateBinary(b);
    ASSERT_NE(quick.code(), StatusCode::kInternal) << quick.message();  // the quick walk said no, the decoder yes
    ASSERT_EQ(quick.ok(), s->DecodeBinary(b).ok()) << quick.message();
    valid += quick.ok();
  }
  EXPECT_GT(valid, 100);  // the edits reach both verdicts
}

}  // namespace
}  // namespace meshd::schema
