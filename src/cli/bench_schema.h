#pragma once
// Schema enforcement for `meshd bench kafka --value-schema json|avro`: an
// in-memory schema registry with one realistic schema (CustomerPurchase:
// strings with a pattern, an enum, a nested array of records) registered
// under `<topic>-value`, a Kafka RecordValidator backed by it (the same
// adapter `meshd serve` installs), and one valid Confluent-framed payload of
// the requested size. The topic's `schema.validation` decides whether the
// broker validates (strict/warn) or not (none), so runs that differ only in
// that config measure the validation cost on the produce path.
//
// Not thread-safe to prepare; the validator is thread-safe.

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "kafka/server/record_validator.h"

namespace meshd::schema {
class SchemaRegistry;
}

namespace meshd::cli {

struct SchemaBench {
  std::shared_ptr<schema::SchemaRegistry> registry;
  std::shared_ptr<kafka::RecordValidator> validator;
  std::string payload;  // 0x00 + schema id + JSON text or Avro binary
};

// `kind` is "json" or "avro"; the payload is exactly `size` bytes when
// `size` is at least the smallest valid event (about 330 bytes), else that.
Result<SchemaBench> PrepareSchemaBench(const std::string& kind, const std::string& topic,
                                       int64_t size);

}  // namespace meshd::cli
