#include "schema/compatibility.h"

#include <cmath>
#include <map>
#include <set>

namespace meshd::schema {

namespace json = boost::json;

std::string Incompatibility::ToString() const {
  return type + " at " + (location.empty() ? "/" : location) + ": " + message;
}

// ---------------------------------------------------------------- Avro

namespace {

class AvroChecker {
 public:
  std::vector<Incompatibility> out;

  void Check(const AvroNode* r, const AvroNode* w, const std::string& loc) {
    auto key = std::make_pair(r, w);
    if (memo_.count(key)) return;  // done or in progress (recursion): no new findings
    memo_.insert(key);
    Calculate(r, w, loc);
  }

 private:
  void Add(const char* type, const std::string& loc, std::string msg) {
    out.push_back({type, loc.empty() ? "/" : loc, std::move(msg)});
  }
  static std::string Describe(const AvroNode* n) {
    return n->named() ? std::string(AvroTypeName(n->type)) + " " + n->full_name
                      : std::string(AvroTypeName(n->type));
  }
  bool NamesMatch(const AvroNode* r, const AvroNode* w, const std::string& loc) {
    if (r->simple_name() == w->simple_name()) return true;
    for (const auto& a : r->aliases) {
      if (a == w->full_name) return true;
    }
    Add("NAME_MISMATCH", loc + "/name",
        "expected: " + w->full_name + ", reader has " + r->full_name);
    return false;
  }
  // Checks without recording, for choosing a reader union branch.
  bool Compatible(const AvroNode* r, const AvroNode* w) {
    AvroChecker sub;
    sub.memo_ = memo_;
    sub.Check(r, w, "");
    return sub.out.empty();
  }

  void Calculate(const AvroNode* r, const AvroNode* w, const std::string& loc) {
    if (r->type == w->type) {
      switch (r->type) {
        case AvroType::kArray: Check(r->items, w->items, loc + "/items"); return;
        case AvroType::kMap: Check(r->items, w->items, loc + "/values"); return;
        case AvroType::kFixed:
          NamesMatch(r, w, loc);
          if (r->size != w->size) {
            Add("FIXED_SIZE_MISMATCH", loc + "/size",
                "expected: " + std::to_string(w->size) + ", found: " + std::to_string(r->size));
          }
          return;
        case AvroType::kEnum: {
          NamesMatch(r, w, loc);
          std::set<std::string> rs(r->symbols.begin(), r->symbols.end());
          std::vector<std::string> missing;
          for (const auto& s : w->symbols) {
            if (!rs.count(s)) missing.push_back(s);
          }
          if (!missing.empty() && !r->enum_default) {
            std::string m = "reader enum " + r->full_name + " lacks writer symbols [";
            for (size_t i = 0; i < missing.size(); ++i) m += (i ? ", " : "") + missing[i];
            Add("MISSING_ENUM_SYMBOLS", loc + "/symbols", m + "]");
          }
          return;
        }
        case AvroType::kRecord: {
          NamesMatch(r, w, loc);
          for (size_t i = 0; i < r->fields.size(); ++i) {
            const AvroField& rf = r->fields[i];
            std::string floc = loc + "/fields/" + std::to_string(i);
            const AvroField* wf = nullptr;
            for (const auto& f : w->fields) {
              if (f.name == rf.name) wf = &f;
            }
            for (size_t a = 0; wf == nullptr && a < rf.aliases.size(); ++a) {
              for (const auto& f : w->fields) {
                if (f.name == rf.aliases[a]) wf = &f;
              }
            }
            if (wf == nullptr) {
              if (!rf.default_value) {
                Add("READER_FIELD_MISSING_DEFAULT_VALUE", floc,
                    "reader field '" + rf.name + "' of " + r->full_name +
                        " is absent from the writer and has no default");
              }
            } else {
              Check(rf.type, wf->type, floc + "/type");
            }
          }
          return;
        }
        case AvroType::kUnion:
          for (size_t i = 0; i < w->branches.size(); ++i) {
            if (!Compatible(r, w->branches[i])) {
              Add("MISSING_UNION_BRANCH", loc + "/" + std::to_string(i),
                  "reader union lacking writer type: " + Describe(w->branches[i]));
            }
          }
          return;
        default:
          return;  // same primitive
      }
    }
    if (w->type == AvroType::kUnion) {
      for (const AvroNode* b : w->branches) Check(r, b, loc);
      return;
    }
    auto mismatch = [&] {
      Add("TYPE_MISMATCH", loc,
          "reader type " + Describe(r) + " cannot read writer type " + Describe(w));
    };
    switch (r->type) {
      case AvroType::kLong:
        if (w->type != AvroType::kInt) mismatch();
        return;
      case AvroType::kFloat:
        if (w->type != AvroType::kInt && w->type != AvroType::kLong) mismatch();
        return;
      case AvroType::kDouble:
        if (w->type != AvroType::kInt && w->type != AvroType::kLong && w->type != AvroType::kFloat) {
          mismatch();
        }
        return;
      case AvroType::kBytes:
        if (w->type != AvroType::kString) mismatch();
        return;
      case AvroType::kString:
        if (w->type != AvroType::kBytes) mismatch();
        return;
      case AvroType::kUnion:
        for (const AvroNode* b : r->branches) {
          if (Compatible(b, w)) return;
        }
        Add("MISSING_UNION_BRANCH", loc,
            "reader union lacking writer type: " + Describe(w));
        return;
      default:
        mismatch();
        return;
    }
  }

