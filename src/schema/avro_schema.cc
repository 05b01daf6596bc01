#include "schema/avro_schema.h"

#include <cmath>
#include <cstring>
#include <map>
#include <set>

namespace meshd::schema {

namespace json = boost::json;

struct AvroSchema::Arena {
  std::vector<std::unique_ptr<AvroNode>> nodes;
  std::map<std::string, const AvroNode*> named;  // full name → node
  AvroNode* Make(AvroType t) {
    nodes.push_back(std::make_unique<AvroNode>());
    nodes.back()->type = t;
    return nodes.back().get();
  }
};

std::string_view AvroTypeName(AvroType t) {
  switch (t) {
    case AvroType::kNull: return "null";
    case AvroType::kBoolean: return "boolean";
    case AvroType::kInt: return "int";
    case AvroType::kLong: return "long";
    case AvroType::kFloat: return "float";
    case AvroType::kDouble: return "double";
    case AvroType::kBytes: return "bytes";
    case AvroType::kString: return "string";
    case AvroType::kRecord: return "record";
    case AvroType::kEnum: return "enum";
    case AvroType::kArray: return "array";
    case AvroType::kMap: return "map";
    case AvroType::kUnion: return "union";
    case AvroType::kFixed: return "fixed";
  }
  return "?";
}

std::string AvroNode::simple_name() const {
  auto dot = full_name.rfind('.');
  return dot == std::string::npos ? full_name : full_name.substr(dot + 1);
}

namespace {

std::optional<AvroType> PrimitiveType(std::string_view s) {
  static const std::pair<const char*, AvroType> kPrims[] = {
      {"null", AvroType::kNull},     {"boolean", AvroType::kBoolean}, {"int", AvroType::kInt},
      {"long", AvroType::kLong},     {"float", AvroType::kFloat},     {"double", AvroType::kDouble},
      {"bytes", AvroType::kBytes},   {"string", AvroType::kString}};
  for (const auto& [n, t] : kPrims) {
    if (s == n) return t;
  }
  return std::nullopt;
}

bool ValidNamePart(std::string_view s) {
  if (s.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

bool ValidFullName(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!ValidNamePart(s.substr(start, dot == std::string_view::npos ? s.npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string NamespaceOf(const std::string& full) {
  auto dot = full.rfind('.');
  return dot == std::string::npos ? "" : full.substr(0, dot);
}

class Parser {
 public:
  explicit Parser(AvroSchema::Arena* arena) : arena_(arena) {}

  Result<const AvroNode*> Parse(const json::value& v, const std::string& ns,
                                const std::string& where) {
    if (v.is_string()) return ParseName(std::string(v.get_string()), ns, where);
    if (v.is_array()) return ParseUnion(v.get_array(), ns, where);
    if (!v.is_object()) {
      return Status::InvalidArgument("Avro schema at " + where +
                                     " must be a string, an object or an array");
    }
    const auto& o = v.get_object();
    const auto* t = o.if_contains("type");
    if (t == nullptr) return Status::InvalidArgument("Avro schema at " + where + " has no 'type'");
    if (!t->is_string()) {
      // {"type": {...}} or {"type": [...]}: a nested schema.
      return Parse(*t, ns, where + "/type");
    }
    std::string type(t->get_string());
    std::string logical;
    if (const auto* lt = o.if_contains("logicalType"); lt && lt->is_string()) {
      logical = std::string(lt->get_string());
    }
    if (auto p = PrimitiveType(type)) {
      AvroNode* n = arena_->Make(*p);
      n->logical_type = logical;
      return static_cast<const AvroNode*>(n);
    }
    if (type == "record" || type == "error") return ParseRecord(o, ns, where);
    if (type == "enum") return ParseEnum(o, ns, where);
    if (type == "fixed") return ParseFixed(o, ns, where);
    if (type == "array" || type == "map") {
      const char* key = type == "array" ? "items" : "values";
      const auto* it = o.if_contains(key);
      if (it == nullptr) {
        return Status::InvalidArgument("Avro " + type + " at " + where + " has no '" + key + "'");
      }
      AvroNode* n = arena_->Make(type == "array" ? AvroType::kArray : AvroType::kMap);
      MESHD_ASSIGN_OR_RETURN(n->items, Parse(*it, ns, where + "/" + key));
      n->logical_type = logical;
      return static_cast<const AvroNode*>(n);
    }
    // {"type": "com.acme.Named"}: a reference written as an object.
    return ParseName(type, ns, where + "/type");
  }

 private:
  Result<const AvroNode*> ParseName(const std::string& name, const std::string& ns,
                                    const std::string& where) {
    if (auto p = PrimitiveType(name)) return static_cast<const AvroNode*>(arena_->Make(*p));
    std::string full = name.find('.') == std::string::npos && !ns.empty() ? ns + "." + name : name;
    auto it = arena_->named.find(full);
    if (it == arena_->named.end() && full != name) it = arena_->named.find(name);
    if (it == arena_->named.end()) {
      return Status::InvalidArgument("Avro schema at " + where + ": unknown type '" + name + "'");
    }
    return it->second;
  }

  Result<std::string> DefineName(const json::object& o, const std::string& ns,
                                 const std::string& where, std::string* out_ns) {
    const auto* nv = o.if_contains("name");
    if (nv == nullptr || !nv->is_string()) {
      return Status::InvalidArgument("Avro named type at " + where + " needs a string 'name'");
    }
    std::string name(nv->get_string());
    std::string space = ns;
    if (const auto* nsv = o.if_contains("namespace")) {
      if (nsv->is_string()) {
        space = std::string(nsv->get_string());
      } else if (!nsv->is_null()) {
        return Status::InvalidArgument("Avro 'namespace' at " + where + " must be a string");
      }
    }
    std::string full = name.find('.') != std::string::npos ? name
                       : space.empty()                    ? name
                                                          : space + "." + name;
    if (!ValidFullName(full)) {
      return Status::InvalidArgument("Avro name '" + full + "' at " + where + " is invalid");
    }
    if (PrimitiveType(full)) {
      return Status::InvalidArgument("Avro name '" + full + "' at " + where +
                                     " redefines a primitive type");
    }
    if (arena_->named.count(full)) {
      return Status::InvalidArgument("Avro name '" + full + "' at " + where +
                                     " is defined more than once");
    }
    *out_ns = NamespaceOf(full);
    return full;
  }

  Status ParseAliases(const json::object& o, const std::string& ns, const std::string& where,
                      std::vector<std::string>* out, bool qualify) {
    const auto* a = o.if_contains("aliases");
    if (a == nullptr) return Status::Ok();
    if (!a->is_array()) return Status::InvalidArgument("Avro 'aliases' at " + where + " must be an array");
    for (const auto& e : a->get_array()) {
      if (!e.is_string()) {
        return Status::InvalidArgument("Avro alias at " + where + " must be a string");
      }
      std::string s(e.get_string());
      if (qualify && s.find('.') == std::string::npos && !ns.empty()) s = ns + "." + s;
      out->push_back(s);
    }
    return Status::Ok();
  }

  Result<const AvroNode*> ParseRecord(const json::object& o, const std::string& ns,
                                      const std::string& where) {
    std::string inner_ns;
    MESHD_ASSIGN_OR_RETURN(std::string full, DefineName(o, ns, where, &inner_ns));
    AvroNode* n = arena_->Make(AvroType::kRecord);
    n->full_name = full;
    arena_->named[full] = n;  // before the fields: allows recursion
    MESHD_TRY(ParseAliases(o, inner_ns, where, &n->aliases, true));
    const auto* fv = o.if_contains("fields");
    if (fv == nullptr || !fv->is_array()) {
      return Status::InvalidArgument("Avro record '" + full + "' at " + where +
                                     " needs a 'fields' array");
    }
    std::set<std::string> seen;
    int i = 0;
    for (const auto& f : fv->get_array()) {
      std::string fwhere = where + "/fields/" + std::to_string(i++);
      if (!f.is_object()) return Status::InvalidArgument("Avro field at " + fwhere + " must be an object");
      const auto& fo = f.get_object();
      const auto* name = fo.if_contains("name");
      if (name == nullptr || !name->is_string() || !ValidNamePart(name->get_string())) {
        return Status::InvalidArgument("Avro field at " + fwhere + " needs a valid 'name'");
      }
      AvroField field;
      field.name = std::string(name->get_string());
      if (!seen.insert(field.name).second) {
        return Status::InvalidArgument("Avro record '" + full + "' has duplicate field '" +
                                       field.name + "'");
      }
      const auto* ft = fo.if_contains("type");
      if (ft == nullptr) {
        return Status::InvalidArgument("Avro field '" + field.name + "' at " + fwhere + " has no 'type'");
      }
      MESHD_ASSIGN_OR_RETURN(field.type, Parse(*ft, inner_ns, fwhere + "/type"));
      MESHD_TRY(ParseAliases(fo, inner_ns, fwhere, &field.aliases, false));
      if (const auto* d = fo.if_contains("default")) {
        Status s = CheckDefault(field.type, *d, fwhere + "/default");
        if (!s.ok()) {
          return Status::InvalidArgument("Invalid default for field '" + field.name + "': " +
                                         s.message());
        }
        field.default_value = *d;
      }
      n->fields.push_back(std::move(field));
    }
    return static_cast<const AvroNode*>(n);
  }

  Result<const AvroNode*> ParseEnum(const json::object& o, const std::string& ns,
                                    const std::string& where) {
    std::string inner_ns;
    MESHD_ASSIGN_OR_RETURN(std::string full, DefineName(o, ns, where, &inner_ns));
    AvroNode* n = arena_->Make(AvroType::kEnum);
    n->full_name = full;
    MESHD_TRY(ParseAliases(o, inner_ns, where, &n->aliases, true));
    const auto* sv = o.if_contains("symbols");
    if (sv == nullptr || !sv->is_array()) {
      return Status::InvalidArgument("Avro enum '" + full + "' needs a 'symbols' array");
    }
    std::set<std::string> seen;
    for (const auto& s : sv->get_array()) {
      if (!s.is_string() || !ValidNamePart(s.get_string())) {
        return Status::InvalidArgument("Avro enum '" + full + "' has an invalid symbol " +
                                       json::serialize(s));
      }
      if (!seen.insert(std::string(s.get_string())).second) {
        return Status::InvalidArgument("Avro enum '" + full + "' has duplicate symbol '" +
                                       std::string(s.get_string()) + "'");
      }
      n->symbols.emplace_back(s.get_string());
    }
    if (const auto* d = o.if_contains("default")) {
      if (!d->is_string() || !seen.count(std::string(d->get_string()))) {
        return Status::InvalidArgument("Avro enum '" + full + "' default " + json::serialize(*d) +
                                       " is not one of its symbols");
      }
      n->enum_default = std::string(d->get_string());
    }
    arena_->named[full] = n;
    return static_cast<const AvroNode*>(n);
  }

  Result<const AvroNode*> ParseFixed(const json::object& o, const std::string& ns,
                                     const std::string& where) {
    std::string inner_ns;
    MESHD_ASSIGN_OR_RETURN(std::string full, DefineName(o, ns, where, &inner_ns));
    AvroNode* n = arena_->Make(AvroType::kFixed);
    n->full_name = full;
    MESHD_TRY(ParseAliases(o, inner_ns, where, &n->aliases, true));
    const auto* sz = o.if_contains("size");
    if (sz == nullptr || !sz->is_int64() || sz->get_int64() < 0) {
      return Status::InvalidArgument("Avro fixed '" + full + "' needs a non-negative integer 'size'");
    }
    n->size = sz->get_int64();
    if (const auto* lt = o.if_contains("logicalType"); lt && lt->is_string()) {
      n->logical_type = std::string(lt->get_string());
    }
    arena_->named[full] = n;
    return static_cast<const AvroNode*>(n);
  }

  Result<const AvroNode*> ParseUnion(const json::array& a, const std::string& ns,
                                     const std::string& where) {
    AvroNode* n = arena_->Make(AvroType::kUnion);
    std::set<std::string> seen;
    int i = 0;
    for (const auto& b : a) {
      std::string bwhere = where + "/" + std::to_string(i++);
      MESHD_ASSIGN_OR_RETURN(const AvroNode* bn, Parse(b, ns, bwhere));
      if (bn->type == AvroType::kUnion) {
        return Status::InvalidArgument("Avro union at " + where + " directly contains a union");
      }
      std::string key = bn->named() ? bn->full_name : std::string(AvroTypeName(bn->type));
      if (!seen.insert(key).second) {
        return Status::InvalidArgument("Avro union at " + where + " contains '" + key + "' twice");
      }
      n->branches.push_back(bn);
    }
    return static_cast<const AvroNode*>(n);
  }

  // Defaults use Avro's JSON encoding; a union's default matches its first branch.
  Status CheckDefault(const AvroNode* t, const json::value& d, const std::string& where) {
    if (t->type == AvroType::kUnion) {
      if (t->branches.empty()) return Status::InvalidArgument("empty union at " + where);
      return CheckDefault(t->branches[0], d, where);
    }
    auto bad = [&] {
      return Status::InvalidArgument(json::serialize(d) + " is not a valid " +
                                     std::string(AvroTypeName(t->type)) + " at " + where);
    };
    switch (t->type) {
      case AvroType::kNull: return d.is_null() ? Status::Ok() : bad();
      case AvroType::kBoolean: return d.is_bool() ? Status::Ok() : bad();
      case AvroType::kInt:
        return d.is_int64() && d.get_int64() >= INT32_MIN && d.get_int64() <= INT32_MAX ? Status::Ok() : bad();
      case AvroType::kLong: return d.is_int64() ? Status::Ok() : bad();
      case AvroType::kFloat:
      case AvroType::kDouble: return d.is_number() ? Status::Ok() : bad();
      case AvroType::kBytes:
      case AvroType::kString:
      case AvroType::kFixed: return d.is_string() ? Status::Ok() : bad();
      case AvroType::kEnum:
        if (!d.is_string()) return bad();
        for (const auto& s : t->symbols) if (s == d.get_string()) return Status::Ok();
        return bad();
      case AvroType::kArray:
        if (!d.is_array()) return bad();
        for (const auto& e : d.get_array()) MESHD_TRY(CheckDefault(t->items, e, where));
        return Status::Ok();
      case AvroType::kMap:
        if (!d.is_object()) return bad();
        for (const auto& kv : d.get_object()) MESHD_TRY(CheckDefault(t->items, kv.value(), where));
        return Status::Ok();
      case AvroType::kRecord: {
        if (!d.is_object()) return bad();
        for (const auto& f : t->fields) {
          const auto* fv = d.get_object().if_contains(f.name);
          if (fv == nullptr) {
            if (!f.default_value) return bad();
            continue;
          }
          MESHD_TRY(CheckDefault(f.type, *fv, where + "/" + f.name));
        }
        return Status::Ok();
      }
      case AvroType::kUnion: break;
    }
    return Status::Ok();
  }

  AvroSchema::Arena* arena_;
};

void AppendJsonString(std::string* out, std::string_view s) { *out += json::serialize(json::string(s)); }

void WriteCanonical(const AvroNode* n, std::set<const AvroNode*>* done, std::string* out) {
  switch (n->type) {
    case AvroType::kNull: case AvroType::kBoolean: case AvroType::kInt: case AvroType::kLong:
    case AvroType::kFloat: case AvroType::kDouble: case AvroType::kBytes: case AvroType::kString:
      AppendJsonString(out, AvroTypeName(n->type));
      return;
    case AvroType::kUnion: {
      *out += '[';
      for (size_t i = 0; i < n->branches.size(); ++i) {
        if (i) *out += ',';
        WriteCanonical(n->branches[i], done, out);
      }
      *out += ']';
      return;
    }
    case AvroType::kArray:
    case AvroType::kMap:
      *out += n->type == AvroType::kArray ? "{\"type\":\"array\",\"items\":" : "{\"type\":\"map\",\"values\":";
      WriteCanonical(n->items, done, out);
      *out += '}';
      return;
    case AvroType::kRecord: case AvroType::kEnum: case AvroType::kFixed:
      if (done->count(n)) {
        AppendJsonString(out, n->full_name);
        return;
      }
      done->insert(n);
      *out += "{\"name\":";
      AppendJsonString(out, n->full_name);
      *out += ",\"type\":";
      AppendJsonString(out, AvroTypeName(n->type));
      if (n->type == AvroType::kRecord) {
        *out += ",\"fields\":[";
        for (size_t i = 0; i < n->fields.size(); ++i) {
          if (i) *out += ',';
          *out += "{\"name\":";
          AppendJsonString(out, n->fields[i].name);
          *out += ",\"type\":";
          WriteCanonical(n->fields[i].type, done, out);
          *out += '}';
        }
        *out += ']';
      } else if (n->type == AvroType::kEnum) {
        *out += ",\"symbols\":[";
        for (size_t i = 0; i < n->symbols.size(); ++i) {
          if (i) *out += ',';
          AppendJsonString(out, n->symbols[i]);
        }
        *out += ']';
      } else {
        *out += ",\"size\":" + std::to_string(n->size);
      }
      *out += '}';
      return;
  }
}

// ---- JSON datum validation / encoding (one walker does both)

void PutLong(int64_t v, std::string* out) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z & ~0x7FULL) {
    out->push_back(static_cast<char>((z & 0x7F) | 0x80));
    z >>= 7;
  }
  out->push_back(static_cast<char>(z));
}

bool IsIntegral(const json::value& v, int64_t* out) {
  if (v.is_int64()) { *out = v.get_int64(); return true; }
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v.get_uint64());
    return true;
  }
  return false;
}

double AsDouble(const json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return static_cast<double>(v.get_uint64());
}

// Matches `v` to one union branch (null, a {"name": value} wrapper, or the
// first branch that accepts the plain value). Returns the branch index.
Status Encode(const AvroNode* n, const json::value& v, const std::string& ptr, std::string* out);

Result<std::pair<size_t, const json::value*>> PickBranch(const AvroNode* n, const json::value& v,
                                                         const std::string& ptr) {
  if (v.is_object() && v.get_object().size() == 1) {
    const auto& [k, inner] = *v.get_object().begin();
    for (size_t i = 0; i < n->branches.size(); ++i) {
      const AvroNode* b = n->branches[i];
      std::string name = b->named() ? b->full_name : std::string(AvroTypeName(b->type));
      if (k == name || (b->named() && k == b->simple_name())) {
        std::string tmp;
        if (Encode(b, inner, ptr, &tmp).ok()) return std::make_pair(i, &inner);
      }
    }
  }
  for (size_t i = 0; i < n->branches.size(); ++i) {
    std::string tmp;
    if (Encode(n->branches[i], v, ptr, &tmp).ok()) return std::make_pair(i, &v);
  }
  return Status::InvalidArgument("value at '" + ptr + "' matches no branch of the union");
}

Status Encode(const AvroNode* n, const json::value& v, const std::string& ptr, std::string* out) {
  auto bad = [&](const char* want) {
    return Status::InvalidArgument("value at '" + (ptr.empty() ? std::string("/") : ptr) +
                                   "' is not " + want + " (Avro " +
                                   std::string(AvroTypeName(n->type)) + ")");
  };
  int64_t i = 0;
  switch (n->type) {
    case AvroType::kNull:
      return v.is_null() ? Status::Ok() : bad("null");
    case AvroType::kBoolean:
      if (!v.is_bool()) return bad("a boolean");
      out->push_back(v.get_bool() ? 1 : 0);
      return Status::Ok();
    case AvroType::kInt:
      if (!IsIntegral(v, &i) || i < INT32_MIN || i > INT32_MAX) return bad("a 32-bit integer");
      PutLong(i, out);
      return Status::Ok();
    case AvroType::kLong:
      if (!IsIntegral(v, &i)) return bad("a 64-bit integer");
      PutLong(i, out);
      return Status::Ok();
    case AvroType::kFloat: {
      if (!v.is_number()) return bad("a number");
      float f = static_cast<float>(AsDouble(v));
      char b[4];
      std::memcpy(b, &f, 4);
      out->append(b, 4);
      return Status::Ok();
    }
    case AvroType::kDouble: {
      if (!v.is_number()) return bad("a number");
      double d = AsDouble(v);
      char b[8];
      std::memcpy(b, &d, 8);
      out->append(b, 8);
      return Status::Ok();
    }
    case AvroType::kBytes:
    case AvroType::kString:
      if (!v.is_string()) return bad("a string");
      PutLong(static_cast<int64_t>(v.get_string().size()), out);
      out->append(v.get_string().data(), v.get_string().size());
      return Status::Ok();
    case AvroType::kFixed:
      if (!v.is_string() || static_cast<int64_t>(v.get_string().size()) != n->size) {
        return bad("a string of the fixed size");
      }
      out->append(v.get_string().data(), v.get_string().size());
      return Status::Ok();
    case AvroType::kEnum:
      if (v.is_string()) {
        for (size_t k = 0; k < n->symbols.size(); ++k) {
          if (n->symbols[k] == v.get_string()) {
            PutLong(static_cast<int64_t>(k), out);
            return Status::Ok();
          }
        }
      }
      return bad("a symbol of the enum");
    case AvroType::kArray: {
      if (!v.is_array()) return bad("an array");
      const auto& a = v.get_array();
      if (!a.empty()) {
        PutLong(static_cast<int64_t>(a.size()), out);
        for (size_t k = 0; k < a.size(); ++k) {
          MESHD_TRY(Encode(n->items, a[k], ptr + "/" + std::to_string(k), out));
        }
      }
      out->push_back(0);
      return Status::Ok();
    }
    case AvroType::kMap: {
      if (!v.is_object()) return bad("an object");
      const auto& o = v.get_object();
      if (!o.empty()) {
        PutLong(static_cast<int64_t>(o.size()), out);
        for (const auto& kv : o) {
          PutLong(static_cast<int64_t>(kv.key().size()), out);
          out->append(kv.key().data(), kv.key().size());
          MESHD_TRY(Encode(n->items, kv.value(), ptr + "/" + std::string(kv.key()), out));
        }
      }
      out->push_back(0);
      return Status::Ok();
    }
    case AvroType::kRecord: {
      if (!v.is_object()) return bad("an object");
      const auto& o = v.get_object();
      for (const auto& f : n->fields) {
        const json::value* fv = o.if_contains(f.name);
        if (fv == nullptr) {
          if (f.default_value) {
            fv = &*f.default_value;
          } else {
            return Status::InvalidArgument("field '" + ptr + "/" + f.name + "' is missing (record " +
                                           n->full_name + ")");
          }
        }
        MESHD_TRY(Encode(f.type, *fv, ptr + "/" + f.name, out));
      }
      return Status::Ok();
    }
    case AvroType::kUnion: {
      MESHD_ASSIGN_OR_RETURN(auto pick, PickBranch(n, v, ptr));
      PutLong(static_cast<int64_t>(pick.first), out);
      return Encode(n->branches[pick.first], *pick.second, ptr, out);
    }
  }
  return Status::Ok();
}

class Decoder {
 public:
  explicit Decoder(std::string_view b) : b_(b) {}
  bool done() const { return pos_ == b_.size(); }

  Result<json::value> Decode(const AvroNode* n, int depth) {
    if (depth > 256) return Err("nesting too deep");
    switch (n->type) {
      case AvroType::kNull: return json::value(nullptr);
      case AvroType::kBoolean: {
        if (pos_ >= b_.size()) return Err("truncated boolean");
        uint8_t c = static_cast<uint8_t>(b_[pos_++]);
        if (c > 1) return Err("invalid boolean byte");
        return json::value(c == 1);
      }
      case AvroType::kInt: {
        MESHD_ASSIGN_OR_RETURN(int64_t v, Long());
        if (v < INT32_MIN || v > INT32_MAX) return Err("int out of range");
        return json::value(v);
      }
      case AvroType::kLong: {
        MESHD_ASSIGN_OR_RETURN(int64_t v, Long());
        return json::value(v);
      }
      case AvroType::kFloat: {
        if (b_.size() - pos_ < 4) return Err("truncated float");
        float f;
        std::memcpy(&f, b_.data() + pos_, 4);
        pos_ += 4;
        return json::value(static_cast<double>(f));
      }
      case AvroType::kDouble: {
        if (b_.size() - pos_ < 8) return Err("truncated double");
        double d;
        std::memcpy(&d, b_.data() + pos_, 8);
        pos_ += 8;
        return json::value(d);
      }
      case AvroType::kBytes:
      case AvroType::kString: {
        MESHD_ASSIGN_OR_RETURN(int64_t len, Long());
        if (len < 0 || static_cast<uint64_t>(len) > b_.size() - pos_) return Err("truncated string/bytes");
        json::value v = json::string(b_.substr(pos_, static_cast<size_t>(len)));
        pos_ += static_cast<size_t>(len);
        return v;
      }
      case AvroType::kFixed: {
        if (static_cast<uint64_t>(n->size) > b_.size() - pos_) return Err("truncated fixed");
        json::value v = json::string(b_.substr(pos_, static_cast<size_t>(n->size)));
        pos_ += static_cast<size_t>(n->size);
        return v;
      }
      case AvroType::kEnum: {
        MESHD_ASSIGN_OR_RETURN(int64_t k, Long());
        if (k < 0 || static_cast<size_t>(k) >= n->symbols.size()) return Err("enum index out of range");
        return json::value(json::string(n->symbols[static_cast<size_t>(k)]));
      }
      case AvroType::kArray:
      case AvroType::kMap: {
        json::array arr;
        json::object obj;
        while (true) {
          MESHD_ASSIGN_OR_RETURN(int64_t count, Long());
          if (count == 0) break;
          if (count < 0) {
            if (count == INT64_MIN) return Err("invalid block count");
            count = -count;
            MESHD_ASSIGN_OR_RETURN(int64_t bytes, Long());
            (void)bytes;
          }
          if (static_cast<uint64_t>(count) > b_.size() - pos_ + 1) return Err("block count too large");
          for (int64_t k = 0; k < count; ++k) {
            if (n->type == AvroType::kMap) {
              MESHD_ASSIGN_OR_RETURN(int64_t len, Long());
              if (len < 0 || static_cast<uint64_t>(len) > b_.size() - pos_) return Err("truncated map key");
              std::string key(b_.substr(pos_, static_cast<size_t>(len)));
              pos_ += static_cast<size_t>(len);
              MESHD_ASSIGN_OR_RETURN(json::value v, Decode(n->items, depth + 1));
              obj[key] = std::move(v);
            } else {
              MESHD_ASSIGN_OR_RETURN(json::value v, Decode(n->items, depth + 1));
              arr.push_back(std::move(v));
            }
          }
        }
        if (n->type == AvroType::kMap) return json::value(std::move(obj));
        return json::value(std::move(arr));
      }
      case AvroType::kRecord: {
        json::object o;
        for (const auto& f : n->fields) {
          MESHD_ASSIGN_OR_RETURN(json::value v, Decode(f.type, depth + 1));
          o[f.name] = std::move(v);
        }
        return json::value(std::move(o));
      }
      case AvroType::kUnion: {
        MESHD_ASSIGN_OR_RETURN(int64_t k, Long());
        if (k < 0 || static_cast<size_t>(k) >= n->branches.size()) return Err("union index out of range");
        return Decode(n->branches[static_cast<size_t>(k)], depth + 1);
      }
    }
    return Err("unknown type");
  }

  // Walks one datum without building a JSON value (validation only).
  Status Skip(const AvroNode* n, int depth) {
    if (depth > 256) return Err("nesting too deep");
    switch (n->type) {
      case AvroType::kNull: return Status::Ok();
      case AvroType::kBoolean:
        if (pos_ >= b_.size() || static_cast<uint8_t>(b_[pos_]) > 1) return Err("invalid boolean");
        ++pos_;
        return Status::Ok();
      case AvroType::kInt: {
        MESHD_ASSIGN_OR_RETURN(int64_t v, Long());
        if (v < INT32_MIN || v > INT32_MAX) return Err("int out of range");
        return Status::Ok();
      }
      case AvroType::kLong: return Long().status();
      case AvroType::kFloat: return Advance(4);
      case AvroType::kDouble: return Advance(8);
      case AvroType::kFixed: return Advance(static_cast<uint64_t>(n->size));
      case AvroType::kBytes:
      case AvroType::kString: {
        MESHD_ASSIGN_OR_RETURN(int64_t len, Long());
        if (len < 0) return Err("negative length");
        return Advance(static_cast<uint64_t>(len));
      }
      case AvroType::kEnum: {
        MESHD_ASSIGN_OR_RETURN(int64_t k, Long());
        if (k < 0 || static_cast<size_t>(k) >= n->symbols.size()) return Err("enum index out of range");
        return Status::Ok();
      }
      case AvroType::kArray:
      case AvroType::kMap:
        while (true) {
          MESHD_ASSIGN_OR_RETURN(int64_t count, Long());
          if (count == 0) return Status::Ok();
          if (count < 0) {
            if (count == INT64_MIN) return Err("invalid block count");
            count = -count;
            MESHD_TRY(Long().status());
          }
          if (static_cast<uint64_t>(count) > b_.size() - pos_ + 1) return Err("block count too large");
          for (int64_t k = 0; k < count; ++k) {
            if (n->type == AvroType::kMap) {
              MESHD_ASSIGN_OR_RETURN(int64_t len, Long());
              if (len < 0) return Err("negative map key length");
              MESHD_TRY(Advance(static_cast<uint64_t>(len)));
            }
            MESHD_TRY(Skip(n->items, depth + 1));
          }
        }
      case AvroType::kRecord:
        for (const auto& f : n->fields) MESHD_TRY(Skip(f.type, depth + 1));
        return Status::Ok();
      case AvroType::kUnion: {
        MESHD_ASSIGN_OR_RETURN(int64_t k, Long());
        if (k < 0 || static_cast<size_t>(k) >= n->branches.size()) return Err("union index out of range");
        return Skip(n->branches[static_cast<size_t>(k)], depth + 1);
      }
    }
    return Err("unknown type");
  }

 private:
  Status Advance(uint64_t n) {
    if (n > b_.size() - pos_) return Err("truncated data");
    pos_ += static_cast<size_t>(n);
    return Status::Ok();
  }
  Status Err(const std::string& what) const {
    return Status::InvalidArgument("Avro binary: " + what + " at byte " + std::to_string(pos_));
  }
  Result<int64_t> Long() {
    uint64_t z = 0;
    int shift = 0;
    while (true) {
      if (pos_ >= b_.size()) return Err("truncated varint");
      uint8_t c = static_cast<uint8_t>(b_[pos_++]);
      if (shift >= 64) return Err("varint too long");
      z |= static_cast<uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) break;
      shift += 7;
    }
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string_view b_;
  size_t pos_ = 0;
};

}  // namespace

Result<AvroSchema> AvroSchema::Parse(std::string_view text,
                                     const std::vector<std::string>& references) {
  AvroSchema s;
  s.arena_ = std::make_shared<Arena>();
  Parser p(s.arena_.get());
  for (size_t i = 0; i < references.size(); ++i) {
    boost::system::error_code ec;
    json::value rv = json::parse(references[i], ec);
    if (ec) return Status::InvalidArgument("Avro reference " + std::to_string(i) + " is not JSON: " + ec.message());
    auto r = p.Parse(rv, "", "reference " + std::to_string(i));
    if (!r.ok()) return r.status();
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    // A bare primitive name such as `string` (without quotes) is not JSON;
    // Avro's parsers accept the quoted form only.
    return Status::InvalidArgument("Avro schema is not valid JSON: " + ec.message());
  }
  MESHD_ASSIGN_OR_RETURN(s.root_, p.Parse(v, "", "/"));
  return s;
}

std::string AvroSchema::CanonicalForm() const {
  std::set<const AvroNode*> done;
  std::string out;
  WriteCanonical(root_, &done, &out);
  return out;
}

uint64_t AvroFingerprint64(std::string_view bytes) {
  static const uint64_t* table = [] {
    static uint64_t t[256];
    constexpr uint64_t kEmpty = 0xc15d213aa4d7a795ULL;
    for (int i = 0; i < 256; ++i) {
      uint64_t fp = static_cast<uint64_t>(i);
      for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kEmpty & (~(fp & 1) + 1));
      t[i] = fp;
    }
    return t;
  }();
  uint64_t fp = 0xc15d213aa4d7a795ULL;
  for (unsigned char c : bytes) fp = (fp >> 8) ^ table[(fp ^ c) & 0xff];
  return fp;
}

uint64_t AvroSchema::Fingerprint() const { return AvroFingerprint64(CanonicalForm()); }

std::string AvroSchema::RootName() const {
  return root_->named() ? root_->full_name : std::string(AvroTypeName(root_->type));
}

Status AvroSchema::ValidateJson(const json::value& datum) const {
  std::string scratch;
  return Encode(root_, datum, "", &scratch);
}

Result<std::string> AvroSchema::EncodeJson(const json::value& datum) const {
  std::string out;
  MESHD_TRY(Encode(root_, datum, "", &out));
  return out;
}

Result<json::value> AvroSchema::DecodeBinary(std::string_view bytes) const {
  Decoder d(bytes);
  MESHD_ASSIGN_OR_RETURN(json::value v, d.Decode(root_, 0));
  if (!d.done()) return Status::InvalidArgument("Avro binary: trailing bytes after the datum");
  return v;
}

}  // namespace meshd::schema

