#include "schema/json_schema.h"
#include "schema/json_schema_node.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <cstring>
#include <set>
#include <unordered_map>
#include <vector>

namespace meshd::schema {

namespace json = boost::json;
using detail::Node;
using detail::kNullBit;
using detail::kBoolBit;
using detail::kObjectBit;
using detail::kArrayBit;
using detail::kNumberBit;
using detail::kStringBit;
using detail::kIntegerBit;

namespace {

bool HasScheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return true;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return false;
  }
  return false;
}

std::string StripFragment(std::string_view s) {
  auto h = s.find('#');
  return std::string(h == std::string_view::npos ? s : s.substr(0, h));
}

std::string RemoveDotSegments(const std::string& uri) {
  // Operates on the path part after "scheme://authority".
  size_t path_start = 0;
  auto sch = uri.find("://");
  if (sch != std::string::npos) {
    path_start = uri.find('/', sch + 3);
    if (path_start == std::string::npos) return uri;
  } else {
    return uri;
  }
  size_t frag = uri.find_first_of("?#", path_start);
  std::string path = uri.substr(path_start, frag == std::string::npos ? std::string::npos : frag - path_start);
  std::string rest = frag == std::string::npos ? "" : uri.substr(frag);
  std::vector<std::string> segs;
  size_t i = 1;
  bool trailing = false;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    std::string seg = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    trailing = false;
    if (seg == "..") {
      if (!segs.empty()) segs.pop_back();
      trailing = true;
    } else if (seg == ".") {
      trailing = true;
    } else {
      segs.push_back(seg);
    }
    if (j == std::string::npos) break;
    i = j + 1;
  }
  std::string out = uri.substr(0, path_start);
  for (const auto& s : segs) out += "/" + s;
  if (trailing) out += "/";
  if (segs.empty() && !trailing) out += "/";
  return out + rest;
}

