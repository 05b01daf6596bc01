// The yes/no pass of JsonSchemaValidator over a simdjson DOM (the produce
// path: JsonSchemaValidator::IsValidText).
//
// Why: on the Kafka produce path every record is parsed and validated.
// boost::json needs ~1.7 µs to parse a 1 KiB event even into an arena;
// simdjson's DOM parser ~0.7 µs. The explaining pass (error message, JSON
// pointer) stays on boost::json (json_schema.cc): it only runs for records
// this pass does not accept.
//
// Contract: Fast() mirrors Check() in json_schema.cc keyword for keyword,
// over the same compiled Node graph. IsValidJsonText returns true only when
// the verdict is certain to equal Check()'s over the boost::json parse of
// the same text; when it cannot be (simdjson rejects the text, which
// includes nesting deeper than 31 where boost::json allows 32; an object
// with duplicate keys, which boost::json collapses to the last value and
// simdjson keeps; objects with more than 64 members) it
// returns false and the caller falls back to boost::json. That fallback is
// what makes "false" safe even under `not`, `oneOf` and `if`, where an
// inexact inner verdict could flip the outer one: an undecidable case sets
// Ctx::unsure, which forces the whole answer to "fall back".
//
// One documented difference remains: boost::json 1.81 does not round every
// decimal literal correctly (literals with more than ~16 significant
// digits can land 1 ulp off); simdjson does. A number exactly on a
// maximum/minimum/multipleOf/enum boundary written with that many digits
// is judged on its correctly rounded value here.
//
// The JSON-Schema-Test-Suite test runs every case through both passes and
// fails on any difference (tests/json_schema_suite_test.cc).

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "schema/json_schema_node.h"