namespace meshd::schema {

namespace {

// The yes/no walk of ValidateBinary: the same checks as Decoder::Skip, with
// no Status or Result on the way. On the produce path every record is
// walked; building a Status per varint cost more than the walk itself. A
// "no" is rare and is explained by Decoder::Skip.
class BinaryCheck {
 public:
  explicit BinaryCheck(std::string_view b)
      : p_(reinterpret_cast<const uint8_t*>(b.data())), end_(p_ + b.size()) {}
  bool Datum(const AvroNode* root) { return Child(root, 0) && p_ == end_; }

 private:
  static bool IsScalar(AvroType t) {
    return t != AvroType::kRecord && t != AvroType::kArray && t != AvroType::kMap && t != AvroType::kUnion;
  }

  // A field, item or branch: scalars (most of a record's values) are
  // checked here without the recursive call and switch of Complex.
  [[gnu::always_inline]] inline bool Child(const AvroNode* n, int depth) {
    return IsScalar(n->type) ? Scalar(n) : Complex(n, depth);
  }

  [[gnu::always_inline]] inline bool Scalar(const AvroNode* n) {
    int64_t v;
    switch (n->type) {
      case AvroType::kNull: return true;
      case AvroType::kBoolean:
        if (p_ == end_ || *p_ > 1) return false;
        ++p_;
        return true;
      case AvroType::kInt: return Long(&v) && v >= INT32_MIN && v <= INT32_MAX;
      case AvroType::kLong: return Long(&v);
      case AvroType::kFloat: return Advance(4);
      case AvroType::kDouble: return Advance(8);
      case AvroType::kFixed: return Advance(static_cast<uint64_t>(n->size));
      case AvroType::kBytes:
      case AvroType::kString: return Long(&v) && v >= 0 && Advance(static_cast<uint64_t>(v));
      case AvroType::kEnum: return Long(&v) && v >= 0 && static_cast<uint64_t>(v) < n->symbols.size();
      default: return false;
    }
  }