  std::set<std::pair<const AvroNode*, const AvroNode*>> memo_;
};

}  // namespace

std::vector<Incompatibility> CheckAvroCompatibility(const AvroSchema& reader,
                                                    const AvroSchema& writer) {
  AvroChecker c;
  c.Check(reader.root(), writer.root(), "");
  return std::move(c.out);
}

// ---------------------------------------------------------------- JSON Schema

namespace {

std::string Esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '~') o += "~0";
    else if (c == '/') o += "~1";
    else o += c;
  }
  return o;
}

std::optional<double> Num(const json::object& o, std::string_view k) {
  const auto* v = o.if_contains(k);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

std::set<std::string> Types(const json::object& o) {
  std::set<std::string> t;
  const auto* v = o.if_contains("type");
  if (v == nullptr) return t;
  if (v->is_string()) t.insert(std::string(v->get_string()));
  if (v->is_array()) {
    for (const auto& e : v->get_array()) {
      if (e.is_string()) t.insert(std::string(e.get_string()));
    }
  }
  return t;
}

class JsonDiff {
 public:
  JsonDiff(const json::value& orig_root, const json::value& upd_root)
      : orig_root_(orig_root), upd_root_(upd_root) {}
  std::vector<Incompatibility> out;

  void Diff(const json::value& o_in, const json::value& u_in, const std::string& loc, int depth) {
    if (depth > 64) return;
    const json::value& o = Deref(o_in, orig_root_, 0);
    const json::value& u = Deref(u_in, upd_root_, 0);
    // Boolean schemas and {} (accept everything).
    bool o_true = IsTrue(o), u_true = IsTrue(u);
    bool o_false = o.is_bool() && !o.get_bool();
    bool u_false = u.is_bool() && !u.get_bool();
    if (u_true || o_false) return;
    if (u_false) {
      Add("SCHEMA_NARROWED", loc, "the new schema rejects everything (false)");
      return;
    }
    if (o_true) {
      Add("SCHEMA_NARROWED", loc, "the old schema accepted anything; the new one constrains it");
      return;
    }
    if (!o.is_object() || !u.is_object()) return;
    const auto& oo = o.get_object();
    const auto& uo = u.get_object();

    // type
    auto ot = Types(oo), ut = Types(uo);
    if (!ut.empty()) {
      if (ot.empty()) {
        Add("TYPE_NARROWED", loc + "/type", "a type constraint was added");
      } else {
        for (const auto& t : ot) {
          if (ut.count(t) || (t == "integer" && ut.count("number"))) continue;
          Add(ot.size() == 1 && ut.size() == 1 ? "TYPE_CHANGED" : "TYPE_NARROWED", loc + "/type",
              "type '" + t + "' is no longer accepted");
        }
      }
    }
    // bounds
    for (const char* k : {"maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties"}) {
      auto a = Num(oo, k), b = Num(uo, k);
      if (b && (!a || *b < *a)) {
        Add(a ? "MAX_DECREASED" : "MAX_ADDED", loc + "/" + k,
            std::string(k) + (a ? " decreased" : " added"));
      }
    }
    for (const char* k : {"minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties"}) {
      auto a = Num(oo, k), b = Num(uo, k);
      if (b && (!a || *b > *a)) {
        Add(a ? "MIN_INCREASED" : "MIN_ADDED", loc + "/" + k,
            std::string(k) + (a ? " increased" : " added"));
      }
    }
    if (auto b = Num(uo, "multipleOf")) {
      auto a = Num(oo, "multipleOf");
      double q = a ? *a / *b : 0.5;
      if (!a || std::fabs(q - std::round(q)) > 1e-9) {
        Add(a ? "MULTIPLE_OF_CHANGED" : "MULTIPLE_OF_ADDED", loc + "/multipleOf",
            "multipleOf added or changed to a value that old values may not satisfy");
      }
    }
    for (const char* k : {"pattern", "format", "const"}) {
      const auto* a = oo.if_contains(k);
      const auto* b = uo.if_contains(k);
      if (b && (!a || *a != *b)) {
        Add(a ? (std::string(k) == "pattern" ? "PATTERN_CHANGED" : "CONSTRAINT_CHANGED")
              : (std::string(k) == "pattern" ? "PATTERN_ADDED" : "CONSTRAINT_ADDED"),
            loc + "/" + k, std::string(k) + (a ? " changed" : " added"));
      }
    }
    if (const auto* b = uo.if_contains("uniqueItems"); b && b->is_bool() && b->get_bool()) {
      const auto* a = oo.if_contains("uniqueItems");
      if (!a || !a->is_bool() || !a->get_bool()) {
        Add("UNIQUE_ITEMS_ADDED", loc + "/uniqueItems", "uniqueItems added");
      }
    }
    // enum
    if (const auto* b = uo.if_contains("enum"); b && b->is_array()) {
      const auto* a = oo.if_contains("enum");
      if (!a || !a->is_array()) {
        Add("ENUM_ARRAY_NARROWED", loc + "/enum", "an enum constraint was added");
      } else {
        for (const auto& e : a->get_array()) {
          bool found = false;
          for (const auto& f : b->get_array()) found = found || f == e;
          if (!found) {
            Add("ENUM_ARRAY_NARROWED", loc + "/enum", "enum value " + json::serialize(e) + " was removed");
          }
        }
      }
    }
    // objects
    DiffObject(oo, uo, loc, depth);
    // arrays
    if (const auto* b = uo.if_contains("items")) {
      const auto* a = oo.if_contains("items");
      if (b->is_array()) {
        for (size_t i = 0; i < b->get_array().size(); ++i) {
          const json::value* ai = nullptr;
          if (a && a->is_array() && i < a->get_array().size()) ai = &a->get_array()[i];
          else if (a && !a->is_array()) ai = a;
          if (ai) Diff(*ai, b->get_array()[i], loc + "/items/" + std::to_string(i), depth + 1);
          else Add("ITEM_ADDED", loc + "/items/" + std::to_string(i), "a tuple item was added");
        }
      } else if (a && !a->is_array()) {
        Diff(*a, *b, loc + "/items", depth + 1);
      } else if (!a) {
        Diff(json::value(true), *b, loc + "/items", depth + 1);
      }
    }
    // combinators
    for (const char* k : {"anyOf", "oneOf"}) {
      const auto* b = uo.if_contains(k);
      if (!b || !b->is_array()) continue;
      const auto* a = oo.if_contains("anyOf");
      if (!a) a = oo.if_contains("oneOf");
      std::vector<const json::value*> olds;
      if (a && a->is_array()) {
        for (const auto& e : a->get_array()) olds.push_back(&e);
      } else {
        olds.push_back(&o);  // single schema → sum type containing it
      }
      for (size_t i = 0; i < olds.size(); ++i) {
        bool matched = false;
        for (const auto& nb : b->get_array()) {
          JsonDiff sub(orig_root_, upd_root_);
          if (olds[i] == &o) {
            // Compare the old schema minus nothing against the branch, but
            // ignore keywords the branch does not speak about.
            sub.Diff(o, nb, loc, depth + 1);
          } else {
            sub.Diff(*olds[i], nb, loc, depth + 1);
          }
          if (sub.out.empty()) { matched = true; break; }
        }
        if (!matched) {
          Add(a ? "COMBINED_TYPE_SUBSCHEMAS_CHANGED" : "SUM_TYPE_NARROWED",
              loc + "/" + k, "a value accepted by the old schema matches no " + std::string(k) + " branch");
        }
      }
    }
    // A sum type narrowed to a single schema: every old branch must still fit.
    if (!uo.if_contains("anyOf") && !uo.if_contains("oneOf")) {
      const auto* a = oo.if_contains("anyOf");
      if (!a) a = oo.if_contains("oneOf");
      if (a && a->is_array()) {
        for (size_t i = 0; i < a->get_array().size(); ++i) {
          JsonDiff sub(orig_root_, upd_root_);
          sub.Diff(a->get_array()[i], u, loc, depth + 1);
          if (!sub.out.empty()) {
            Add("SUM_TYPE_NARROWED", loc, "branch " + std::to_string(i) +
                                              " of the old anyOf/oneOf is no longer accepted");
          }
        }
      }
    }
    if (const auto* b = uo.if_contains("allOf"); b && b->is_array()) {
      const auto* a = oo.if_contains("allOf");
      for (size_t i = 0; i < b->get_array().size(); ++i) {
        bool matched = false;
        if (a && a->is_array()) {
          for (const auto& ob : a->get_array()) {
            JsonDiff sub(orig_root_, upd_root_);
            sub.Diff(ob, b->get_array()[i], loc, depth + 1);
            if (sub.out.empty()) { matched = true; break; }
          }
        } else {
          JsonDiff sub(orig_root_, upd_root_);
          sub.Diff(o, b->get_array()[i], loc, depth + 1);
          matched = sub.out.empty();
        }
        if (!matched) {
          Add("PRODUCT_TYPE_EXTENDED", loc + "/allOf/" + std::to_string(i), "an allOf conjunct was added or narrowed");
        }
      }
    }
    if (const auto* b = uo.if_contains("not")) {
      const auto* a = oo.if_contains("not");
      if (!a) {
        Add("NOT_TYPE_ADDED", loc + "/not", "a 'not' constraint was added");
      } else {
        JsonDiff sub(upd_root_, orig_root_);
        sub.Diff(*b, *a, loc + "/not", depth + 1);  // reversed
        if (!sub.out.empty()) Add("NOT_TYPE_NARROWED", loc + "/not", "the 'not' schema was widened");
      }
    }
  }

 private:
  static bool IsTrue(const json::value& v) {
    return (v.is_bool() && v.get_bool()) || (v.is_object() && v.get_object().empty());
  }

  // Resolves local "#/..." refs (JSON pointers) against the document root.
  const json::value& Deref(const json::value& v, const json::value& root, int hops) {
    if (hops > 16 || !v.is_object()) return v;
    const auto* r = v.get_object().if_contains("$ref");
    if (!r || !r->is_string()) return v;
    std::string_view ref = r->get_string();
    if (ref.empty() || ref[0] != '#') return v;
    boost::system::error_code ec;
    std::string ptr(ref.substr(1));
    const json::value* t = ptr.empty() ? &root : root.find_pointer(ptr, ec);
    if (!t || ec) return v;
    return Deref(*t, root, hops + 1);
  }

  // Returns the content model of an object schema: 0 open, 1 closed, 2 partially open.
  static int Model(const json::object& o, const json::value** addl) {
    const auto* a = o.if_contains("additionalProperties");
    *addl = a;
    if (o.if_contains("patternProperties")) return 2;
    if (!a || IsTrue(*a)) return 0;
    if (a->is_bool()) return 1;
    return 2;
  }

  void DiffObject(const json::object& oo, const json::object& uo, const std::string& loc, int depth) {
    const auto* op = oo.if_contains("properties");
    const auto* up = uo.if_contains("properties");
    static const json::object kEmpty;
    const json::object& opo = op && op->is_object() ? op->get_object() : kEmpty;
    const json::object& upo = up && up->is_object() ? up->get_object() : kEmpty;
    const json::value* oaddl = nullptr;
    const json::value* uaddl = nullptr;
    int omodel = Model(oo, &oaddl);
    int umodel = Model(uo, &uaddl);
    bool is_object_schema = op || up || oaddl || uaddl || Types(oo).count("object") ||
                            Types(uo).count("object");
    if (!is_object_schema) return;
    for (const auto& kv : opo) {
      std::string ploc = loc + "/properties/" + Esc(kv.key());
      if (const auto* nv = upo.if_contains(kv.key())) {
        Diff(kv.value(), *nv, ploc, depth + 1);
        continue;
      }
      // Removed from the new schema: old data may hold it.
      if (kv.value().is_bool() && !kv.value().get_bool()) continue;
      if (umodel == 0) continue;  // PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
      if (umodel == 1) {
        Add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", ploc,
            "property '" + std::string(kv.key()) + "' was removed from a closed content model");
        continue;
      }
      JsonDiff sub(orig_root_, upd_root_);
      sub.Diff(kv.value(), uaddl ? *uaddl : json::value(true), ploc, depth + 1);
      if (!sub.out.empty()) {
        Add("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", ploc,
            "property '" + std::string(kv.key()) +
                "' was removed and additionalProperties does not accept its old values");
      }
    }
    for (const auto& kv : upo) {
      if (opo.if_contains(kv.key())) continue;
      std::string ploc = loc + "/properties/" + Esc(kv.key());
      if (IsTrue(kv.value())) continue;
      if (omodel == 0) {
        Add("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", ploc,
            "property '" + std::string(kv.key()) +
                "' was added to an open content model (old data may hold any value there)");
        continue;
      }
      if (omodel == 1) continue;  // OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL
      JsonDiff sub(orig_root_, upd_root_);
      sub.Diff(oaddl ? *oaddl : json::value(true), kv.value(), ploc, depth + 1);
      if (!sub.out.empty()) {
        Add("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", ploc,
            "property '" + std::string(kv.key()) +
                "' was added and its schema is narrower than the old additionalProperties");
      }
    }
    // additionalProperties itself
    if (uaddl && !IsTrue(*uaddl)) {
      if (!oaddl || IsTrue(*oaddl)) {
        if (uaddl->is_bool()) {
          Add("ADDITIONAL_PROPERTIES_REMOVED", loc + "/additionalProperties",
              "additionalProperties changed to false");
        } else {
          Add("ADDITIONAL_PROPERTIES_NARROWED", loc + "/additionalProperties",
              "additionalProperties was narrowed");
        }
      } else if (!(oaddl->is_bool())) {
        Diff(*oaddl, *uaddl, loc + "/additionalProperties", depth + 1);
      }
    }
    // required
    std::set<std::string> oreq;
    if (const auto* r = oo.if_contains("required"); r && r->is_array()) {
      for (const auto& e : r->get_array()) if (e.is_string()) oreq.insert(std::string(e.get_string()));
    }
    if (const auto* r = uo.if_contains("required"); r && r->is_array()) {
      for (const auto& e : r->get_array()) {
        if (!e.is_string() || oreq.count(std::string(e.get_string()))) continue;
        const auto* ps = upo.if_contains(e.get_string());
        bool has_default = ps && ps->is_object() && ps->get_object().if_contains("default");
        if (!has_default) {
          Add("REQUIRED_ATTRIBUTE_ADDED", loc + "/required",
              "property '" + std::string(e.get_string()) + "' became required without a default");
        }
      }
    }
  }

  void Add(const char* type, const std::string& loc, std::string msg) {
    out.push_back({type, loc.empty() ? "/" : loc, std::move(msg)});
  }

  const json::value& orig_root_;
  const json::value& upd_root_;
};

}  // namespace

