#pragma once
// Avro schemas: parsing with full validation (names, namespaces, named-type
// references, recursion, defaults), Parsing Canonical Form, the CRC-64-AVRO
// (Rabin) fingerprint, and a binary codec used to validate payloads.
//
// Field-level attributes other than name/type/default/aliases/order/doc
// (e.g. a field-level "logicalType") are ignored, as Avro does. A
// type-level logicalType is kept as an annotation and never changes the
// verdicts (Avro falls back to the underlying type for unknown ones).
//
// An AvroSchema is immutable after Parse and safe to share between threads.

#include <boost/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace meshd::schema {

enum class AvroType {
  kNull, kBoolean, kInt, kLong, kFloat, kDouble, kBytes, kString,
  kRecord, kEnum, kArray, kMap, kUnion, kFixed,
};
std::string_view AvroTypeName(AvroType t);

struct AvroNode;

struct AvroField {
  std::string name;
  std::vector<std::string> aliases;
  const AvroNode* type = nullptr;
  std::optional<boost::json::value> default_value;
};

// One node of a parsed schema. Named types appear once; references point
// back at the same node (so recursive schemas form cycles of raw pointers,
// owned by the AvroSchema's arena).
struct AvroNode {
  AvroType type = AvroType::kNull;
  std::string full_name;             // record, enum, fixed
  std::vector<std::string> aliases;  // full names
  std::vector<AvroField> fields;     // record
  std::vector<std::string> symbols;  // enum
  std::optional<std::string> enum_default;
  int64_t size = 0;                     // fixed
  const AvroNode* items = nullptr;      // array items, map values
  std::vector<const AvroNode*> branches;  // union
  std::string logical_type;             // annotation only

  bool named() const {
    return type == AvroType::kRecord || type == AvroType::kEnum || type == AvroType::kFixed;
  }
  // Unqualified name ("Foo" for "com.acme.Foo").
  std::string simple_name() const;
};

class AvroSchema {
 public:
  // Parses `text`. `references` are schema texts whose named types `text`
  // may use (Confluent schema references), parsed first in order.
  static Result<AvroSchema> Parse(std::string_view text,
                                  const std::vector<std::string>& references = {});

  const AvroNode* root() const { return root_; }
  // Parsing Canonical Form (Avro spec, "Parsing Canonical Form for Schemas").
  std::string CanonicalForm() const;
  // CRC-64-AVRO of the canonical form.
  uint64_t Fingerprint() const;
  // Full name of the root if it is a named type, else the type name.
  std::string RootName() const;

  // Validates a JSON datum (plain JSON, or Avro's JSON encoding with
  // {"type": value} union wrappers). Errors name the JSON pointer.
  Status ValidateJson(const boost::json::value& datum) const;
  // Encodes a JSON datum as Avro binary.
  Result<std::string> EncodeJson(const boost::json::value& datum) const;
  // Decodes Avro binary into a JSON value (unions unwrapped); fails on
  // truncated, trailing or out-of-range data.
  Result<boost::json::value> DecodeBinary(std::string_view bytes) const;
  // As DecodeBinary without building the value (the produce-path check).
  Status ValidateBinary(std::string_view bytes) const;

  struct Arena;  // owns the nodes; public only for the parser in the .cc

 private:
  std::shared_ptr<Arena> arena_;
  const AvroNode* root_ = nullptr;
};

// CRC-64-AVRO (Rabin fingerprint) of arbitrary bytes.
uint64_t AvroFingerprint64(std::string_view bytes);

}  // namespace meshd::schema
