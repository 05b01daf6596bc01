#include "pattern/parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "pattern/case_fold.h"
#include "pattern/ip_address.h"
#include "pattern/lint.h"
#include "pattern/predicate.h"
#include "pattern/wildcard.h"

namespace meshd::pattern {
namespace {

namespace dom = simdjson::dom;
using Conjunctions = std::vector<std::vector<FieldCondition>>;

bool IsOperatorKeyword(std::string_view k) {
  return k == "prefix" || k == "suffix" || k == "equals-ignore-case" || k == "wildcard" ||
         k == "anything-but" || k == "numeric" || k == "cidr" || k == "exists";
}

const char* TypeName(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

bool IsNumber(dom::element e) {
  const auto t = e.type();
  return t == dom::element_type::INT64 || t == dom::element_type::UINT64 ||
         t == dom::element_type::DOUBLE;
}

double NumberOf(dom::element e) {
  switch (e.type()) {
    case dom::element_type::INT64: return static_cast<double>(int64_t(e));
    case dom::element_type::UINT64: return static_cast<double>(uint64_t(e));
    default: return double(e);
  }
}

// Object members with duplicate keys collapsed: the last one wins, kept at
// the position of its first occurrence.
std::vector<std::pair<std::string_view, dom::element>> Members(dom::object obj) {
  std::vector<std::pair<std::string_view, dom::element>> out;
  for (auto field : obj) {
    bool replaced = false;
    for (auto& [k, v] : out) {
      if (k == field.key) {
        v = field.value;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.emplace_back(field.key, field.value);
  }
  return out;
}

class PatternParser {
 public:
  explicit PatternParser(const PatternLimits& limits) : limits_(limits) {}

  Result<Conjunctions> ParseObject(dom::object obj, const std::string& path,
                                   const std::string& display, size_t depth) {
    if (depth > limits_.max_depth) {
      return Error(display, "pattern nests deeper than " + std::to_string(limits_.max_depth));
    }
    auto members = Members(obj);
    if (members.empty()) {
      return Error(display.empty() ? "(root)" : display, "pattern object is empty");
    }
    Conjunctions conj(1);
    for (const auto& [key, value] : members) {
      const std::string child_path = path.empty() ? std::string(key) : path + "." + std::string(key);
      const std::string child_display =
          display.empty() ? std::string(key) : display + "." + std::string(key);
      if (key == "$or" && IsOrOperator(value)) {
        dom::array arr = value.get_array();
        if (arr.size() < 2) {
          return Error(child_display, "'$or' needs an array of at least 2 pattern objects");
        }
        Conjunctions alternatives;
        size_t i = 0;
        for (dom::element branch : arr) {
          const std::string branch_display = (display.empty() ? "" : display + ".") + "$or[" +
                                             std::to_string(i++) + "]";
          MESHD_ASSIGN_OR_RETURN(Conjunctions sub,
                                 ParseObject(branch.get_object(), path, branch_display, depth + 1));
          for (auto& c : sub) alternatives.push_back(std::move(c));
        }
        MESHD_TRY(CrossProduct(&conj, alternatives, child_display));
        continue;
      }
      switch (value.type()) {
        case dom::element_type::OBJECT: {
          MESHD_ASSIGN_OR_RETURN(
              Conjunctions sub, ParseObject(value.get_object(), child_path, child_display, depth + 1));
          MESHD_TRY(CrossProduct(&conj, sub, child_display));
          break;
        }
        case dom::element_type::ARRAY: {
          MESHD_ASSIGN_OR_RETURN(FieldCondition cond,
                                 ParseValueList(value.get_array(), child_path, child_display));
          for (auto& c : conj) c.push_back(cond);
          MESHD_TRY(CheckBranchSize(conj, child_display));
          break;
        }
        default:
          return Error(child_display, std::string("leaf values must be arrays, got ") +
                                          TypeName(value.type()) + " (write [value])");
      }
    }
    return conj;
  }

 private:
  static Status Error(const std::string& display, const std::string& reason) {
    return Status::InvalidArgument((display.empty() ? std::string("(root)") : display) + ": " +
                                   reason);
  }

  // `$or` is an operator only when its value is an array of pattern objects
  // (objects whose keys are not operator names); otherwise it is a plain field
  // name, as in event-ruler (backward compatibility).
  static bool IsOrOperator(dom::element value) {
    if (value.type() != dom::element_type::ARRAY) return false;
    dom::array arr = value.get_array();
    if (arr.size() == 0) return false;
    for (dom::element e : arr) {
      if (e.type() != dom::element_type::OBJECT) return false;
      for (auto f : dom::object(e.get_object())) {
        if (IsOperatorKeyword(f.key)) return false;
      }
    }
    return true;
  }

  Status CrossProduct(Conjunctions* conj, const Conjunctions& sub, const std::string& display) {
    if (conj->size() * sub.size() > limits_.max_or_combinations) {
      return Error(display, "'$or' expands to more than " +
                                std::to_string(limits_.max_or_combinations) + " combinations");
    }
    if (sub.size() == 1) {
      for (auto& c : *conj) c.insert(c.end(), sub[0].begin(), sub[0].end());
    } else {
      Conjunctions out;
      out.reserve(conj->size() * sub.size());
      for (const auto& a : *conj) {
        for (const auto& b : sub) {
          auto merged = a;
          merged.insert(merged.end(), b.begin(), b.end());
          out.push_back(std::move(merged));
        }
      }
      *conj = std::move(out);
    }
    return CheckBranchSize(*conj, display);
  }

  Status CheckBranchSize(const Conjunctions& conj, const std::string& display) {
    for (const auto& c : conj) {
      if (c.size() > limits_.max_conditions_per_branch) {
        return Error(display, "more than " + std::to_string(limits_.max_conditions_per_branch) +
                                  " fields in one pattern branch");
      }
    }
    return Status::Ok();
  }

  Result<FieldCondition> ParseValueList(dom::array arr, const std::string& path,
                                        const std::string& display) {
    FieldCondition cond;
    cond.path = path;
    if (arr.size() == 0) {
      return Error(display, "value list is empty (an empty list can never match)");
    }
    for (dom::element e : arr) {
      Predicate p;
      switch (e.type()) {
        case dom::element_type::STRING:
          p.kind = PredicateKind::kExactString;
          p.text = std::string(std::string_view(e));
          break;
        case dom::element_type::INT64:
        case dom::element_type::UINT64:
        case dom::element_type::DOUBLE:
          p.kind = PredicateKind::kExactNumber;
          p.number = CanonicalNumber(NumberOf(e));
          break;
        case dom::element_type::BOOL:
          p.kind = bool(e) ? PredicateKind::kExactTrue : PredicateKind::kExactFalse;
          break;
        case dom::element_type::NULL_VALUE:
          p.kind = PredicateKind::kExactNull;
          break;
        case dom::element_type::ARRAY:
          return Error(display, "nested arrays are not allowed in a value list");
        case dom::element_type::OBJECT: {
          bool is_absent = false;
          MESHD_TRY(ParseOperator(e.get_object(), display, &p, &is_absent));
          if (is_absent) {
            cond.matches_absent = true;
            continue;
          }
          break;
        }
      }
      if (std::find(cond.predicates.begin(), cond.predicates.end(), p) == cond.predicates.end()) {
        cond.predicates.push_back(std::move(p));
      }
    }
    return cond;
  }

  Status ParseOperator(dom::object obj, const std::string& display, Predicate* p, bool* absent) {
    if (obj.size() != 1) {
      return Error(display, "an operator object must have exactly one key, got " +
                                std::to_string(obj.size()));
    }
    auto field = *obj.begin();
    const std::string_view op = field.key;
    dom::element v = field.value;
    if (op == "prefix" || op == "suffix") {
      const bool prefix = op == "prefix";
      if (v.type() == dom::element_type::STRING) {
        p->kind = prefix ? PredicateKind::kPrefix : PredicateKind::kSuffix;
        p->text = std::string(std::string_view(v));
        return Status::Ok();
      }
      if (v.type() == dom::element_type::OBJECT) {
        dom::object inner = v.get_object();
        if (inner.size() == 1) {
          auto f = *inner.begin();
          if (f.key == "equals-ignore-case" && f.value.type() == dom::element_type::STRING) {
            p->kind = prefix ? PredicateKind::kPrefixIgnoreCase : PredicateKind::kSuffixIgnoreCase;
            p->text = FoldCase(std::string_view(f.value));
            return Status::Ok();
          }
        }
      }
      return Error(display, std::string(op) +
                                " needs a string or {\"equals-ignore-case\": string}");
    }
    if (op == "equals-ignore-case") {
      if (v.type() != dom::element_type::STRING) {
        return Error(display, "equals-ignore-case needs a string");
      }
      p->kind = PredicateKind::kEqualsIgnoreCase;
      p->text = FoldCase(std::string_view(v));
      return Status::Ok();
    }
    if (op == "wildcard") {
      if (v.type() != dom::element_type::STRING) return Error(display, "wildcard needs a string");
      MESHD_TRY(CheckWildcard(std::string_view(v), display));
      p->kind = PredicateKind::kWildcard;
      p->text = std::string(std::string_view(v));
      return Status::Ok();
    }
    if (op == "cidr") {
      if (v.type() != dom::element_type::STRING) return Error(display, "cidr needs a string");
      auto net = ParseCidr(std::string_view(v));
      if (!net.ok()) return Error(display, net.error().message());
      p->kind = PredicateKind::kCidr;
      p->network = net->network.bytes;
      p->ipv6 = net->network.ipv6;
      p->prefix_bits = net->prefix_bits;
      return Status::Ok();
    }
    if (op == "exists") {
      if (v.type() != dom::element_type::BOOL) {
        return Error(display, "exists needs true or false");
      }
      if (bool(v)) {
        p->kind = PredicateKind::kExistsTrue;
      } else {
        *absent = true;
      }
      return Status::Ok();
    }
    if (op == "numeric") return ParseNumeric(v, display, p);
    if (op == "anything-but") return ParseAnythingBut(v, display, p);
    return Error(display, "unknown operator '" + std::string(op) + "'");
  }

  Status CheckWildcard(std::string_view glob, const std::string& display) {
    auto w = Wildcard::Compile(glob);
    if (!w.ok()) return Error(display, w.error().message());
    if (w->star_count() > limits_.max_wildcard_stars) {
      return Error(display, "wildcard '" + std::string(glob) + "' has more than " +
                                std::to_string(limits_.max_wildcard_stars) + " '*'");
    }
    wildcard_complexity_ += w->star_count();
    if (wildcard_complexity_ > limits_.max_wildcard_complexity) {
      return Error(display, "wildcard complexity of the pattern exceeds " +
                                std::to_string(limits_.max_wildcard_complexity) + " '*' in total");
    }
    return Status::Ok();
  }

  Status ParseNumeric(dom::element v, const std::string& display, Predicate* p) {
    if (v.type() != dom::element_type::ARRAY) {
      return Error(display, "numeric needs an array like [\">\", 0, \"<=\", 5]");
    }
    dom::array arr = v.get_array();
    std::vector<dom::element> items(arr.begin(), arr.end());
    if (items.size() != 2 && items.size() != 4) {
      return Error(display, "numeric needs one or two (operator, number) pairs");
    }
    p->kind = PredicateKind::kNumeric;
    p->lower = -std::numeric_limits<double>::infinity();
    p->upper = std::numeric_limits<double>::infinity();
    bool have_lower = false, have_upper = false;
    for (size_t i = 0; i < items.size(); i += 2) {
      if (items[i].type() != dom::element_type::STRING) {
        return Error(display, "numeric expects an operator string at position " + std::to_string(i));
      }
      const std::string_view op = items[i];
      if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") {
        return Error(display, "unknown numeric operator '" + std::string(op) + "'");
      }
      if (!IsNumber(items[i + 1])) {
        return Error(display, "numeric operator '" + std::string(op) + "' needs a number");
      }
      const double n = NumberOf(items[i + 1]);
      if (op == "=") {
        if (items.size() != 2) return Error(display, "numeric '=' cannot be combined");
        p->lower = p->upper = n;
        p->lower_inclusive = p->upper_inclusive = true;
        return Status::Ok();
      }
      if (op[0] == '>') {
        if (have_lower || have_upper) {
          return Error(display, "numeric lower bound ('>' or '>=') must come first, once");
        }
        have_lower = true;
        p->lower = n;
        p->lower_inclusive = op.size() == 2;
      } else {
        if (have_upper) return Error(display, "numeric has two upper bounds");
        have_upper = true;
        p->upper = n;
        p->upper_inclusive = op.size() == 2;
      }
    }
    if (items.size() == 4 && !(have_lower && have_upper)) {
      return Error(display, "numeric range needs a lower bound then an upper bound");
    }
    if (p->lower > p->upper ||
        (p->lower == p->upper && !(p->lower_inclusive && p->upper_inclusive))) {
      return Error(display, "numeric range is empty");
    }
    return Status::Ok();
  }

  // Collects a string or a non-empty array of strings.
  Status StringOrStrings(dom::element v, const std::string& display, const char* what,
                         std::vector<std::string>* out) {
    if (v.type() == dom::element_type::STRING) {
      out->emplace_back(std::string_view(v));
      return Status::Ok();
    }
    if (v.type() == dom::element_type::ARRAY) {
      for (dom::element e : dom::array(v.get_array())) {
        if (e.type() != dom::element_type::STRING) {
          return Error(display, std::string(what) + " list must contain only strings");
        }
        out->emplace_back(std::string_view(e));
      }
      if (!out->empty()) return Status::Ok();
    }
    return Error(display, std::string(what) + " needs a string or a non-empty list of strings");
  }

  Status ParseAnythingBut(dom::element v, const std::string& display, Predicate* p) {
    switch (v.type()) {
      case dom::element_type::STRING:
        p->kind = PredicateKind::kAnythingBut;
        p->texts.emplace_back(std::string_view(v));
        return Status::Ok();
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE:
        p->kind = PredicateKind::kAnythingBut;
        p->numbers.push_back(CanonicalNumber(NumberOf(v)));
        return Status::Ok();
      case dom::element_type::ARRAY: {
        p->kind = PredicateKind::kAnythingBut;
        for (dom::element e : dom::array(v.get_array())) {
          if (e.type() == dom::element_type::STRING) {
            p->texts.emplace_back(std::string_view(e));
          } else if (IsNumber(e)) {
            p->numbers.push_back(CanonicalNumber(NumberOf(e)));
          } else {
            return Error(display, "anything-but list must contain only strings or only numbers");
          }
        }
        if (p->texts.empty() && p->numbers.empty()) {
          return Error(display, "anything-but list is empty");
        }
        if (!p->texts.empty() && !p->numbers.empty()) {
          return Error(display, "anything-but list mixes strings and numbers");
        }
        return Status::Ok();
      }
      case dom::element_type::OBJECT: {
        dom::object inner = v.get_object();
        if (inner.size() != 1) {
          return Error(display, "anything-but object must have exactly one operator");
        }
        auto f = *inner.begin();
        const std::string_view op = f.key;
        if (op == "prefix") {
          p->kind = PredicateKind::kAnythingButPrefix;
          return StringOrStrings(f.value, display, "anything-but prefix", &p->texts);
        }
        if (op == "suffix") {
          p->kind = PredicateKind::kAnythingButSuffix;
          return StringOrStrings(f.value, display, "anything-but suffix", &p->texts);
        }
        if (op == "equals-ignore-case") {
          p->kind = PredicateKind::kAnythingButIgnoreCase;
          MESHD_TRY(StringOrStrings(f.value, display, "anything-but equals-ignore-case", &p->texts));
          for (auto& t : p->texts) t = FoldCase(t);
          return Status::Ok();
        }
        if (op == "wildcard") {
          p->kind = PredicateKind::kAnythingButWildcard;
          MESHD_TRY(StringOrStrings(f.value, display, "anything-but wildcard", &p->texts));
          for (const auto& t : p->texts) MESHD_TRY(CheckWildcard(t, display));
          return Status::Ok();
        }
        return Error(display, "anything-but does not support operator '" + std::string(op) + "'");
      }
      default:
        return Error(display, std::string("anything-but needs a string, number, list or operator "
                                          "object, got ") + TypeName(v.type()));
    }
  }

  const PatternLimits& limits_;
  size_t wildcard_complexity_ = 0;
};

}  // namespace

Result<CompiledPattern> ParsePattern(std::string_view pattern_json, const PatternLimits& limits) {
  if (pattern_json.size() > limits.max_pattern_bytes) {
    return Status::InvalidArgument("(root): pattern is " + std::to_string(pattern_json.size()) +
                                   " bytes, over the limit of " +
                                   std::to_string(limits.max_pattern_bytes));
  }
  thread_local dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(pattern_json.data(), pattern_json.size()).get(root)) {
    return Status::InvalidArgument(std::string("(root): pattern is not valid JSON: ") +
                                   simdjson::error_message(err));
  }
  if (root.type() != dom::element_type::OBJECT) {
    return Status::InvalidArgument(std::string("(root): pattern must be a JSON object, got ") +
                                   TypeName(root.type()));
  }
  PatternParser p(limits);
  MESHD_ASSIGN_OR_RETURN(Conjunctions conj, p.ParseObject(root.get_object(), "", "", 0));
  CompiledPattern out;
  out.alternatives.reserve(conj.size());
  for (auto& c : conj) out.alternatives.push_back(SubPattern{std::move(c)});
  out.warnings = LintPattern(out);
  return out;
}

}  // namespace meshd::pattern
