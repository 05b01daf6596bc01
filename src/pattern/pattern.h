#pragma once
// The compiled form of one EventBridge event pattern.
//
// A pattern is parsed once (parser.h) into disjunctive normal form: `$or`
// branches are expanded, so a CompiledPattern is an OR of SubPatterns and each
// SubPattern is an AND of FieldConditions. A FieldCondition names one
// flattened field path ("detail.amount") and is an OR of Predicates over the
// leaf values found at that path (plus, for `exists: false`, "no leaf here").
// These are plain values: copyable, comparable by content, no pointers into
// the source JSON.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace meshd::pattern {

// What one predicate tests on a single leaf value.
enum class PredicateKind : uint8_t {
  kExactString,       // text equals `text` byte for byte (after JSON unescaping)
  kExactNumber,       // JSON number equal in value to `number` (300 == 300.0)
  kExactTrue,         // JSON true
  kExactFalse,        // JSON false
  kExactNull,         // JSON null
  kPrefix,            // string starting with `text`
  kPrefixIgnoreCase,  // string starting with `text` after case folding (`text` is folded)
  kSuffix,
  kSuffixIgnoreCase,
  kEqualsIgnoreCase,  // folded string equals `text` (folded)
  kWildcard,          // string matching the glob in `text` (see wildcard.h)
  kNumeric,           // JSON number within [lower, upper] (bounds open/closed per flags)
  kCidr,              // string holding an IP address inside the network
  kExistsTrue,        // any leaf value at all
  kAnythingBut,       // any leaf value not equal to one of `texts` / `numbers`
  kAnythingButPrefix,       // any leaf that is not a string starting with one of `texts`
  kAnythingButSuffix,
  kAnythingButIgnoreCase,   // any leaf that is not a string equal (folded) to one of `texts`
  kAnythingButWildcard,     // any leaf that is not a string matching one of the globs
};

const char* PredicateKindName(PredicateKind kind);

struct Predicate {
  PredicateKind kind = PredicateKind::kExistsTrue;
  std::string text;                 // exact/prefix/suffix/eic/wildcard operand
  double number = 0;                // kExactNumber operand
  std::vector<std::string> texts;   // anything-but string operands
  std::vector<double> numbers;      // anything-but number operands
  // kNumeric: lower/upper bounds; +-infinity when absent.
  double lower = 0;
  double upper = 0;
  bool lower_inclusive = false;
  bool upper_inclusive = false;
  // kCidr: network address (IPv4 mapped into 16 bytes, see ip_address.h).
  std::array<uint8_t, 16> network{};
  uint8_t prefix_bits = 0;
  bool ipv6 = false;

  bool operator==(const Predicate&) const = default;
};

struct FieldCondition {
  std::string path;                     // dotted path, e.g. "detail.state.status"
  std::vector<Predicate> predicates;    // OR; may be empty when matches_absent
  bool matches_absent = false;          // `exists: false` in the value list

  bool operator==(const FieldCondition&) const = default;
};

// An AND of field conditions; the array-consistency rule applies across them.
struct SubPattern {
  std::vector<FieldCondition> conditions;

  bool operator==(const SubPattern&) const = default;
};

struct CompiledPattern {
  std::vector<SubPattern> alternatives;  // OR ($or expanded)
  std::vector<std::string> warnings;     // lint findings; never make the pattern invalid
};

// Bounds on what ParsePattern accepts. Defaults mirror EventBridge's quotas
// where it publishes them (pattern size 2,048 characters, 1,000 `$or`
// combinations); the rest keep matching cost predictable.
struct PatternLimits {
  size_t max_pattern_bytes = 2048;
  size_t max_or_combinations = 1000;
  size_t max_wildcard_stars = 16;          // '*' in one wildcard value
  size_t max_wildcard_complexity = 64;     // sum of '*' over the whole pattern
  size_t max_conditions_per_branch = 64;   // fields ANDed in one expanded branch
  size_t max_depth = 32;                   // nesting of objects
};

}  // namespace meshd::pattern