std::vector<Incompatibility> CheckJsonSchemaCompatibility(const json::value& original,
                                                          const json::value& update) {
  JsonDiff d(original, update);
  d.Diff(original, update, "", 0);
  return std::move(d.out);
}

// ---------------------------------------------------------------- levels

std::optional<CompatibilityLevel> ParseCompatibilityLevel(std::string_view s) {
  static const std::pair<const char*, CompatibilityLevel> kLevels[] = {
      {"NONE", CompatibilityLevel::kNone},
      {"BACKWARD", CompatibilityLevel::kBackward},
      {"BACKWARD_TRANSITIVE", CompatibilityLevel::kBackwardTransitive},
      {"FORWARD", CompatibilityLevel::kForward},
      {"FORWARD_TRANSITIVE", CompatibilityLevel::kForwardTransitive},
      {"FULL", CompatibilityLevel::kFull},
      {"FULL_TRANSITIVE", CompatibilityLevel::kFullTransitive}};
  for (const auto& [n, l] : kLevels) {
    if (s == n) return l;
  }
  return std::nullopt;
}

std::string_view CompatibilityLevelName(CompatibilityLevel level) {
  switch (level) {
    case CompatibilityLevel::kNone: return "NONE";
    case CompatibilityLevel::kBackward: return "BACKWARD";
    case CompatibilityLevel::kBackwardTransitive: return "BACKWARD_TRANSITIVE";
    case CompatibilityLevel::kForward: return "FORWARD";
    case CompatibilityLevel::kForwardTransitive: return "FORWARD_TRANSITIVE";
    case CompatibilityLevel::kFull: return "FULL";
    case CompatibilityLevel::kFullTransitive: return "FULL_TRANSITIVE";
  }
  return "BACKWARD";
}