std::string ResolveUri(const std::string& base, const std::string& ref) {
  if (HasScheme(ref)) return RemoveDotSegments(ref);
  if (base.empty()) return ref;
  if (ref.empty()) return base;
  if (ref[0] == '#') return StripFragment(base) + ref;
  std::string b = StripFragment(base);
  auto q = b.find('?');
  if (q != std::string::npos) b = b.substr(0, q);
  auto sch = b.find("://");
  if (ref.rfind("//", 0) == 0) return b.substr(0, b.find(':') + 1) + ref;
  if (ref[0] == '/') {
    if (sch == std::string::npos) return b.substr(0, b.find(':') + 1) + ref;
    auto p = b.find('/', sch + 3);
    return RemoveDotSegments((p == std::string::npos ? b : b.substr(0, p)) + ref);
  }
  if (sch != std::string::npos && b.find('/', sch + 3) == std::string::npos) {
    return RemoveDotSegments(b + "/" + ref);
  }
  auto slash = b.rfind('/');
  if (slash == std::string::npos) {
    auto colon = b.rfind(':');
    return colon == std::string::npos ? ref : b.substr(0, colon + 1) + ref;
  }
  return RemoveDotSegments(b.substr(0, slash + 1) + ref);
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && i + 2 <= s.size() - 1) {
      int v = 0;
      bool ok = true;
      for (int k = 1; k <= 2; ++k) {
        char c = s[i + k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else ok = false;
      }
      if (ok) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool IsInteger(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (v.is_double()) {
    double d = v.get_double();
    return std::isfinite(d) && std::floor(d) == d;
  }
  return false;
}

double ToDouble(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return static_cast<double>(v.get_uint64());
}

std::optional<uint64_t> ToCount(const json::value* v) {
  if (v == nullptr || !v->is_number()) return std::nullopt;
  double d = ToDouble(*v);
  if (d < 0) return 0;
  return static_cast<uint64_t>(d);
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

bool JsonEqual(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return ToDouble(a) == ToDouble(b);
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const json::value& i = a.is_int64() ? a : b;
    const json::value& u = a.is_int64() ? b : a;
    return i.get_int64() >= 0 && static_cast<uint64_t>(i.get_int64()) == u.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case json::kind::null: return true;
    case json::kind::bool_: return a.get_bool() == b.get_bool();
    case json::kind::string: return a.get_string() == b.get_string();
    case json::kind::array: {
      const auto& x = a.get_array();
      const auto& y = b.get_array();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!JsonEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case json::kind::object: {
      const auto& x = a.get_object();
      const auto& y = b.get_object();
      if (x.size() != y.size()) return false;
      for (const auto& kv : x) {
        const auto* o = y.if_contains(kv.key());
        if (o == nullptr || !JsonEqual(kv.value(), *o)) return false;
      }
      return true;
    }
    default: return false;
  }
}

struct JsonSchemaValidator::Impl {
  std::vector<std::unique_ptr<json::value>> docs;
  std::map<std::string, const json::value*> index;              // absolute URI → schema
  std::unordered_map<const json::value*, std::string> base_of;  // schema → base URI
  std::unordered_map<const json::value*, std::unique_ptr<Node>> nodes;
  RemoteLoader loader;
  const Node* root = nullptr;
  bool streamable = false;  // detail::IsStreamable(root)

  void Index(const json::value& v, std::string base) {
    if (v.is_object()) {
      const auto& o = v.get_object();
      const auto* ref = o.if_contains("$ref");
      const auto* id = o.if_contains("$id");
      if ((ref == nullptr || !ref->is_string()) && id && id->is_string()) {
        std::string idv(id->get_string());
        std::string resolved = ResolveUri(base, idv);
        if (!idv.empty() && idv[0] == '#') {
          index.emplace(resolved, &v);
        } else {
          base = StripFragment(resolved);
          index[base] = &v;
          if (resolved.find('#') != std::string::npos && resolved.back() != '#') {
            index.emplace(resolved, &v);
          }
        }
      }
      base_of.emplace(&v, base);
      for (const char* k : {"items", "additionalItems", "contains", "additionalProperties",
                            "propertyNames", "if", "then", "else", "not"}) {
        if (const auto* c = o.if_contains(k)) {
          if (c->is_array() && std::string_view(k) == "items") {
            for (const auto& e : c->get_array()) Index(e, base);
          } else {
            Index(*c, base);
          }
        }
      }
      for (const char* k : {"allOf", "anyOf", "oneOf"}) {
        if (const auto* c = o.if_contains(k); c && c->is_array()) {
          for (const auto& e : c->get_array()) Index(e, base);
        }
      }
      for (const char* k : {"properties", "patternProperties", "definitions", "dependencies"}) {
        if (const auto* c = o.if_contains(k); c && c->is_object()) {
          for (const auto& kv : c->get_object()) {
            if (kv.value().is_object() || kv.value().is_bool()) Index(kv.value(), base);
          }
        }
      }
    } else if (v.is_bool()) {
      base_of.emplace(&v, base);
    }
  }

  Result<const json::value*> AddDocument(json::value doc, const std::string& uri) {
    docs.push_back(std::make_unique<json::value>(std::move(doc)));
    const json::value* d = docs.back().get();
    std::string base = StripFragment(uri);
    index[base] = d;
    Index(*d, base);
    return d;
  }

  Result<std::pair<const json::value*, std::string>> Lookup(const std::string& uri) {
    std::string doc_uri = StripFragment(uri);
    auto h = uri.find('#');
    std::string frag = h == std::string::npos ? "" : PercentDecode(uri.substr(h + 1));
    const json::value* d = nullptr;
    auto it = index.find(doc_uri);
    if (it != index.end()) {
      d = it->second;
    } else {
      std::optional<std::string> text;
      if (loader) text = loader(doc_uri);
      if (!text) return Status::InvalidArgument("cannot resolve $ref '" + uri + "'");
      boost::system::error_code ec;
      json::value parsed = json::parse(*text, ec);
      if (ec) return Status::InvalidArgument("remote schema '" + doc_uri + "' is not JSON");
      MESHD_ASSIGN_OR_RETURN(d, AddDocument(std::move(parsed), doc_uri));
    }
    std::string base = doc_uri;
    if (auto b = base_of.find(d); b != base_of.end()) base = b->second;
    if (frag.empty()) return std::make_pair(d, base);
    if (frag[0] != '/') {
      auto a = index.find(doc_uri + "#" + frag);
      if (a == index.end()) return Status::InvalidArgument("cannot resolve anchor in $ref '" + uri + "'");
      return std::make_pair(a->second, base_of.count(a->second) ? base_of[a->second] : base);
    }
    const json::value* cur = d;
    size_t i = 1;
    while (i <= frag.size()) {
      size_t j = frag.find('/', i);
      std::string tok = frag.substr(i, j == std::string::npos ? std::string::npos : j - i);
      std::string t;
      for (size_t k = 0; k < tok.size(); ++k) {
        if (tok[k] == '~' && k + 1 < tok.size()) {
          t += tok[k + 1] == '1' ? '/' : '~';
          ++k;
        } else {
          t += tok[k];
        }
      }
      if (cur->is_object()) {
        cur = cur->get_object().if_contains(t);
      } else if (cur->is_array()) {
        char* end = nullptr;
        unsigned long idx = std::strtoul(t.c_str(), &end, 10);
        cur = (!t.empty() && *end == 0 && idx < cur->get_array().size()) ? &cur->get_array()[idx] : nullptr;
      } else {
        cur = nullptr;
      }
      if (cur == nullptr) return Status::InvalidArgument("JSON pointer in $ref '" + uri + "' does not resolve");
      if (auto b = base_of.find(cur); b != base_of.end()) base = b->second;
      if (j == std::string::npos) break;
      i = j + 1;
    }
    if (!base_of.count(cur)) Index(*cur, base);
    return std::make_pair(cur, base);
  }

  Result<const Node*> CompileNode(const json::value& v) {
    if (auto it = nodes.find(&v); it != nodes.end()) return static_cast<const Node*>(it->second.get());
    auto owned = std::make_unique<Node>();
    Node* n = owned.get();
    nodes.emplace(&v, std::move(owned));
    if (v.is_bool()) {
      n->bool_schema = v.get_bool() ? 1 : 0;
      return static_cast<const Node*>(n);
    }
    if (!v.is_object()) return Status::InvalidArgument("a schema must be an object or a boolean");
    const auto& o = v.get_object();
    std::string base;
    if (auto b = base_of.find(&v); b != base_of.end()) base = b->second;
    if (const auto* r = o.if_contains("$ref"); r && r->is_string()) {
      MESHD_ASSIGN_OR_RETURN(auto target, Lookup(ResolveUri(base, std::string(r->get_string()))));
      n->has_ref = true;
      MESHD_ASSIGN_OR_RETURN(n->ref, CompileNode(*target.first));
      return static_cast<const Node*>(n);  // draft-07: siblings of $ref are ignored
    }
    n->plain = true;
    auto sub = [&](const char* k, const Node** out) -> Status {
      if (const auto* c = o.if_contains(k)) {
        MESHD_ASSIGN_OR_RETURN(*out, CompileNode(*c));
      }
      return Status::Ok();
    };
    auto regex = [](const std::string& p) -> Result<SchemaPattern> { return SchemaPattern::Compile(p); };
    if (const auto* t = o.if_contains("type")) {
      auto bit = [](std::string_view s) -> uint8_t {
        if (s == "null") return kNullBit;
        if (s == "boolean") return kBoolBit;
        if (s == "object") return kObjectBit;
        if (s == "array") return kArrayBit;
        if (s == "number") return kNumberBit;
        if (s == "string") return kStringBit;
        if (s == "integer") return kIntegerBit;
        return 0;
      };
      if (t->is_string()) {
        n->types = bit(t->get_string());
      } else if (t->is_array()) {
        for (const auto& e : t->get_array()) {
          if (e.is_string()) n->types |= bit(e.get_string());
        }
      }
      if (n->types == 0) return Status::InvalidArgument("invalid 'type' " + json::serialize(*t));
      n->accepts = n->types;
    }
    if (const auto* e = o.if_contains("enum"); e && e->is_array()) {
      n->enum_values = &e->get_array();
      n->enum_all_strings = true;
      for (const auto& x : e->get_array()) {
        if (!x.is_string()) {
          n->enum_all_strings = false;
          break;
        }
        n->enum_strings.emplace_back(x.get_string());
      }
      if (!n->enum_all_strings) n->enum_strings.clear();
      if (n->enum_all_strings) n->accepts &= detail::kStringBit;  // only a string can equal one
    }
    if (const auto* c = o.if_contains("const")) n->const_value = c;
    auto num = [&](const char* k) -> std::optional<double> {
      const auto* x = o.if_contains(k);
      if (x && x->is_number()) return ToDouble(*x);
      return std::nullopt;
    };
    n->multiple_of = num("multipleOf");
    n->maximum = num("maximum");
    n->minimum = num("minimum");
    n->exclusive_maximum = num("exclusiveMaximum");
    n->exclusive_minimum = num("exclusiveMinimum");
    // draft-04: boolean exclusiveMaximum/Minimum modify maximum/minimum.
    if (const auto* x = o.if_contains("exclusiveMaximum"); x && x->is_bool() && x->get_bool()) {
      n->exclusive_maximum = n->maximum;
      n->maximum.reset();
    }
    if (const auto* x = o.if_contains("exclusiveMinimum"); x && x->is_bool() && x->get_bool()) {
      n->exclusive_minimum = n->minimum;
      n->minimum.reset();
    }
    n->max_length = ToCount(o.if_contains("maxLength"));
    n->min_length = ToCount(o.if_contains("minLength"));
    n->max_items = ToCount(o.if_contains("maxItems"));
    n->min_items = ToCount(o.if_contains("minItems"));
    n->max_properties = ToCount(o.if_contains("maxProperties"));
    n->min_properties = ToCount(o.if_contains("minProperties"));
    if (const auto* p = o.if_contains("pattern"); p && p->is_string()) {
      MESHD_ASSIGN_OR_RETURN(n->pattern, regex(std::string(p->get_string())));
    }
    if (const auto* u = o.if_contains("uniqueItems"); u && u->is_bool()) n->unique_items = u->get_bool();
    if (const auto* it = o.if_contains("items")) {
      if (it->is_array()) {
        n->items_is_tuple = true;
        for (const auto& e : it->get_array()) {
          MESHD_ASSIGN_OR_RETURN(const Node* c, CompileNode(e));
          n->tuple_items.push_back(c);
        }
      } else {
        MESHD_ASSIGN_OR_RETURN(n->items, CompileNode(*it));
      }
    }
    MESHD_TRY(sub("additionalItems", &n->additional_items));
    MESHD_TRY(sub("contains", &n->contains));
    MESHD_TRY(sub("additionalProperties", &n->additional_properties));
    MESHD_TRY(sub("propertyNames", &n->property_names));
    MESHD_TRY(sub("if", &n->if_));
    MESHD_TRY(sub("then", &n->then_));
    MESHD_TRY(sub("else", &n->else_));
    MESHD_TRY(sub("not", &n->not_));
    if (const auto* p = o.if_contains("properties"); p && p->is_object()) {
      for (const auto& kv : p->get_object()) {
        MESHD_ASSIGN_OR_RETURN(const Node* c, CompileNode(kv.value()));
        n->properties.emplace_back(std::string(kv.key()), c);
      }
    }
    if (const auto* p = o.if_contains("patternProperties"); p && p->is_object()) {
      for (const auto& kv : p->get_object()) {
        MESHD_ASSIGN_OR_RETURN(SchemaPattern re, regex(std::string(kv.key())));
        MESHD_ASSIGN_OR_RETURN(const Node* c, CompileNode(kv.value()));
        n->pattern_properties.emplace_back(std::move(re), c);
      }
    }
    if (const auto* r = o.if_contains("required"); r && r->is_array()) {
      for (const auto& e : r->get_array()) {
        if (e.is_string()) n->required.emplace_back(e.get_string());
      }
    }
    if (const auto* d = o.if_contains("dependencies"); d && d->is_object()) {
      for (const auto& kv : d->get_object()) {
        if (kv.value().is_array()) {
          std::vector<std::string> names;
          for (const auto& e : kv.value().get_array()) {
            if (e.is_string()) names.emplace_back(e.get_string());
          }
          n->dep_required.emplace_back(std::string(kv.key()), std::move(names));
        } else {
          MESHD_ASSIGN_OR_RETURN(const Node* c, CompileNode(kv.value()));
          n->dep_schemas.emplace_back(std::string(kv.key()), c);
        }
      }
    }
    if (n->properties.size() <= 64) {
      n->required_all_indexed = true;
      for (const auto& r : n->required) {
        int index = -1;
        for (size_t i = 0; i < n->properties.size() && index < 0; ++i) {
          if (n->properties[i].first == r) index = static_cast<int>(i);
        }
        if (index < 0) n->required_all_indexed = false;
        if (index >= 0) n->required_mask |= uint64_t{1} << index;
        n->required_index.push_back(index);
      }
    }
    for (auto [k, vec] : {std::pair{"allOf", &n->all_of}, std::pair{"anyOf", &n->any_of},
                          std::pair{"oneOf", &n->one_of}}) {
      if (const auto* a = o.if_contains(k); a && a->is_array()) {
        for (const auto& e : a->get_array()) {
          MESHD_ASSIGN_OR_RETURN(const Node* c, CompileNode(e));
          vec->push_back(c);
        }
      }
    }
    std::vector<detail::Node::QuotedName> comma_quoted;  // `,"name":` per property
    for (const auto& [name, node] : n->properties) {
      uint64_t head = 0;
      std::memcpy(&head, name.data(), std::min<size_t>(name.size(), 8));
      n->property_heads.push_back(head);
      const bool plain = std::none_of(name.begin(), name.end(), [](char c) {
        return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
      });
      // `text` as 16 bytes with masks; unset (never matches) when it does
      // not fit or the name has a character JSON must escape.
      auto quoted = [&](const std::string& text) {
        detail::Node::QuotedName q;
        if (plain && text.size() <= 16) {
          std::memcpy(q.bytes, text.data(), text.size());
          q.mask = static_cast<uint32_t>((uint64_t{1} << text.size()) - 1);
          q.len = static_cast<uint32_t>(text.size());
        }
        return q;
      };
      if (n->quoted_names.empty()) n->next_record_quoted = quoted("},{\"" + name + "\":");
      n->quoted_names.push_back(quoted("\"" + name + "\":"));
      comma_quoted.push_back(quoted(",\"" + name + "\":"));
    }
    n->property_count = n->properties.size();
    for (size_t i = 0; i < n->properties.size(); ++i) {
      const size_t next = i + 1 < n->properties.size() ? i + 1 : 0;
      n->member_steps.push_back({n->properties[i].second, uint64_t{1} << (i & 63), comma_quoted[next], nullptr});
    }
    // Linked once the vector holds every step (it never grows again; the
    // node lives behind a unique_ptr, so the steps do not move).
    for (size_t i = 0; i < n->member_steps.size(); ++i) {
      n->member_steps[i].next = &n->member_steps[i + 1 < n->member_steps.size() ? i + 1 : 0];
    }
    n->flat_record = !n->properties.empty() && n->properties.size() <= 64 && n->required_all_indexed &&
                     n->quoted_names.front().len != 0 &&
                     std::all_of(n->member_steps.begin(), n->member_steps.end() - 1,
                                 [](const detail::Node::MemberStep& s) { return s.next_comma_quoted.len != 0; }) &&
                     std::all_of(n->properties.begin(), n->properties.end(), [](const auto& prop) {
                       const Node* c = prop.second;
                       return c->plain && (c->accepts & (detail::kObjectBit | detail::kArrayBit)) == 0;
                     });
    // A flat record's properties are plain (above), and each was compiled
    // before this node: their flags are final.
    for (auto& step : n->member_steps) {
      if (!n->flat_record) break;
      const Node* c = step.node;
      if ((c->accepts & detail::kStringBit) != 0 && (c->fast_keywords & detail::kStringKeywords) == 0) {
        step.quick |= detail::Node::kQuickString;
      }
      if ((c->accepts & detail::kNumberBit) != 0 && (c->fast_keywords & detail::kNumberKeywords) == 0) {
        step.quick |= detail::Node::kQuickNumber;
      } else if ((c->accepts & (detail::kNumberBit | detail::kIntegerBit)) != 0 && !c->number_rest) {
        step.quick |= detail::Node::kQuickBounds;  // `"qty":{"type":"integer","minimum":1}`
      }
    }
    if (n->multiple_of || n->maximum || n->minimum || n->exclusive_maximum || n->exclusive_minimum) {
      n->fast_keywords |= detail::kNumberKeywords;
    }
    if (n->minimum) n->lower = *n->minimum;
    if (n->maximum) n->upper = *n->maximum;
    constexpr double kIntLimit = static_cast<double>(int64_t{1} << 62);
    n->int_lower = static_cast<int64_t>(std::clamp(std::ceil(n->lower), -kIntLimit, kIntLimit));
    n->int_upper = static_cast<int64_t>(std::clamp(std::floor(n->upper), -kIntLimit, kIntLimit));
    n->number_rest = n->exclusive_minimum || n->exclusive_maximum || (n->multiple_of && *n->multiple_of > 0);
    n->nonnegative_holds = !n->number_rest && n->lower <= 0 && n->upper == std::numeric_limits<double>::infinity();
    if (n->enum_values || n->pattern || n->min_length || n->max_length) {
      n->fast_keywords |= detail::kStringKeywords;
    }
    if (n->max_items || n->min_items || n->unique_items || n->items || n->items_is_tuple || n->contains) {
      n->fast_keywords |= detail::kArrayKeywords;
    }
    if (!n->properties.empty() || !n->pattern_properties.empty() || n->additional_properties ||
        n->property_names || !n->required.empty() || !n->dep_required.empty() || !n->dep_schemas.empty() ||
        n->max_properties || n->min_properties) {
      n->fast_keywords |= detail::kObjectKeywords;
    }
    if (!n->all_of.empty() || !n->any_of.empty() || !n->one_of.empty() || n->not_ || n->if_) {
      n->fast_keywords |= detail::kCombinators;
    }
    n->scalar_only = (n->fast_keywords & detail::kCombinators) == 0 && n->const_value == nullptr &&
                     (n->enum_values == nullptr || n->enum_all_strings);
    return static_cast<const Node*>(n);
  }
};

namespace {

// Validates `v` against `n`. With `err` non-null, the first failure is
// described there, with `path` as the instance location.
bool Check(const Node* n, const json::value& v, std::string* err, std::string& path);
bool CheckObjectFast(const Node* n, const json::value& v, std::string& path);

bool Fail(std::string* err, const std::string& path, const std::string& what) {
  if (err && err->empty()) *err = "at '" + (path.empty() ? std::string("/") : path) + "': " + what;
  return false;
}

std::string Esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '~') o += "~0";
    else if (c == '/') o += "~1";
    else o += c;
  }
  return o;
}

bool Sub(const Node* n, const json::value& v, std::string* err, std::string& path,
         std::string_view seg) {
  if (err == nullptr) return Check(n, v, nullptr, path);
  size_t old = path.size();
  path += '/';
  path += Esc(seg);
  bool ok = Check(n, v, err, path);
  path.resize(old);
  return ok;
}

// The object keywords of the yes/no pass (no error to explain): one walk
// over the members. Same verdict as the explaining branch of Check.
bool CheckObjectFast(const Node* n, const json::value& v, std::string& path) {
  const json::object& o = v.get_object();
  if (n->max_properties && o.size() > *n->max_properties) return false;
  if (n->min_properties && o.size() < *n->min_properties) return false;
  for (const auto& [name, names] : n->dep_required) {
    if (!o.contains(name)) continue;
    for (const auto& r : names) {
      if (!o.contains(r)) return false;
    }
  }
  for (const auto& [name, s] : n->dep_schemas) {
    if (o.contains(name) && !Check(s, v, nullptr, path)) return false;
  }
  const bool scan = n->additional_properties || !n->pattern_properties.empty() || n->property_names;
  uint64_t seen = 0;
  for (const auto& kv : o) {
    std::string_view key = kv.key();
    bool matched = false;
    for (size_t i = 0; i < n->properties.size(); ++i) {
      const std::string& name = n->properties[i].first;
      if (name.size() == key.size() && std::memcmp(name.data(), key.data(), key.size()) == 0) {
        matched = true;
        seen |= uint64_t{1} << i;
        if (!Check(n->properties[i].second, kv.value(), nullptr, path)) return false;
        break;  // property names are unique
      }
    }
    if (!scan) continue;
    for (const auto& [re, s] : n->pattern_properties) {
      if (re.Search(key)) {
        matched = true;
        if (!Check(s, kv.value(), nullptr, path)) return false;
      }
    }
    if (!matched && n->additional_properties && !Check(n->additional_properties, kv.value(), nullptr, path)) {
      return false;
    }
    if (n->property_names && !Check(n->property_names, json::value(json::string(key)), nullptr, path)) {
      return false;
    }
  }
  for (int index : n->required_index) {
    if ((seen & (uint64_t{1} << index)) == 0) return false;
  }
  return true;
}

bool Check(const Node* n, const json::value& v, std::string* err, std::string& path) {
  if (n->bool_schema >= 0) {
    return n->bool_schema == 1 || Fail(err, path, "the schema is 'false' (nothing is allowed)");
  }
  if (n->has_ref) return Check(n->ref, v, err, path);
  if (n->types) {
    bool ok = false;
    switch (v.kind()) {
      case json::kind::null: ok = n->types & kNullBit; break;
      case json::kind::bool_: ok = n->types & kBoolBit; break;
      case json::kind::object: ok = n->types & kObjectBit; break;
      case json::kind::array: ok = n->types & kArrayBit; break;
      case json::kind::string: ok = n->types & kStringBit; break;
      default: ok = (n->types & kNumberBit) || ((n->types & kIntegerBit) && IsInteger(v)); break;
    }
    if (!ok) return Fail(err, path, "type: the value has the wrong type");
  }
  if (n->enum_values) {
    bool found = false;
    for (const auto& e : *n->enum_values) {
      if (JsonEqual(e, v)) { found = true; break; }
    }
    if (!found) return Fail(err, path, "enum: the value is not one of the allowed values");
  }
  if (n->const_value && !JsonEqual(*n->const_value, v)) {
    return Fail(err, path, "const: the value differs from " + json::serialize(*n->const_value));
  }
  if (v.is_number()) {
    double d = ToDouble(v);
    if (n->maximum && d > *n->maximum) return Fail(err, path, "maximum exceeded");
    if (n->minimum && d < *n->minimum) return Fail(err, path, "below minimum");
    if (n->exclusive_maximum && d >= *n->exclusive_maximum) return Fail(err, path, "exclusiveMaximum exceeded");
    if (n->exclusive_minimum && d <= *n->exclusive_minimum) return Fail(err, path, "exclusiveMinimum not reached");
    if (n->multiple_of && *n->multiple_of > 0) {
      double m = *n->multiple_of;
      bool ok;
      if (IsInteger(v) && std::floor(m) == m && std::fabs(d) < 9e15) {
        ok = std::fmod(d, m) == 0;
      } else {
        double q = d / m;
        ok = std::isfinite(q) && std::fabs(q - std::round(q)) < 1e-9 * std::max(1.0, std::fabs(q));
      }
      if (!ok) return Fail(err, path, "multipleOf: not a multiple of " + std::to_string(m));
    }
  } else if (v.is_string()) {
    const auto& s = v.get_string();
    if ((n->max_length || n->min_length) && !detail::LengthWithin(s, n->min_length, n->max_length)) {
      size_t len = Utf8Length(s);
      if (n->max_length && len > *n->max_length) return Fail(err, path, "maxLength exceeded");
      return Fail(err, path, "shorter than minLength");
    }
    if (n->pattern && !n->pattern->Search(s)) {
      return Fail(err, path, "pattern: the string does not match");
    }
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    if (n->max_items && a.size() > *n->max_items) return Fail(err, path, "maxItems exceeded");
    if (n->min_items && a.size() < *n->min_items) return Fail(err, path, "fewer than minItems");
    if (n->unique_items) {
      for (size_t i = 0; i < a.size(); ++i) {
        for (size_t j = i + 1; j < a.size(); ++j) {
          if (JsonEqual(a[i], a[j])) return Fail(err, path, "uniqueItems: duplicate items");
        }
      }
    }
    if (n->items_is_tuple) {
      for (size_t i = 0; i < a.size(); ++i) {
        const Node* s = i < n->tuple_items.size() ? n->tuple_items[i] : n->additional_items;
        if (s && !(err ? Sub(s, a[i], err, path, std::to_string(i)) : Check(s, a[i], nullptr, path))) return false;
      }
    } else if (n->items) {
      for (size_t i = 0; i < a.size(); ++i) {
        if (!(err ? Sub(n->items, a[i], err, path, std::to_string(i)) : Check(n->items, a[i], nullptr, path))) {
          return false;
        }
      }
    }
    if (n->contains) {
      bool any = false;
      for (const auto& e : a) {
        if (Check(n->contains, e, nullptr, path)) { any = true; break; }
      }
      if (!any) return Fail(err, path, "contains: no item matches");
    }
  } else if (v.is_object() && err == nullptr && n->required_all_indexed) {
    if (!CheckObjectFast(n, v, path)) return false;
  } else if (v.is_object()) {
    const auto& o = v.get_object();
    if (n->max_properties && o.size() > *n->max_properties) return Fail(err, path, "maxProperties exceeded");
    if (n->min_properties && o.size() < *n->min_properties) return Fail(err, path, "fewer than minProperties");
    for (const auto& r : n->required) {
      if (!o.contains(r)) return Fail(err, path, "required property '" + r + "' is missing");
    }
    for (const auto& [name, names] : n->dep_required) {
      if (!o.contains(name)) continue;
      for (const auto& r : names) {
        if (!o.contains(r)) return Fail(err, path, "dependencies: '" + name + "' requires '" + r + "'");
      }
    }
    for (const auto& [name, s] : n->dep_schemas) {
      if (o.contains(name) && !Check(s, v, err, path)) return false;
    }
    bool need_scan = n->additional_properties || !n->pattern_properties.empty() || n->property_names;
    if (!need_scan) {
      for (const auto& [name, s] : n->properties) {
        if (const auto* pv = o.if_contains(name)) {
          if (!Sub(s, *pv, err, path, name)) return false;
        }
      }
    } else {
      for (const auto& kv : o) {
        std::string_view key = kv.key();
        bool matched = false;
        for (const auto& [name, s] : n->properties) {
          if (name == key) {
            matched = true;
            if (!Sub(s, kv.value(), err, path, key)) return false;
          }
        }
        for (const auto& [re, s] : n->pattern_properties) {
          if (re.Search(key)) {
            matched = true;
            if (!Sub(s, kv.value(), err, path, key)) return false;
          }
        }
        if (!matched && n->additional_properties &&
            !Sub(n->additional_properties, kv.value(), err, path, key)) {
          if (err && err->find("additionalProperties") == std::string::npos &&
              n->additional_properties->bool_schema == 0) {
            err->clear();
            Fail(err, path, "additional property '" + std::string(key) + "' is not allowed");
          }
          return false;
        }
        if (n->property_names && !Check(n->property_names, json::value(json::string(key)), nullptr, path)) {
          return Fail(err, path, "propertyNames: '" + std::string(key) + "' is not allowed");
        }
      }
    }
  }
  for (const Node* s : n->all_of) {
    if (!Check(s, v, err, path)) return false;
  }
  if (!n->any_of.empty()) {
    bool any = false;
    for (const Node* s : n->any_of) {
      if (Check(s, v, nullptr, path)) { any = true; break; }
    }
    if (!any) return Fail(err, path, "anyOf: the value matches none of the schemas");
  }
  if (!n->one_of.empty()) {
    int count = 0;
    for (const Node* s : n->one_of) {
      if (Check(s, v, nullptr, path) && ++count > 1) break;
    }
    if (count != 1) {
      return Fail(err, path, count == 0 ? "oneOf: the value matches none of the schemas"
                                        : "oneOf: the value matches more than one schema");
    }
  }
  if (n->not_ && Check(n->not_, v, nullptr, path)) return Fail(err, path, "not: the value matches the 'not' schema");
  if (n->if_) {
    if (Check(n->if_, v, nullptr, path)) {
      if (n->then_ && !Check(n->then_, v, err, path)) return false;
    } else if (n->else_ && !Check(n->else_, v, err, path)) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<JsonSchemaValidator> JsonSchemaValidator::Compile(const json::value& schema, Options options) {
  auto impl = std::make_shared<Impl>();
  impl->loader = std::move(options.loader);
  MESHD_ASSIGN_OR_RETURN(const json::value* root, impl->AddDocument(schema, options.base_uri));
  MESHD_ASSIGN_OR_RETURN(impl->root, impl->CompileNode(*root));
  impl->streamable = detail::IsStreamable(impl->root);
  JsonSchemaValidator v;
  v.impl_ = std::move(impl);
  return v;
}

Result<JsonSchemaValidator> JsonSchemaValidator::Compile(const json::value& schema) {
  return Compile(schema, Options{});
}

Result<JsonSchemaValidator> JsonSchemaValidator::Compile(std::string_view text, Options options) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status::InvalidArgument("JSON Schema is not valid JSON: " + ec.message());
  if (!v.is_object() && !v.is_bool()) {
    return Status::InvalidArgument("a JSON Schema must be an object or a boolean");
  }
  return Compile(v, std::move(options));
}

bool JsonSchemaValidator::IsValid(const json::value& instance) const {
  std::string path;
  return Check(impl_->root, instance, nullptr, path);
}

bool detail::IsValidValue(const Node* n, const json::value& v) {
  std::string path;
  return Check(n, v, nullptr, path);
}

bool JsonSchemaValidator::IsValidText(std::string_view text) const {
  if (impl_->streamable && detail::IsValidJsonStream(impl_->root, text)) return true;
  return detail::IsValidJsonText(impl_->root, text);
}

bool JsonSchemaValidator::Streamable() const { return impl_->streamable; }

bool JsonSchemaValidator::IsValidTextInOnePass(std::string_view text) const {
  return impl_->streamable && detail::IsValidJsonStream(impl_->root, text);
}

Status JsonSchemaValidator::Validate(const json::value& instance) const {
  std::string path;
  if (Check(impl_->root, instance, nullptr, path)) return Status::Ok();
  std::string err;
  Check(impl_->root, instance, &err, path);
  if (err.empty()) err = "the value does not match the schema";
  return Status::InvalidArgument("JSON Schema validation failed " + err);
}

}  // namespace meshd::schema
