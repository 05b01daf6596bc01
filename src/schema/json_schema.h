#pragma once
// JsonSchemaValidator: a JSON Schema draft-07 validator (draft-04 and -06
// documents accepted: boolean exclusiveMaximum/Minimum, "id" is not used),
// compiled once into a graph of nodes so that validating an instance does
// no keyword lookups or URI work.
//
// $ref resolution follows draft-07: $id changes the base URI of its subtree
// (ignored next to $ref, whose siblings are ignored), plain-name fragments
// ("#foo") and JSON-pointer fragments, and remote documents fetched through
// an optional loader (the registry supplies referenced schemas this way).
// "format" is an annotation (not asserted), as draft-07 allows.
//
// Thread-safety: immutable after Compile; Validate may run concurrently.

#include <boost/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace meshd::schema {

class JsonSchemaValidator {
 public:
  // Returns the text of a remote document ("http://host/x.json"), or nullopt.
  using RemoteLoader = std::function<std::optional<std::string>(const std::string& uri)>;
  struct Options {
    RemoteLoader loader;
    std::string base_uri;  // retrieval URI of the root document, if any
  };

  static Result<JsonSchemaValidator> Compile(const boost::json::value& schema, Options options);
  static Result<JsonSchemaValidator> Compile(const boost::json::value& schema);
  static Result<JsonSchemaValidator> Compile(std::string_view text, Options options);

  // Fast yes/no.
  bool IsValid(const boost::json::value& instance) const;
  // Yes/no straight from JSON text, for the produce path. When the schema
  // is Streamable(), one pass over the text checks grammar and schema
  // together (json_schema_stream.cc); otherwise, or when that pass does not
  // accept, it parses with simdjson (DOM, thread-local parser) and runs the
  // same compiled schema over it, 2.5-3x faster than boost::json parse +
  // IsValid. True only
  // when the text is JSON and certainly valid; false means "invalid, or not
  // decidable exactly here" (simdjson rejects the text, an object has
  // duplicate keys, an object has more than 64 members): the caller parses with
  // boost::json and calls Validate, whose verdict is the reference.
  // See json_schema_dom.cc.
  bool IsValidText(std::string_view json_text) const;
  // Whether the one-pass check applies: every keyword of the schema is one
  // json_schema_stream.cc implements (plain records, arrays, string and
  // number constraints, $ref).
  bool Streamable() const;
  // The one-pass check alone (false when not Streamable()), for tests and
  // benchmarks: same contract as IsValidText.
  bool IsValidTextInOnePass(std::string_view json_text) const;
  // On failure, the message names the instance location (JSON pointer) and
  // the keyword that failed.
  Status Validate(const boost::json::value& instance) const;

  struct Impl;

 private:
  std::shared_ptr<const Impl> impl_;
};

// JSON equality as JSON Schema defines it (1 == 1.0; object key order ignored).
bool JsonEqual(const boost::json::value& a, const boost::json::value& b);

}  // namespace meshd::schema
