#pragma once
// Schema compatibility: Avro reader/writer resolution (Avro's
// SchemaCompatibility rules), Confluent's JSON Schema diff, and the seven
// compatibility levels applied over a subject's live versions.
//
// Pure functions; thread-safe.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/avro_schema.h"

namespace meshd::schema {

// One reason a pair is incompatible. `location` is a JSON pointer into the
// schema that was checked (Avro: reader schema, as Avro reports it; JSON
// Schema: the new schema).
struct Incompatibility {
  std::string type;      // READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_NARROWED, ...
  std::string location;  // "/fields/1/type"
  std::string message;   // what broke, in words
  std::string ToString() const;  // "TYPE at LOCATION: MESSAGE"
};

// Can `reader` read data written with `writer`? Empty = compatible.
std::vector<Incompatibility> CheckAvroCompatibility(const AvroSchema& reader,
                                                    const AvroSchema& writer);

// Confluent's JSON Schema diff: is every document valid under `original`
// still valid under `update` (STRICT policy)? Empty = compatible.
std::vector<Incompatibility> CheckJsonSchemaCompatibility(const boost::json::value& original,
                                                          const boost::json::value& update);

enum class CompatibilityLevel {
  kNone, kBackward, kBackwardTransitive, kForward, kForwardTransitive, kFull, kFullTransitive,
};
std::optional<CompatibilityLevel> ParseCompatibilityLevel(std::string_view s);
std::string_view CompatibilityLevelName(CompatibilityLevel level);

enum class SchemaType { kAvro, kJson, kProtobuf };
std::optional<SchemaType> ParseSchemaType(std::string_view s);
std::string_view SchemaTypeName(SchemaType t);

// A parsed schema of either type, as compared by the checker.
struct ParsedSchema {
  SchemaType type = SchemaType::kAvro;
  std::optional<AvroSchema> avro;
  boost::json::value json;  // the JSON Schema document (JSON type)
};

// Checks `candidate` against `previous` (oldest first, live versions only)
// under `level`. Messages are prefixed with the version they concern.
std::vector<std::string> CheckCompatibility(CompatibilityLevel level,
                                            const ParsedSchema& candidate,
                                            const std::vector<const ParsedSchema*>& previous);

}  // namespace meshd::schema
