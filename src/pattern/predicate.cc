#include "pattern/predicate.h"

#include <algorithm>

#include "pattern/case_fold.h"
#include "pattern/ip_address.h"

namespace meshd::pattern {
namespace {

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

}  // namespace

const std::string& Leaf::Folded() const {
  if (!folded_ready_) {
    FoldCase(text_, &folded_);
    folded_ready_ = true;
  }
  return folded_;
}

CompiledPredicate::CompiledPredicate(Predicate p) : p_(std::move(p)) {
  if (p_.kind == PredicateKind::kWildcard) {
    auto w = Wildcard::Compile(p_.text);
    if (w.ok()) globs_.push_back(std::move(w).value());
  } else if (p_.kind == PredicateKind::kAnythingButWildcard) {
    for (const auto& t : p_.texts) {
      auto w = Wildcard::Compile(t);
      if (w.ok()) globs_.push_back(std::move(w).value());
    }
  }
}

bool CompiledPredicate::Matches(const Leaf& leaf) const { return Evaluate(p_, globs_, leaf); }

bool CompiledPredicate::Evaluate(const Predicate& p, std::span<const Wildcard> globs,
                                 const Leaf& leaf) {
  const bool is_str = leaf.is_string();
  switch (p.kind) {
    case PredicateKind::kExactString:
      return is_str && leaf.text() == p.text;
    case PredicateKind::kExactNumber:
      return leaf.type() == LeafType::kNumber && leaf.number() == p.number;
    case PredicateKind::kExactTrue:
      return leaf.type() == LeafType::kTrue;
    case PredicateKind::kExactFalse:
      return leaf.type() == LeafType::kFalse;
    case PredicateKind::kExactNull:
      return leaf.type() == LeafType::kNull;
    case PredicateKind::kPrefix:
      return is_str && StartsWith(leaf.text(), p.text);
    case PredicateKind::kPrefixIgnoreCase:
      return is_str && StartsWith(leaf.Folded(), p.text);
    case PredicateKind::kSuffix:
      return is_str && EndsWith(leaf.text(), p.text);
    case PredicateKind::kSuffixIgnoreCase:
      return is_str && EndsWith(leaf.Folded(), p.text);
    case PredicateKind::kEqualsIgnoreCase:
      return is_str && leaf.Folded() == p.text;
    case PredicateKind::kWildcard:
      return is_str && !globs.empty() && globs[0].Matches(leaf.text());
    case PredicateKind::kNumeric: {
      if (leaf.type() != LeafType::kNumber) return false;
      const double v = leaf.number();
      if (p.lower_inclusive ? v < p.lower : v <= p.lower) return false;
      if (p.upper_inclusive ? v > p.upper : v >= p.upper) return false;
      return true;
    }
    case PredicateKind::kCidr: {
      if (!is_str) return false;
      auto addr = ParseIpAddress(leaf.text());
      return addr && CidrContains(p.network, p.prefix_bits, p.ipv6, *addr);
    }
    case PredicateKind::kExistsTrue:
      return true;
    case PredicateKind::kAnythingBut:
      // Type-blind: a value of another type is "not equal" to every operand.
      if (is_str) {
        return std::find(p.texts.begin(), p.texts.end(), leaf.text()) == p.texts.end();
      }
      if (leaf.type() == LeafType::kNumber) {
        return std::find(p.numbers.begin(), p.numbers.end(), leaf.number()) ==
               p.numbers.end();
      }
      return true;
    case PredicateKind::kAnythingButPrefix:
      if (!is_str) return true;
      return std::none_of(p.texts.begin(), p.texts.end(),
                          [&](const std::string& t) { return StartsWith(leaf.text(), t); });
    case PredicateKind::kAnythingButSuffix:
      if (!is_str) return true;
      return std::none_of(p.texts.begin(), p.texts.end(),
                          [&](const std::string& t) { return EndsWith(leaf.text(), t); });
    case PredicateKind::kAnythingButIgnoreCase:
      if (!is_str) return true;
      return std::find(p.texts.begin(), p.texts.end(), leaf.Folded()) == p.texts.end();
    case PredicateKind::kAnythingButWildcard:
      if (!is_str) return true;
      return std::none_of(globs.begin(), globs.end(),
                          [&](const Wildcard& w) { return w.Matches(leaf.text()); });
  }
  return false;
}

bool PredicateMatches(const Predicate& p, const Leaf& leaf) {
  if (p.kind != PredicateKind::kWildcard && p.kind != PredicateKind::kAnythingButWildcard) {
    return CompiledPredicate::Evaluate(p, {}, leaf);
  }
  return CompiledPredicate(p).Matches(leaf);
}

const char* PredicateKindName(PredicateKind kind) {
  switch (kind) {
    case PredicateKind::kExactString: return "exact-string";
    case PredicateKind::kExactNumber: return "exact-number";
    case PredicateKind::kExactTrue: return "true";
    case PredicateKind::kExactFalse: return "false";
    case PredicateKind::kExactNull: return "null";
    case PredicateKind::kPrefix: return "prefix";
    case PredicateKind::kPrefixIgnoreCase: return "prefix-equals-ignore-case";
    case PredicateKind::kSuffix: return "suffix";
    case PredicateKind::kSuffixIgnoreCase: return "suffix-equals-ignore-case";
    case PredicateKind::kEqualsIgnoreCase: return "equals-ignore-case";
    case PredicateKind::kWildcard: return "wildcard";
    case PredicateKind::kNumeric: return "numeric";
    case PredicateKind::kCidr: return "cidr";
    case PredicateKind::kExistsTrue: return "exists";
    case PredicateKind::kAnythingBut: return "anything-but";
    case PredicateKind::kAnythingButPrefix: return "anything-but-prefix";
    case PredicateKind::kAnythingButSuffix: return "anything-but-suffix";
    case PredicateKind::kAnythingButIgnoreCase: return "anything-but-equals-ignore-case";
    case PredicateKind::kAnythingButWildcard: return "anything-but-wildcard";
  }
  return "unknown";
}

}  // namespace meshd::pattern
