// Validation cost on the produce path for ~1 KiB events: JSON Schema
// (parse + validate, and validate of an already-parsed value) and Avro
// (decode-validate of a Confluent-framed binary payload), through the same
// SchemaRegistry entry points the publish path calls. Compare items/s with
// the unvalidated produce throughput of `meshd bench produce` on the same
// machine.

#include <benchmark/benchmark.h>

#include <boost/json.hpp>
#include <simdjson.h>

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "schema/json_schema.h"
#include "schema/json_schema_node.h"
#include "schema/schema_registry.h"

namespace {

namespace json = boost::json;
using namespace meshd::schema;

const char* kJsonSchema = R"({"$schema":"http://json-schema.org/draft-07/schema#","title":"CustomerPurchase",
 "type":"object","additionalProperties":false,"required":["purchaseId","customerId","amount","currency","items"],
 "properties":{"purchaseId":{"type":"string","pattern":"^p-[0-9]+$"},"customerId":{"type":"string","minLength":1},
 "amount":{"type":"number","minimum":0},"currency":{"enum":["EUR","USD","GBP"]},"note":{"type":"string","maxLength":400},
 "items":{"type":"array","maxItems":50,"items":{"type":"object","required":["sku","qty","price"],
  "properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1},"price":{"type":"number"}}}}}})";

const char* kAvroSchema = R"({"type":"record","name":"CustomerPurchase","namespace":"com.acme","fields":[
 {"name":"purchaseId","type":"string"},{"name":"customerId","type":"string"},{"name":"amount","type":"double"},
 {"name":"currency","type":{"type":"enum","name":"Currency","symbols":["EUR","USD","GBP"]}},
 {"name":"note","type":["null","string"],"default":null},
 {"name":"items","type":{"type":"array","items":{"type":"record","name":"Item","fields":[
   {"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"price","type":"double"}]}}}]})";

json::value Event() {
  json::array items;
  for (int i = 0; i < 14; ++i) {
    items.push_back(json::object{{"sku", "SKU-000" + std::to_string(i)}, {"qty", i + 1}, {"price", 9.99 + i}});
  }
  return json::object{{"purchaseId", "p-123456"}, {"customerId", "c-42"}, {"amount", 123.45},
                      {"currency", "EUR"}, {"note", std::string(200, 'n')}, {"items", items}};
}

std::string Frame(int32_t id, const std::string& body) {
  std::string f(1, '\0');
  for (int s = 24; s >= 0; s -= 8) f.push_back(static_cast<char>((id >> s) & 0xff));
  return f + body;
}

struct Fixture {
  std::unique_ptr<SchemaRegistry> reg = std::move(*SchemaRegistry::Open(nullptr));
  int32_t json_id = reg->Register("orders-value", SchemaInput{kJsonSchema, SchemaType::kJson, {}, {}, {}}).value().first;
  int32_t avro_id = reg->Register("pos-value", SchemaInput{kAvroSchema, SchemaType::kAvro, {}, {}, {}}).value().first;
  TopicSchemaPolicy strict{ValidationMode::kStrict, SubjectStrategy::kTopicName};
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_JsonSchemaValidateParsed(benchmark::State& state) {
  json::value ev = Event();
  for (auto _ : state) {
    benchmark::DoNotOptimize(F().reg->ValidateForTopic("orders", F().strict, "", ev).ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(json::serialize(ev).size()) + " B event");
}
BENCHMARK(BM_JsonSchemaValidateParsed);

void BM_JsonSchemaFramedParseAndValidate(benchmark::State& state) {
  std::string payload = Frame(F().json_id, json::serialize(Event()));
  for (auto _ : state) {
    benchmark::DoNotOptimize(F().reg->ValidateFramed("orders", false, F().strict, payload).ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload.size()));
}
BENCHMARK(BM_JsonSchemaFramedParseAndValidate);

// The yes/no pass over simdjson alone (what ValidateFramed runs for a valid
// record), without the registry's cache lookup and counters.
void BM_JsonSchemaIsValidText(benchmark::State& state) {
  auto v = JsonSchemaValidator::Compile(std::string_view(kJsonSchema), {});
  std::string body = json::serialize(Event());
  if (!v.ok() || !v->IsValidText(body)) {
    state.SkipWithError("the event is not valid on the fast path");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(v->IsValidText(body));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonSchemaIsValidText);

// The event of `meshd bench kafka --value-schema json` (src/cli/bench_schema.cc):
// 8 items and a long note (846 bytes here, under the schema's maxLength).
std::string ProduceEventBody() {
  json::value ev = Event();
  ev.as_object()["items"].as_array().resize(8);
  ev.as_object()["note"] = std::string(390, 'n');
  return json::serialize(ev);
}

// Times one yes/no pass of `schema_text` over `body`: the one-pass check
// (json_schema_stream.cc) or IsValidText.
void MeasurePass(benchmark::State& state, std::string_view schema_text, const std::string& body, bool one_pass) {
  auto v = JsonSchemaValidator::Compile(schema_text, {});
  if (!v.ok() || !(one_pass ? v->IsValidTextInOnePass(body) : v->IsValidText(body))) {
    state.SkipWithError("the event is not accepted by this pass");
    return;
  }
  if (!one_pass && v->Streamable()) {
    state.SkipWithError("the schema streams: IsValidText would not reach the DOM pass");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(one_pass ? v->IsValidTextInOnePass(body) : v->IsValidText(body));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.SetLabel(std::to_string(body.size()) + " B");
}

// The one-pass check alone, and the simdjson DOM pass alone: the same
// schema plus a "minProperties", which the one pass does not implement, so
// IsValidText goes straight to the DOM pass.
std::string WithMinProperties() {
  std::string schema = kJsonSchema;
  schema.insert(schema.size() - 1, R"(,"minProperties":1)");
  return schema;
}
// The one pass over an event with state.range(0) items, with the record
// windows off (range(1) = 0), on AVX2 (1) or on AVX-512 (2), where the CPU
// has it: the slope over the item count is the cost of one item of an
// array of records.
void BM_JsonSchemaOnePassItems(benchmark::State& state) {
  json::value ev = Event();
  ev.as_object()["items"].as_array().resize(static_cast<size_t>(state.range(0)));
  for (auto& item : ev.as_object()["items"].as_array()) {
    if (item.is_null()) item = json::object{{"sku", "SKU-0001"}, {"qty", 2}, {"price", 10.99}};
  }
  if (meshd::schema::detail::SetRecordWindowsForTesting(static_cast<int>(state.range(1))) != state.range(1)) {
    state.SkipWithError("this CPU does not have that SIMD");
  } else {
    MeasurePass(state, kJsonSchema, json::serialize(ev), true);
  }
  meshd::schema::detail::SetRecordWindowsForTesting(2);
}
BENCHMARK(BM_JsonSchemaOnePassItems)->ArgsProduct({{0, 8, 40}, {0, 1, 2}});
void BM_JsonSchemaOnePass(benchmark::State& state) { MeasurePass(state, kJsonSchema, json::serialize(Event()), true); }
BENCHMARK(BM_JsonSchemaOnePass);
void BM_JsonSchemaDomPass(benchmark::State& state) {
  MeasurePass(state, WithMinProperties(), json::serialize(Event()), false);
}
BENCHMARK(BM_JsonSchemaDomPass);
void BM_JsonSchemaOnePassProduceEvent(benchmark::State& state) {
  MeasurePass(state, kJsonSchema, ProduceEventBody(), true);
}
BENCHMARK(BM_JsonSchemaOnePassProduceEvent);
void BM_JsonSchemaDomPassProduceEvent(benchmark::State& state) {
  MeasurePass(state, WithMinProperties(), ProduceEventBody(), false);
}
BENCHMARK(BM_JsonSchemaDomPassProduceEvent);
// The one pass over a batch as the broker sees it: `state.range(0)`
// distinct produce events laid end to end (1,024 of them are ~0.9 MB, more
// than this machine's 512 KiB L2), each validated once per iteration. The
// gap to BM_JsonSchemaOnePassProduceEvent, whose event stays in L1, is what
// a produce request's cold bytes add.
void BM_JsonSchemaOnePassBatch(benchmark::State& state) {
  auto v = JsonSchemaValidator::Compile(std::string_view(kJsonSchema), {});
  const std::string base = ProduceEventBody();
  std::string batch;
  std::vector<std::pair<size_t, size_t>> records;
  for (int64_t i = 0; i < state.range(0); ++i) {
    std::string body = base;
    const std::string id = std::to_string(100000 + i);
    body.replace(body.find("123456"), 6, id.substr(0, 6));
    records.emplace_back(batch.size(), body.size());
    batch += body;
  }
  for (const auto& [off, len] : records) {
    if (!v->IsValidTextInOnePass(std::string_view(batch).substr(off, len))) {
      state.SkipWithError("a batch event is not accepted");
      return;
    }
  }
  for (auto _ : state) {
    for (const auto& [off, len] : records) {
      benchmark::DoNotOptimize(v->IsValidTextInOnePass(std::string_view(batch).substr(off, len)));
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch.size()));
}
BENCHMARK(BM_JsonSchemaOnePassBatch)->Arg(16)->Arg(1024)->Arg(8192);
// A produce request's bytes as the broker meets them: just written (memcpy,
// as the kernel's recv copy) into the request buffer, by this thread (Arg 0)
// or by a thread on another core (Arg 1), as when the validation helper
// takes a chunk of a request that the I/O thread read. The copy is not
// timed; 1,024 events (~0.9 MB, more than one core's L2).
void BM_JsonSchemaOnePassFreshBatch(benchmark::State& state) {
  auto v = JsonSchemaValidator::Compile(std::string_view(kJsonSchema), {});
  const std::string base = ProduceEventBody();
  std::string source;
  for (int i = 0; i < 1024; ++i) source += base;
  std::string dest(source.size(), '\0');
  const bool other_core = state.range(0) == 1;
  const unsigned cores = std::thread::hardware_concurrency();
  if (other_core && cores < 2) {
    state.SkipWithError("needs two cores");
    return;
  }
  const int this_cpu = sched_getcpu();
  for (auto _ : state) {
    state.PauseTiming();
    if (other_core) {
      std::thread writer([&] {
        cpu_set_t others;
        CPU_ZERO(&others);
        for (unsigned c = 0; c < cores; ++c) {
          if (static_cast<int>(c) != this_cpu) CPU_SET(c, &others);
        }
        pthread_setaffinity_np(pthread_self(), sizeof(others), &others);
        std::memcpy(dest.data(), source.data(), source.size());
      });
      writer.join();
    } else {
      std::memcpy(dest.data(), source.data(), source.size());
    }
    state.ResumeTiming();
    for (size_t off = 0; off < dest.size(); off += base.size()) {
      benchmark::DoNotOptimize(v->IsValidTextInOnePass(std::string_view(dest).substr(off, base.size())));
    }
  }
  state.SetItemsProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_JsonSchemaOnePassFreshBatch)->Arg(0)->Arg(1);
// The baseline for the one pass: simdjson (Debian's 3.0.1, runtime-chosen
// SIMD kernel) parsing the same event into its DOM, with no schema at all.
// The one pass checks grammar and schema in less time than this parse.
void BM_SimdjsonDomParseProduceEvent(benchmark::State& state) {
  const simdjson::padded_string body(ProduceEventBody());
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    benchmark::DoNotOptimize(parser.parse(body).get(doc));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
  state.SetLabel(std::to_string(body.size()) + " B");
}
BENCHMARK(BM_SimdjsonDomParseProduceEvent);
// The same event against the schema `true`: the grammar scan alone.
void BM_JsonOnePassGrammarOnly(benchmark::State& state) { MeasurePass(state, "true", ProduceEventBody(), true); }
BENCHMARK(BM_JsonOnePassGrammarOnly);

// The boost::json reference pass over text: parse (default allocator) + IsValid.
void BM_JsonSchemaBoostParseAndIsValid(benchmark::State& state) {
  auto v = JsonSchemaValidator::Compile(std::string_view(kJsonSchema), {});
  std::string body = json::serialize(Event());
  for (auto _ : state) benchmark::DoNotOptimize(v->IsValid(json::parse(body)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonSchemaBoostParseAndIsValid);

void BM_JsonParseOnly(benchmark::State& state) {
  std::string body = json::serialize(Event());
  for (auto _ : state) benchmark::DoNotOptimize(json::parse(body));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonParseOnly);

void BM_AvroFramedDecodeValidate(benchmark::State& state) {
  auto schema = AvroSchema::Parse(kAvroSchema);
  json::value ev = Event();
  ev.as_object()["note"] = json::object{{"string", std::string(200, 'n')}};
  std::string payload = Frame(F().avro_id, schema->EncodeJson(ev).value());
  for (auto _ : state) {
    benchmark::DoNotOptimize(F().reg->ValidateFramed("pos", false, F().strict, payload).ok());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(payload.size()));
}
BENCHMARK(BM_AvroFramedDecodeValidate);

}  // namespace

BENCHMARK_MAIN();