  bool Complex(const AvroNode* n, int depth) {
    if (depth > 256) return false;
    int64_t v;
    switch (n->type) {
      case AvroType::kArray:
      case AvroType::kMap:
        for (;;) {
          int64_t count;
          if (!Long(&count)) return false;
          if (count == 0) return true;
          if (count < 0) {
            if (count == INT64_MIN || !Long(&v)) return false;
            count = -count;
          }
          if (static_cast<uint64_t>(count) > static_cast<uint64_t>(end_ - p_) + 1) return false;
          for (int64_t k = 0; k < count; ++k) {
            if (n->type == AvroType::kMap && !(Long(&v) && v >= 0 && Advance(static_cast<uint64_t>(v)))) {
              return false;
            }
            if (!Child(n->items, depth + 1)) return false;
          }
        }
      case AvroType::kRecord:
        for (const auto& f : n->fields) {
          if (!Child(f.type, depth + 1)) return false;
        }
        return true;
      case AvroType::kUnion:
        return Long(&v) && v >= 0 && static_cast<uint64_t>(v) < n->branches.size() &&
               Child(n->branches[static_cast<size_t>(v)], depth + 1);
      default: return false;
    }
  }
  bool Advance(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) return false;
    p_ += n;
    return true;
  }
  // Zig-zag varint. One byte (counts, lengths, small ints, enum and union
  // indexes: most varints of an event) is decided inline.
  [[gnu::always_inline]] inline bool Long(int64_t* out) {
    if (p_ != end_ && *p_ < 0x80) {
      const uint64_t z = *p_++;
      *out = static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
      return true;
    }
    return LongSlow(out);
  }
  // At most 10 bytes (as Decoder::Long: a 10th byte may carry bits past
  // 64, which are dropped).
  bool LongSlow(int64_t* out) {
    uint64_t z = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p_ == end_) return false;
      const uint8_t c = *p_++;
      z |= static_cast<uint64_t>(c & 0x7F) << (shift & 63);
      if (!(c & 0x80)) {
        *out = static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
        return true;
      }
    }
    return false;
  }
  const uint8_t* p_;
  const uint8_t* const end_;
};

}  // namespace

Status AvroSchema::ValidateBinary(std::string_view bytes) const {
  if (BinaryCheck(bytes).Datum(root_)) return Status::Ok();
  Decoder d(bytes);
  MESHD_TRY(d.Skip(root_, 0));
  if (!d.done()) return Status::InvalidArgument("Avro binary: trailing bytes after the datum");
  // Unreachable while BinaryCheck and Decoder::Skip agree (tested).
  return Status::Internal("Avro binary: the quick check and the decoder disagree");
}

}  // namespace meshd::schema