std::optional<SchemaType> ParseSchemaType(std::string_view s) {
  if (s == "AVRO" || s.empty()) return SchemaType::kAvro;
  if (s == "JSON") return SchemaType::kJson;
  if (s == "PROTOBUF") return SchemaType::kProtobuf;
  return std::nullopt;
}

std::string_view SchemaTypeName(SchemaType t) {
  switch (t) {
    case SchemaType::kAvro: return "AVRO";
    case SchemaType::kJson: return "JSON";
    case SchemaType::kProtobuf: return "PROTOBUF";
  }
  return "AVRO";
}

namespace {

// reader reads data written by writer.
std::vector<Incompatibility> Pair(const ParsedSchema& reader, const ParsedSchema& writer) {
  if (reader.type != writer.type) {
    return {{"SCHEMA_TYPE_CHANGED", "/",
             "schema type changed from " + std::string(SchemaTypeName(writer.type)) + " to " +
                 std::string(SchemaTypeName(reader.type))}};
  }
  if (reader.type == SchemaType::kAvro) return CheckAvroCompatibility(*reader.avro, *writer.avro);
  // JSON: data valid under the writer (original) must stay valid under the reader (update).
  return CheckJsonSchemaCompatibility(writer.json, reader.json);
}

}  // namespace

std::vector<std::string> CheckCompatibility(CompatibilityLevel level,
                                            const ParsedSchema& candidate,
                                            const std::vector<const ParsedSchema*>& previous) {
  std::vector<std::string> msgs;
  if (level == CompatibilityLevel::kNone || previous.empty()) return msgs;
  bool transitive = level == CompatibilityLevel::kBackwardTransitive ||
                    level == CompatibilityLevel::kForwardTransitive ||
                    level == CompatibilityLevel::kFullTransitive;
  bool backward = level != CompatibilityLevel::kForward && level != CompatibilityLevel::kForwardTransitive;
  bool forward = level != CompatibilityLevel::kBackward && level != CompatibilityLevel::kBackwardTransitive;
  size_t first = transitive ? 0 : previous.size() - 1;
  for (size_t i = previous.size(); i-- > first;) {
    const ParsedSchema& old = *previous[i];
    std::string which = transitive ? "version index " + std::to_string(i) : "the latest version";
    if (backward) {
      for (const auto& inc : Pair(candidate, old)) {
        msgs.push_back("BACKWARD (new schema reading data written with " + which + "): " + inc.ToString());
      }
    }
    if (forward) {
      for (const auto& inc : Pair(old, candidate)) {
        msgs.push_back("FORWARD (" + which + " reading data written with the new schema): " + inc.ToString());
      }
    }
  }
  return msgs;
}

}  // namespace meshd::schema