namespace meshd::schema::detail {
namespace {

namespace dom = simdjson::dom;
using Type = dom::element_type;

struct Ctx {
  bool unsure = false;  // the verdict may differ from boost::json's: fall back
};

bool Fast(const Node* n, dom::element v, Ctx& ctx);
inline bool Visit(const Node* n, dom::element v, Ctx& ctx);

bool IsNumber(Type t) { return t == Type::INT64 || t == Type::UINT64 || t == Type::DOUBLE; }

double ToDouble(dom::element v) {
  switch (v.type()) {
    case Type::INT64: return static_cast<double>(v.get_int64().value_unsafe());
    case Type::UINT64: return static_cast<double>(v.get_uint64().value_unsafe());
    default: return v.get_double().value_unsafe();
  }
}

double ToDouble(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return static_cast<double>(v.get_uint64());
}

bool IsInteger(dom::element v) {
  Type t = v.type();
  if (t == Type::INT64 || t == Type::UINT64) return true;
  if (t != Type::DOUBLE) return false;
  double d = v.get_double().value_unsafe();
  return std::isfinite(d) && std::floor(d) == d;
}

bool HasDuplicateKeys(dom::object o) {
  for (auto i = o.begin(); i != o.end(); ++i) {
    auto j = i;
    for (++j; j != o.end(); ++j) {
      if (i.key() == j.key()) return true;
    }
  }
  return false;
}

// Integer equality across signed/unsigned representations, as JsonEqual.
bool SameInteger(bool a_signed, int64_t ai, uint64_t au, bool b_signed, int64_t bi, uint64_t bu) {
  if (a_signed && b_signed) return ai == bi;
  if (!a_signed && !b_signed) return au == bu;
  int64_t i = a_signed ? ai : bi;
  uint64_t u = a_signed ? bu : au;
  return i >= 0 && static_cast<uint64_t>(i) == u;
}

// JsonEqual(a, b) with `a` from the schema (boost::json) and `b` from the
// instance (simdjson).
bool EqualSchemaValue(const json::value& a, dom::element b, Ctx& ctx) {
  const Type bt = b.type();
  if (a.is_number() && IsNumber(bt)) {
    if (a.is_double() || bt == Type::DOUBLE) return ToDouble(a) == ToDouble(b);
    return SameInteger(a.is_int64(), a.is_int64() ? a.get_int64() : 0, a.is_uint64() ? a.get_uint64() : 0,
                       bt == Type::INT64, bt == Type::INT64 ? b.get_int64().value_unsafe() : 0,
                       bt == Type::UINT64 ? b.get_uint64().value_unsafe() : 0);
  }
  switch (a.kind()) {
    case json::kind::null: return bt == Type::NULL_VALUE;
    case json::kind::bool_: return bt == Type::BOOL && b.get_bool().value_unsafe() == a.get_bool();
    case json::kind::string: return bt == Type::STRING && b.get_string().value_unsafe() == std::string_view(a.get_string());
    case json::kind::array: {
      if (bt != Type::ARRAY) return false;
      const json::array& x = a.get_array();
      dom::array y = b.get_array().value_unsafe();
      if (x.size() != y.size()) return false;
      size_t i = 0;
      for (dom::element e : y) {
        if (!EqualSchemaValue(x[i++], e, ctx)) return false;
      }
      return true;
    }
    case json::kind::object: {
      if (bt != Type::OBJECT) return false;
      const json::object& x = a.get_object();
      dom::object y = b.get_object().value_unsafe();
      if (x.size() != y.size()) {
        // boost::json would have collapsed duplicate keys, maybe to x's size.
        if (HasDuplicateKeys(y)) ctx.unsure = true;
        return false;
      }
      // Same size and every key of x found: y has no duplicates.
      for (const auto& kv : x) {
        dom::element e;
        if (y.at_key(kv.key()).get(e) != simdjson::SUCCESS) return false;
        if (!EqualSchemaValue(kv.value(), e, ctx)) return false;
      }
      return true;
    }
    default: return false;
  }
}

// JsonEqual over two instance values (uniqueItems).
bool EqualValues(dom::element a, dom::element b, Ctx& ctx) {
  const Type at = a.type(), bt = b.type();
  if (IsNumber(at) && IsNumber(bt)) {
    if (at == Type::DOUBLE || bt == Type::DOUBLE) return ToDouble(a) == ToDouble(b);
    return SameInteger(at == Type::INT64, at == Type::INT64 ? a.get_int64().value_unsafe() : 0,
                       at == Type::UINT64 ? a.get_uint64().value_unsafe() : 0, bt == Type::INT64,
                       bt == Type::INT64 ? b.get_int64().value_unsafe() : 0,
                       bt == Type::UINT64 ? b.get_uint64().value_unsafe() : 0);
  }
  if (at != bt) return false;
  switch (at) {
    case Type::NULL_VALUE: return true;
    case Type::BOOL: return a.get_bool().value_unsafe() == b.get_bool().value_unsafe();
    case Type::STRING: return a.get_string().value_unsafe() == b.get_string().value_unsafe();
    case Type::ARRAY: {
      dom::array x = a.get_array().value_unsafe(), y = b.get_array().value_unsafe();
      if (x.size() != y.size()) return false;
      auto j = y.begin();
      for (dom::element e : x) {
        if (!EqualValues(e, *j, ctx)) return false;
        ++j;
      }
      return true;
    }
    case Type::OBJECT: {
      dom::object x = a.get_object().value_unsafe(), y = b.get_object().value_unsafe();
      if (HasDuplicateKeys(x) || HasDuplicateKeys(y)) {
        ctx.unsure = true;
        return false;
      }
      if (x.size() != y.size()) return false;
      for (dom::key_value_pair kv : x) {
        dom::element e;
        if (y.at_key(kv.key).get(e) != simdjson::SUCCESS) return false;
        if (!EqualValues(kv.value, e, ctx)) return false;
      }
      return true;
    }
    default: return false;
  }
}

// Property names are short: an inline byte loop beats a memcmp call.
bool NameEquals(const std::string& name, std::string_view key) {
  if (name.size() != key.size()) return false;
  const char* x = name.data();
  const char* y = key.data();
  for (size_t i = 0; i < key.size(); ++i) {
    if (x[i] != y[i]) return false;
  }
  return true;
}

// The first 8 bytes of a member name as a little-endian word, zero padded
// (Node::property_heads). Reading 8 bytes is safe for any key: simdjson's
// string buffer holds the key's NUL terminator and SIMDJSON_PADDING more.
static_assert(std::endian::native == std::endian::little, "KeyHead assumes little-endian words");
uint64_t KeyHead(std::string_view key) {
  uint64_t head;
  std::memcpy(&head, key.data(), 8);
  if (key.size() < 8) head &= (uint64_t{1} << (8 * key.size())) - 1;
  return head;
}

// The object keywords, in one walk over the members. Duplicate keys must be
// found before a "false" leaves this function (see the file comment: under
// `not` a verdict on the wrong duplicate would flip), so a failure first
// scans the members not yet seen for duplicates.
bool FastObject(const Node* n, dom::element v, Ctx& ctx) {
  constexpr size_t kMaxMembers = 64;
  dom::object o = v.get_object().value_unsafe();
  if (n->properties.size() > kMaxMembers) {
    ctx.unsure = true;  // rare in event schemas: the boost::json pass decides
    return false;
  }
  // Trivial, left uninitialized: zeroing 64 entries per object cost more
  // than the whole walk.
  struct Member {
    const char* key;
    uint32_t size;
    int32_t property;  // index in n->properties, or -1
    std::string_view Key() const { return {key, size}; }
  };
  Member members[kMaxMembers];
  size_t count = 0;
  uint64_t seen = 0;
  const size_t np = n->properties.size();
  size_t hint = 0;  // members usually come in the schema's property order
  bool failed = false;
  for (dom::key_value_pair kv : o) {
    if (count == kMaxMembers) {
      ctx.unsure = true;
      return false;
    }
    int found = -1;
    const uint64_t head = KeyHead(kv.key);
    for (size_t t = 0; t < np; ++t) {
      size_t i = hint + t < np ? hint + t : hint + t - np;
      const std::string& name = n->properties[i].first;
      if (n->property_heads[i] == head && name.size() == kv.key.size() &&
          (name.size() <= 8 || NameEquals(name, kv.key))) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found >= 0) {
      if (seen & (uint64_t{1} << found)) {
        ctx.unsure = true;  // duplicate key
        return false;
      }
      seen |= uint64_t{1} << found;
      hint = static_cast<size_t>(found) + 1 < np ? static_cast<size_t>(found) + 1 : 0;
    } else {
      for (size_t j = 0; j < count; ++j) {
        if (members[j].property < 0 && members[j].Key() == kv.key) {
          ctx.unsure = true;  // duplicate key
          return false;
        }
      }
    }
    members[count++] = Member{kv.key.data(), static_cast<uint32_t>(kv.key.size()), found};
    if (failed) continue;  // only looking for duplicates now
    bool matched = found >= 0;
    if (matched && !Visit(n->properties[static_cast<size_t>(found)].second, kv.value, ctx)) {
      failed = true;
      continue;
    }
    for (const auto& [re, s] : n->pattern_properties) {
      if (re.Search(kv.key)) {
        matched = true;
        if (!Fast(s, kv.value, ctx)) {
          failed = true;
          break;
        }
      }
    }
    if (failed) continue;
    if (!matched && n->additional_properties && !Fast(n->additional_properties, kv.value, ctx)) {
      failed = true;
      continue;
    }
    // A key is a string, not a DOM element: judged by the boost::json pass
    // (propertyNames is rare; one small allocation per key).
    if (n->property_names && !IsValidValue(n->property_names, json::value(json::string(kv.key)))) {
      failed = true;
    }
  }
  if (failed) return false;
  auto has = [&](const std::string& name) {
    for (size_t j = 0; j < count; ++j) {
      if (NameEquals(name, members[j].Key())) return true;
    }
    return false;
  };
  if (n->max_properties && count > *n->max_properties) return false;
  if (n->min_properties && count < *n->min_properties) return false;
  for (size_t r = 0; r < n->required.size(); ++r) {
    if (n->required_all_indexed) {
      if ((seen & (uint64_t{1} << n->required_index[r])) == 0) return false;
    } else if (!has(n->required[r])) {
      return false;
    }
  }
  for (const auto& [name, names] : n->dep_required) {
    if (!has(name)) continue;
    for (const auto& r : names) {
      if (!has(r)) return false;
    }
  }
  for (const auto& [name, s] : n->dep_schemas) {
    if (has(name) && !Fast(s, v, ctx)) return false;
  }
  return true;
}

bool FastArray(const Node* n, dom::element v, Ctx& ctx) {
  dom::array a = v.get_array().value_unsafe();
  const size_t size = a.size();
  if (n->max_items && size > *n->max_items) return false;
  if (n->min_items && size < *n->min_items) return false;
  if (n->unique_items) {
    for (auto i = a.begin(); i != a.end(); ++i) {
      auto j = i;
      for (++j; j != a.end(); ++j) {
        if (EqualValues(*i, *j, ctx)) return false;
      }
    }
  }
  if (n->items_is_tuple) {
    size_t i = 0;
    for (dom::element e : a) {
      const Node* s = i < n->tuple_items.size() ? n->tuple_items[i] : n->additional_items;
      if (s && !Visit(s, e, ctx)) return false;
      ++i;
    }
  } else if (n->items) {
    for (dom::element e : a) {
      if (!Visit(n->items, e, ctx)) return false;
    }
  }
  if (n->contains) {
    bool any = false;
    for (dom::element e : a) {
      if (Fast(n->contains, e, ctx)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

bool FastNumber(const Node* n, dom::element v) { return NumberKeywordsHold(n, ToDouble(v), IsInteger(v)); }

// A scalar value against a node with no reference, `const`, combinator or
// non-string enum (Node::scalar_only): the common case of an event's leaves.
// Small enough to inline into the member and item loops, which avoids a call
// of the general Fast (large frame) per leaf.
inline bool FastScalar(const Node* n, dom::element v, Type t) {
  if (n->types) {
    bool ok;
    switch (t) {
      case Type::NULL_VALUE: ok = n->types & kNullBit; break;
      case Type::BOOL: ok = n->types & kBoolBit; break;
      case Type::STRING: ok = n->types & kStringBit; break;
      default: ok = (n->types & kNumberBit) || ((n->types & kIntegerBit) && IsInteger(v)); break;
    }
    if (!ok) return false;
  }
  if (t == Type::STRING) return StringKeywordsHold(n, v.get_string().value_unsafe());
  if (n->enum_values) return false;  // all-string enum, non-string value
  if (t == Type::NULL_VALUE || t == Type::BOOL) return true;
  return (n->fast_keywords & kNumberKeywords) == 0 || FastNumber(n, v);
}

// Fast, with leaves of simple nodes checked inline.
inline bool Visit(const Node* n, dom::element v, Ctx& ctx) {
  const Type t = v.type();
  if (n->scalar_only && t != Type::OBJECT && t != Type::ARRAY) return FastScalar(n, v, t);
  return Fast(n, v, ctx);
}

bool Fast(const Node* n, dom::element v, Ctx& ctx) {
  if (n->bool_schema >= 0) return n->bool_schema == 1;
  if (n->has_ref) return Fast(n->ref, v, ctx);
  const Type t = v.type();
  if (n->types) {
    bool ok = false;
    switch (t) {
      case Type::NULL_VALUE: ok = n->types & kNullBit; break;
      case Type::BOOL: ok = n->types & kBoolBit; break;
      case Type::OBJECT: ok = n->types & kObjectBit; break;
      case Type::ARRAY: ok = n->types & kArrayBit; break;
      case Type::STRING: ok = n->types & kStringBit; break;
      default: ok = (n->types & kNumberBit) || ((n->types & kIntegerBit) && IsInteger(v)); break;
    }
    if (!ok) return false;
  }
  if (n->enum_values) {
    bool found = false;
    if (n->enum_all_strings) {
      if (t == Type::STRING) {
        std::string_view s = v.get_string().value_unsafe();
        for (const auto& e : n->enum_strings) {
          if (e == s) {
            found = true;
            break;
          }
        }
      }
    } else {
      for (const auto& e : *n->enum_values) {
        if (EqualSchemaValue(e, v, ctx)) {
          found = true;
          break;
        }
      }
    }
    if (!found) return false;
  }
  if (n->const_value && !EqualSchemaValue(*n->const_value, v, ctx)) return false;
  const uint32_t kw = n->fast_keywords;
  switch (t) {
    case Type::INT64:
    case Type::UINT64:
    case Type::DOUBLE:
      if ((kw & kNumberKeywords) && !FastNumber(n, v)) return false;
      break;
    case Type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (!LengthWithin(s, n->min_length, n->max_length)) return false;
      if (n->pattern && !n->pattern->Search(s)) return false;
      break;
    }
    case Type::ARRAY:
      if ((kw & kArrayKeywords) && !FastArray(n, v, ctx)) return false;
      break;
    case Type::OBJECT:
      if ((kw & kObjectKeywords) && !FastObject(n, v, ctx)) return false;
      break;
    default: break;
  }
  if ((kw & kCombinators) == 0) return true;
  for (const Node* s : n->all_of) {
    if (!Fast(s, v, ctx)) return false;
  }
  if (!n->any_of.empty()) {
    bool any = false;
    for (const Node* s : n->any_of) {
      if (Fast(s, v, ctx)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (!n->one_of.empty()) {
    int count = 0;
    for (const Node* s : n->one_of) {
      if (Fast(s, v, ctx) && ++count > 1) break;
    }
    if (count != 1) return false;
  }
  if (n->not_ && Fast(n->not_, v, ctx)) return false;
  if (n->if_) {
    if (Fast(n->if_, v, ctx)) {
      if (n->then_ && !Fast(n->then_, v, ctx)) return false;
    } else if (n->else_ && !Fast(n->else_, v, ctx)) {
      return false;
    }
  }
  return true;
}

// A per-thread DOM parser whose nesting limit is below boost::json's default
// (32): text nested 32 deep is rejected here and decided by boost::json.
struct ThreadParser {
  dom::parser parser;
  bool ready = parser.allocate(16 * 1024, 32) == simdjson::SUCCESS;
};

// simdjson reads 0e9999999999 as 0 where boost::json reports an exponent
// overflow (ExponentLeftToReference): a text with such an exponent is left
// to boost::json. memchr is vectorized; a false hit (inside a string) only
// costs the boost::json pass.
bool HasLongExponent(std::string_view t) {
  const char* const begin = t.data();
  const char* const end = begin + t.size();
  for (const char e : {'e', 'E'}) {
    const char* p = begin;
    while ((p = static_cast<const char*>(std::memchr(p, e, static_cast<size_t>(end - p)))) != nullptr) {
      const bool after_digit = p > begin && IsAsciiDigit(p[-1]);
      ++p;
      if (!after_digit) continue;
      const char* q = p;
      if (q < end && (*q == '+' || *q == '-')) ++q;
      const char* digits = q;
      while (q < end && IsAsciiDigit(*q)) ++q;
      if (ExponentLeftToReference(digits, static_cast<size_t>(q - digits))) return true;
    }
  }
  return false;
}

}  // namespace

bool IsValidJsonText(const Node* root, std::string_view text) {
  thread_local ThreadParser p;
  if (!p.ready || HasLongExponent(text)) return false;
  dom::element doc;
  // realloc_if_needed: the text is copied into the parser's padded buffer
  // (reused), since record values in a request buffer are not padded.
  if (p.parser.parse(text.data(), text.size(), true).get(doc) != simdjson::SUCCESS) return false;
  Ctx ctx;
  const bool ok = Fast(root, doc, ctx);
  return ok && !ctx.unsure;
}

}  // namespace meshd::schema::detail
