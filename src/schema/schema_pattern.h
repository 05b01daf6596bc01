#pragma once
// SchemaPattern: a JSON Schema `pattern` / `patternProperties` regular
// expression, compiled once, searched (unanchored, like ECMAScript's
// RegExp.test) over the bytes of a string.
//
// Why not std::regex alone: libstdc++'s std::regex is a backtracking
// interpreter with heavy per-call setup (about 100-200 ns even for
// "^p-[0-9]+$"), and patterns are evaluated for every produced record. Most
// schema patterns are a sequence of single characters or character classes
// with quantifiers, optionally anchored ("^[A-Z]{3}$", "^p-[0-9]+$",
// "[a-z]+@"). Those are compiled into a list of byte sets with {min,max}
// counts and matched by a small memoized backtracker (linear in
// length × atoms), or, for anchored patterns where taking the longest run
// for each atom is always right, by one greedy pass (GreedyIsExact). Anything else (groups, alternation, back-references,
// lookaround, lazy quantifiers, \b, non-ASCII in the pattern) keeps
// std::regex (ECMAScript grammar).
//
// Both engines work on bytes, as std::regex over `char` does: the fast
// engine's classes are ASCII-only, and `.` and negated classes match any
// byte except the ones they exclude. So the two give the same verdict on
// every input (tests/schema_pattern_test.cc checks this differentially).

#include <array>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace meshd::schema {

class SchemaPattern {
 public:
  // InvalidArgument for a pattern std::regex (ECMAScript) rejects.
  static Result<SchemaPattern> Compile(const std::string& pattern);
  // True when the pattern matches somewhere in `s`. The greedy engine is
  // called from here, inline: a schema's pattern runs for every record, and
  // the call saved is about a sixth of a short id's whole check.
  bool Search(std::string_view s) const { return greedy_ ? MatchGreedy(s) : SearchOther(s); }
  // True when the fast engine (not std::regex) is used: for tests and docs.
  bool IsSimple() const { return !regex_.has_value(); }

 private:
  struct Atom {
    std::array<uint64_t, 4> bytes{};  // the byte set, one bit per byte value
    uint32_t min = 1;
    uint32_t max = 1;  // kUnbounded for *, +, {n,}
    bool Has(unsigned char c) const { return (bytes[c >> 6] >> (c & 63)) & 1; }
  };
  static constexpr uint32_t kUnbounded = 0xffffffffu;
  static bool ParseSimple(std::string_view p, SchemaPattern& out);
  bool MatchFrom(size_t atom, size_t pos, std::string_view s, std::vector<uint64_t>& failed) const;
  bool GreedyIsExact() const;
  bool MatchGreedy(std::string_view s) const;
  // Search for patterns that are not greedy_: std::regex or the memoized
  // backtracker.
  bool SearchOther(std::string_view s) const;

  std::vector<Atom> atoms_;
  bool anchored_start_ = false;
  bool anchored_end_ = false;
  bool greedy_ = false;  // anchored at the start, and GreedyIsExact()
  // greedy_ only: up to 8 leading atoms that are one fixed byte each ("p-"
  // of "^p-[0-9]+$") as a little-endian word compared at once under
  // prefix_mask_, their count, and so the index of the first other atom.
  uint64_t prefix_word_ = 0;
  uint64_t prefix_mask_ = 0;
  size_t greedy_from_ = 0;
  std::optional<std::regex> regex_;
};

}  // namespace meshd::schema
