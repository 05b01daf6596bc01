#pragma once
// Internal to src/schema: the compiled form of a JSON Schema, shared by the
// two validation passes (json_schema.cc: boost::json, explains failures;
// json_schema_dom.cc: simdjson DOM, yes/no for the produce path).

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "schema/schema_pattern.h"

namespace meshd::schema::detail {

namespace json = boost::json;

enum TypeBit : uint8_t {
  kNullBit = 1, kBoolBit = 2, kObjectBit = 4, kArrayBit = 8, kNumberBit = 16, kStringBit = 32,
  kIntegerBit = 64,
};

// Which keyword groups a node has, so the simdjson pass skips absent ones
// with one test (set at the end of CompileNode).
enum KeywordGroup : uint32_t {
  kNumberKeywords = 1, kArrayKeywords = 2, kObjectKeywords = 4, kCombinators = 8,
  kStringKeywords = 16,  // enum, pattern, minLength or maxLength: a string's content is read
};

struct Node {
  int bool_schema = -1;  // 0/1 for false/true schemas
  uint32_t fast_keywords = 0;  // KeywordGroup bits
  // No $ref, const, combinator or non-string enum: a scalar instance is
  // judged by FastScalar (json_schema_dom.cc) alone.
  bool scalar_only = false;
  const Node* ref = nullptr;
  bool has_ref = false;
  // The TypeBits an instance may have: `types`, or all of them when the
  // schema has no "type" keyword, narrowed to strings by an enum of strings
  // (one test in the one-pass check).
  uint8_t accepts = 0x7F;
  // Neither a boolean schema nor a $ref: the one-pass check takes its
  // member values straight from the node (one test instead of two).
  bool plain = false;
  uint8_t types = 0;
  const json::array* enum_values = nullptr;
  // The yes/no pass over simdjson compares strings directly when every
  // enum value is a string (the common case: a code list).
  std::vector<std::string> enum_strings;
  bool enum_all_strings = false;
  const json::value* const_value = nullptr;
  std::optional<double> multiple_of, maximum, exclusive_maximum, minimum, exclusive_minimum;
  // For the yes/no passes (NumberKeywordsHold): minimum and maximum as two
  // plain doubles (-/+infinity when absent), and whether an exclusive
  // bound or multipleOf is left to check (NumberRestHold). Set with the
  // fast keyword flags.
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  // The same bounds for an integer literal of at most 15 digits: ceil(lower)
  // and floor(upper), clamped to +/-2^62 (no such literal reaches those).
  // The one pass's record windows compare the literal's digits with them,
  // with no conversion to double.
  int64_t int_lower = -(int64_t{1} << 62);
  int64_t int_upper = int64_t{1} << 62;
  bool number_rest = false;
  // Every number >= 0 meets the numeric keywords (`"minimum":0`, the usual
  // bound of an amount): only minimum <= 0, nothing else. A literal without
  // '-' is then judged by its grammar alone, with no value computed.
  bool nonnegative_holds = false;
  std::optional<uint64_t> max_length, min_length, max_items, min_items, max_properties,
      min_properties;
  std::optional<SchemaPattern> pattern;
  bool unique_items = false;
  const Node* items = nullptr;
  std::vector<const Node*> tuple_items;
  bool items_is_tuple = false;
  const Node* additional_items = nullptr;
  const Node* contains = nullptr;
  std::vector<std::pair<std::string, const Node*>> properties;
  // Per property: its first 8 bytes as a little-endian word (zero padded),
  // so the simdjson pass matches a member name with one compare.
  std::vector<uint64_t> property_heads;
  // Per property: `"name":` as it appears in compact JSON, as 16 bytes
  // with a mask of the bytes that count, one bit per byte (len 0 when longer
  // than 16 bytes or when the name has a character JSON must escape). The
  // one-pass check compares the member it expects next with one 16-byte
  // vector compare and steps over it by a length known in advance, instead
  // of scanning the name.
  struct QuotedName {
    // Unset (len 0), it asks for a first byte 0x00, which never starts a
    // member of valid JSON: the compare fails with no separate length test
    // (and on invalid text a false match only leads to a rejection).
    alignas(16) unsigned char bytes[16] = {};
    uint32_t mask = 1;  // bit i: byte i must equal bytes[i]
    uint32_t len = 0;
  };
  std::vector<QuotedName> quoted_names;
  // Per property, what a run of members in schema order needs of it in one
  // place (one line): its schema, its bit in the required/seen masks, and
  // the next property (wrapping to the first) with `,"name":` of that next
  // one, so that the separator and the next member are one compare.
  struct MemberStep {
    const Node* node = nullptr;
    uint64_t bit = 0;
    QuotedName next_comma_quoted;
    const MemberStep* next = nullptr;  // the next property's step
    // Flat records only: what a value of this property is checked by
    // without the general dispatch (kQuickString: a plain string schema
    // with no string keyword, so the scan alone decides a string;
    // kQuickNumber: a plain number schema with no numeric keyword, so the
    // grammar alone decides a number; kQuickBounds: a plain schema that
    // accepts integers and has no numeric keyword but minimum and maximum,
    // so an integer literal's digits and Node::lower/upper decide it).
    // Other values take the general path.
    uint8_t quick = 0;
  };
  static constexpr uint8_t kQuickString = 1, kQuickNumber = 2, kQuickBounds = 4;
  std::vector<MemberStep> member_steps;
  // Flat records only: `},{"first":`, one record's end and the next one's
  // start in an array of them (unset when it does not fit).
  QuotedName next_record_quoted;
  size_t property_count = 0;  // properties.size(), without a division
  // A flat record schema: 1-64 properties whose compact names fit the
  // 16-byte compares, each a plain schema for scalars only (no object or
  // array instance can be valid there), required names among them. The one
  // pass then first tries the shape events nearly always have, every
  // property once in schema order, in a loop that keeps nothing else
  // (json_schema_stream.cc, FlatRecord).
  bool flat_record = false;
  std::vector<std::pair<SchemaPattern, const Node*>> pattern_properties;
  const Node* additional_properties = nullptr;
  std::vector<std::string> required;
  // For the yes/no pass: when every required name is also one of (at most
  // 64) `properties`, one walk over the instance's members matches them to
  // properties and marks the required ones seen, instead of a member lookup
  // per property and per required name.
  std::vector<int> required_index;  // per required name: its index in properties
  bool required_all_indexed = false;
  // The same as one bit per property index, when required_all_indexed.
  uint64_t required_mask = 0;
  std::vector<std::pair<std::string, std::vector<std::string>>> dep_required;
  std::vector<std::pair<std::string, const Node*>> dep_schemas;
  const Node* property_names = nullptr;
  const Node* if_ = nullptr;
  const Node* then_ = nullptr;
  const Node* else_ = nullptr;
  std::vector<const Node*> all_of, any_of, one_of;
  const Node* not_ = nullptr;
};

// minLength/maxLength count code points. A UTF-8 string of b bytes has
// between ceil(b/4) and b of them, so most strings are decided without
// counting.
inline bool LengthWithin(std::string_view s, const std::optional<uint64_t>& min,
                         const std::optional<uint64_t>& max) {
  const uint64_t bytes = s.size();
  const uint64_t fewest = (bytes + 3) / 4;
  if ((!max || bytes <= *max) && (!min || fewest >= *min)) return true;
  uint64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return (!max || n <= *max) && (!min || n >= *min);
}

// A string instance against enum (when every enum value is a string),
// minLength/maxLength and pattern. Shared by the two yes/no passes.
[[gnu::always_inline]] inline bool StringKeywordsHold(const Node* n, std::string_view s) {
  if (n->enum_values) {
    bool found = false;
    for (const auto& e : n->enum_strings) {
      if (e == s) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  if ((n->max_length || n->min_length) && !LengthWithin(s, n->min_length, n->max_length)) return false;
  return !n->pattern || n->pattern->Search(s);
}

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// boost::json, the reference, rejects a number whose exponent overflows 32
// bits ("exponent overflow": 1e999999999 is infinity, 1e9999999999 an
// error; found by fuzz/json_schema_fuzz.cc). Both yes/no passes leave an
// exponent with more than 9 significant digits (`count` digits at `digits`,
// after the sign) to it.
inline bool ExponentLeftToReference(const char* digits, size_t count) {
  size_t zeros = 0;
  while (zeros < count && digits[zeros] == '0') ++zeros;
  return count - zeros > 9;
}

// multipleOf (m > 0) over a number's value (below). Cold: event schemas
// rarely have it, and its arithmetic would bloat every inlined bounds check.
[[gnu::cold]] inline bool MultipleOfHolds(double m, double d, bool integral) {
  if (integral && std::floor(m) == m && std::fabs(d) < 9e15) return std::fmod(d, m) == 0;
  const double q = d / m;
  return std::isfinite(q) && std::fabs(q - std::round(q)) < 1e-9 * std::max(1.0, std::fabs(q));
}

// What Node::lower and Node::upper leave: the exclusive bounds and
// multipleOf. Cold: event schemas rarely have them.
[[gnu::cold]] inline bool NumberRestHold(const Node* n, double d, bool integral) {
  if (n->exclusive_maximum && d >= *n->exclusive_maximum) return false;
  if (n->exclusive_minimum && d <= *n->exclusive_minimum) return false;
  if (n->multiple_of && *n->multiple_of > 0) return MultipleOfHolds(*n->multiple_of, d, integral);
  return true;
}

// minimum, maximum, exclusiveMinimum, exclusiveMaximum and multipleOf over a
// number's value; `integral` is JSON Schema's "is an integer" (1.0 is).
// Shared by the two yes/no passes so that they judge a number the same way.
// Always inlined: out of line (g++ judged the multipleOf arithmetic too big
// to inline) the call was 3 % of the produce path's validation samples,
// where the bounds alone are a few compares.
[[gnu::always_inline]] inline bool NumberKeywordsHold(const Node* n, double d, bool integral) {
  // Two compares and one flag (five flag tests before); the value is never
  // NaN (JSON has none), so !(in range) is out of range.
  if (!(d >= n->lower && d <= n->upper)) return false;
  if (n->number_rest) [[unlikely]] return NumberRestHold(n, d, integral);
  return true;
}

// Yes/no over simdjson: see json_schema_dom.cc. Returns false for invalid
// and for "cannot decide exactly" (text that simdjson rejects, objects with
// duplicate keys, propertyNames...), so that the caller runs the boost::json
// pass, whose verdict is the reference.
bool IsValidJsonText(const Node* root, std::string_view text);
// Yes/no in one pass over the text, for graphs IsStreamable accepts: see
// json_schema_stream.cc. Same contract as IsValidJsonText.
bool IsStreamable(const Node* root);
bool IsValidJsonStream(const Node* root, std::string_view text);
// Tests: turns the wide scan of long strings in the one pass off (false: the
// 16-byte SSE2 loop) or back on where the CPU has AVX2; returns the previous
// setting. The wide scan uses AVX-512 when the record windows do
// (SetRecordWindowsForTesting below), else AVX2.
bool SetLongStringScanWideForTesting(bool wide);
// Tests: which SIMD the one pass's record windows use: 0 none (the
// per-token walk), 1 AVX2, 2 AVX-512BW (which also scans long strings 64
// bytes per step), capped at what the CPU has; returns the one now in use.
int SetRecordWindowsForTesting(int simd);
// Tests: how many records the record windows decided on this thread.
uint64_t RecordsDecidedInWindowsForTesting();
// The boost::json yes/no pass (json_schema.cc), for keywords the simdjson
// pass delegates (propertyNames: the key as a JSON string).
bool IsValidValue(const Node* n, const json::value& v);

}  // namespace meshd::schema::detail
