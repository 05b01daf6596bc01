#pragma once
// ValidityChecker: one output port's FieldRules compiled once into a fast
// per-event check. Built when the catalog changes (never per event): field
// paths are split, regexes compiled once (and skipped entirely when the
// pattern is a plain literal or ^literal$), enum values put in a hash set.
//
// Payloads: validity rules apply to JSON payloads. A Confluent-framed value
// (magic byte 0 + 4-byte schema id) has its 5-byte frame skipped; when the
// body is not JSON (Avro), the optional `decode_framed` hook turns it into
// JSON text (the app wires it to the schema registry); without the hook the
// event is reported as unchecked and accepted.
//
// Thread-safety: immutable after Compile; Check may run on any thread
// concurrently (each thread uses its own simdjson parser).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/result.h"
#include "catalog/product_model.h"

namespace meshd::governance {

// Turns a Confluent-framed non-JSON value (Avro) into JSON text:
// (schema id, body after the 5-byte frame) -> JSON.
using FramedDecoder = std::function<Result<std::string>(int32_t schema_id, std::string_view body)>;

// The outcome of checking one event.
struct Validity {
  enum class Kind { kValid, kInvalid, kUnchecked };
  Kind kind = Kind::kValid;
  std::string rule;    // "<field>.<check>", e.g. "amount.minimum", "payload.json"
  std::string reason;  // human-readable: what failed and the offending value
  bool valid() const { return kind != Kind::kInvalid; }
};

class ValidityChecker {
 public:
  // Fails when a rule cannot be compiled (bad regex, unknown logical type);
  // the message names the field.
  static Result<std::shared_ptr<const ValidityChecker>> Compile(
      const std::vector<catalog::FieldRule>& rules, FramedDecoder decode_framed = nullptr);

  // Checks one record value / event payload (see the header comment).
  Validity Check(std::string_view payload) const;
  // Checks an already-unframed JSON document.
  Validity CheckJson(std::string_view json) const;

  size_t rule_count() const { return rules_.size(); }

  enum class Type { kAny, kString, kNumber, kInteger, kBoolean, kObject, kArray, kDate, kTimestamp };

  struct CompiledRule {
    std::string field;
    std::vector<std::string> path;
    bool required = false;
    bool not_null = false;
    Type type = Type::kAny;
    std::optional<double> minimum, maximum;
    std::optional<int64_t> min_length, max_length;
    // Pattern: a literal fast path (exact or substring) before std::regex.
    std::optional<std::string> pattern_text;
    enum class PatternKind { kNone, kExact, kContains, kRegex } pattern_kind = PatternKind::kNone;
    std::string literal;
    std::optional<std::regex> regex;
    std::unordered_set<std::string> allowed;  // raw strings and JSON text of scalars
  };

 private:
  ValidityChecker() = default;
  std::vector<CompiledRule> rules_;
  FramedDecoder decode_framed_;
};

}  // namespace meshd::governance
