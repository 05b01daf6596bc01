#pragma once
// Evaluation of one Predicate against one leaf value of an event.
//
// This is the single definition of operator semantics: the reference matcher
// uses it for everything, and the indexed Matcher uses it for the operators it
// does not index (numeric, cidr, anything-but*, unanchored wildcards).

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/pattern.h"
#include "pattern/wildcard.h"

namespace meshd::pattern {

enum class LeafType : uint8_t { kString, kNumber, kTrue, kFalse, kNull };

// One leaf value of an event. `text` is the unescaped string (kString only);
// `number` holds the value of a kNumber (a number simdjson could not hold as
// a double never reaches here). The folded form is computed at most once.
class Leaf {
 public:
  static Leaf String(std::string_view s) { return Leaf(LeafType::kString, s, 0); }
  static Leaf Number(double d) { return Leaf(LeafType::kNumber, {}, d); }
  static Leaf Of(LeafType t) { return Leaf(t, {}, 0); }

  LeafType type() const { return type_; }
  bool is_string() const { return type_ == LeafType::kString; }
  std::string_view text() const { return text_; }
  double number() const { return number_; }
  const std::string& Folded() const;

 private:
  Leaf(LeafType t, std::string_view s, double d) : type_(t), text_(s), number_(d) {}
  LeafType type_;
  std::string_view text_;
  double number_;
  mutable std::string folded_;
  mutable bool folded_ready_ = false;
};

// A Predicate prepared for repeated evaluation (wildcards compiled).
class CompiledPredicate {
 public:
  // `p` must come from ParsePattern (already validated).
  explicit CompiledPredicate(Predicate p);

  bool Matches(const Leaf& leaf) const;
  const Predicate& predicate() const { return p_; }

  // The semantics, given the compiled globs of a wildcard predicate.
  static bool Evaluate(const Predicate& p, std::span<const Wildcard> globs, const Leaf& leaf);

 private:
  Predicate p_;
  std::vector<Wildcard> globs_;  // kWildcard (one) or kAnythingButWildcard (many)
};

// Convenience for one-off checks (compiles wildcards on each call).
bool PredicateMatches(const Predicate& p, const Leaf& leaf);

// Exact-number keys: -0.0 and 0.0 are the same value.
inline double CanonicalNumber(double d) { return d == 0 ? 0.0 : d; }

}  // namespace meshd::pattern
