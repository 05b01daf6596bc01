#pragma once
// The produce path's quick yes/no checks against their references, on
// arbitrary bytes (fuzz/json_schema_fuzz.cc, and the corpus replay in
// src/schema/tests/json_schema_fast_test.cc). The first byte picks the check:
//   0: the one-pass JSON Schema check (json_schema_stream.cc) and then
//      IsValidText with an event schema, 1: the same with the schema `true`
//      (grammar alone). Neither may accept what boost::json + IsValid rejects,
//      and the one pass must give the same verdict with its record windows
//      on AVX2 and off as with the CPU's best SIMD.
//   2: Avro ValidateBinary's Status-free walk: its verdict must equal the
//      decoder's (DecodeBinary), and it must never report a disagreement.

#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "schema/avro_schema.h"
#include "schema/json_schema.h"
#include "schema/json_schema_node.h"

namespace meshd::fuzz {

inline const char* kFuzzEventSchema = R"({"type":"object","additionalProperties":false,
 "required":["purchaseId","customerId","amount","currency","items"],
 "properties":{"purchaseId":{"type":"string","pattern":"^p-[0-9]+$"},"customerId":{"type":"string","minLength":1},
 "amount":{"type":"number","minimum":0,"multipleOf":0.01},"currency":{"enum":["EUR","USD","GBP"]},
 "tax":{"type":"number","minimum":0},"note":{"type":"string","maxLength":40},"tags":{"type":"object","additionalProperties":{"type":"integer"}},
 "items":{"type":"array","maxItems":5,"items":{"type":"object","required":["sku","qty"],
  "properties":{"sku":{"type":"string"},"qty":{"type":"integer","minimum":1,"maximum":1e3},"price":{"type":"number"}}}}}})";

inline const char* kFuzzAvroSchema = R"({"type":"record","name":"P","fields":[
 {"name":"id","type":"string"},{"name":"n","type":"int"},{"name":"big","type":"long"},{"name":"ok","type":"boolean"},
 {"name":"d","type":"double"},{"name":"c","type":{"type":"enum","name":"C","symbols":["EUR","USD"]}},
 {"name":"note","type":["null","string"]},{"name":"fx","type":{"type":"fixed","name":"F","size":3}},
 {"name":"tags","type":{"type":"map","values":"bytes"}},
 {"name":"items","type":{"type":"array","items":{"type":"record","name":"I","fields":[{"name":"q","type":"int"}]}}}]})";

// True when every check holds for this input.
inline bool SchemaQuickChecksHold(const uint8_t* data, size_t size) {
  struct Checks {
    schema::JsonSchemaValidator event = *schema::JsonSchemaValidator::Compile(std::string_view(kFuzzEventSchema), {});
    schema::JsonSchemaValidator any = *schema::JsonSchemaValidator::Compile(std::string_view("true"), {});
    schema::AvroSchema avro = *schema::AvroSchema::Parse(kFuzzAvroSchema);
  };
  static const Checks checks;
  if (size == 0) return true;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 3 != 2) {
    const schema::JsonSchemaValidator& v = data[0] % 3 == 0 ? checks.event : checks.any;
    const bool one = v.IsValidTextInOnePass(in);
    // The same verdict with every lower SIMD of the record windows (the
    // best is back in use after the last call).
    for (int simd : {1, 0, 2}) {
      schema::detail::SetRecordWindowsForTesting(simd);
      if (simd != 2 && v.IsValidTextInOnePass(in) != one) {
        schema::detail::SetRecordWindowsForTesting(2);
        return false;
      }
    }
    if (!one && !v.IsValidText(in)) return true;
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(in, ec);
    return !ec && v.IsValid(parsed);
  }
  Status quick = checks.avro.ValidateBinary(in);
  return quick.code() != StatusCode::kInternal && quick.ok() == checks.avro.DecodeBinary(in).ok();
}

}  // namespace meshd::fuzz
