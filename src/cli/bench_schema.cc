#include "cli/bench_schema.h"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>

#include "schema/registry_record_validator.h"
#include "schema/schema_registry.h"

namespace meshd::cli {
namespace {

namespace json = boost::json;

const char* kJsonSchema = R"({"$schema":"http://json-schema.org/draft-07/schema#","title":"CustomerPurchase",
 "type":"object","additionalProperties":false,"required":["purchaseId","customerId","amount","currency","items"],
 "properties":{"purchaseId":{"type":"string","pattern":"^p-[0-9]+$"},"customerId":{"type":"string","minLength":1},
 "amount":{"type":"number","minimum":0},"currency":{"enum":["EUR","USD","GBP"]},"note":{"type":"string"},
 "items":{"type":"array","maxItems":50,"items":{"type":"object","required":["sku","qty","price"],
  "properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1},"price":{"type":"number"}}}}}})";

const char* kAvroSchema = R"({"type":"record","name":"CustomerPurchase","namespace":"com.acme","fields":[
 {"name":"purchaseId","type":"string"},{"name":"customerId","type":"string"},{"name":"amount","type":"double"},
 {"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},
 {"name":"note","type":["null","string"],"default":null},
 {"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
   {"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"price","type":"double"}]}}}]})";

json::object Event(size_t note_length, bool avro) {
  json::array items;
  for (int i = 0; i < 8; ++i) {
    items.push_back(json::object{{"sku", "SKU-000" + std::to_string(i)}, {"qty", i + 1}, {"price", 9.99 + i}});
  }
  json::value note = json::string(std::string(note_length, 'n'));
  if (avro) note = json::object{{"string", note}};  // Avro JSON encoding of the union branch
  return json::object{{"purchaseId", "p-123456"}, {"customerId", "c-42"}, {"amount", 123.45},
                      {"currency", "EUR"}, {"note", note}, {"items", items}};
}

}  // namespace

Result<SchemaBench> PrepareSchemaBench(const std::string& kind, const std::string& topic,
                                       int64_t size) {
  if (kind != "json" && kind != "avro") {
    return Status::InvalidArgument("--value-schema must be none, json or avro, got '" + kind + "'");
  }
  const bool avro = kind == "avro";
  auto opened = schema::SchemaRegistry::Open(nullptr);
  if (!opened.ok()) return opened.status();
  SchemaBench b;
  b.registry = std::shared_ptr<schema::SchemaRegistry>(std::move(opened).value());
  schema::SchemaInput in{avro ? kAvroSchema : kJsonSchema,
                         avro ? schema::SchemaType::kAvro : schema::SchemaType::kJson, {}, {}, {}};
  auto reg = b.registry->Register(topic + "-value", in);
  if (!reg.ok()) return Status::Internal("registering the bench schema: " + reg.error().message);
  const int32_t id = reg->first;
  std::optional<schema::AvroSchema> avro_schema;
  if (avro) {
    auto parsed = schema::AvroSchema::Parse(kAvroSchema);
    if (!parsed.ok()) return parsed.status();
    avro_schema = std::move(parsed).value();
  }
  auto body = [&](size_t note) -> Result<std::string> {
    json::object ev = Event(note, avro);
    if (!avro) return json::serialize(ev);
    return avro_schema->EncodeJson(ev);
  };
  // Pad the note so that the framed payload is `size` bytes (the Avro
  // string length prefix may grow by a byte as the note grows: iterate).
  int64_t note = 0;
  std::string text;
  for (int i = 0; i < 8; ++i) {
    auto t = body(static_cast<size_t>(note));
    if (!t.ok()) return t.status();
    text = std::move(t).value();
    int64_t framed = static_cast<int64_t>(text.size()) + 5;
    if (framed == size || (framed > size && note == 0)) break;
    note = std::max<int64_t>(0, note + (size - framed));
  }
  b.payload.assign(1, '\0');
  for (int s = 24; s >= 0; s -= 8) b.payload.push_back(static_cast<char>((id >> s) & 0xff));
  b.payload += text;
  schema::TopicSchemaPolicy strict{schema::ValidationMode::kStrict, schema::SubjectStrategy::kTopicName};
  Status check = b.registry->ValidateFramed(topic, false, strict, b.payload);
  if (!check.ok()) return Status::Internal("the bench payload does not validate: " + check.message());
  b.validator = std::make_shared<schema::RegistryRecordValidator>(*b.registry);  // b keeps the registry alive
  return b;
}

}  // namespace meshd::cli
