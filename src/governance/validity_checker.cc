#include "governance/validity_checker.h"

#include <simdjson.h>

#include <cmath>
#include <cstring>

#include "base/endian.h"

namespace meshd::governance {
namespace {

namespace dom = simdjson::dom;
using Rule = ValidityChecker::CompiledRule;
using Type = ValidityChecker::Type;

std::vector<std::string> SplitPath(const std::string& field) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= field.size()) {
    size_t dot = field.find('.', start);
    if (dot == std::string::npos) dot = field.size();
    out.push_back(field.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

Result<Type> ParseType(const std::string& t) {
  if (t.empty()) return Type::kAny;
  if (t == "string") return Type::kString;
  if (t == "number" || t == "double" || t == "float" || t == "decimal") return Type::kNumber;
  if (t == "integer" || t == "int" || t == "long") return Type::kInteger;
  if (t == "boolean") return Type::kBoolean;
  if (t == "object") return Type::kObject;
  if (t == "array") return Type::kArray;
  if (t == "date") return Type::kDate;
  if (t == "timestamp" || t == "date-time" || t == "time") return Type::kTimestamp;
  return Status::InvalidArgument("unknown logical type '" + t + "'");
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kAny: return "any";
    case Type::kString: return "string";
    case Type::kNumber: return "number";
    case Type::kInteger: return "integer";
    case Type::kBoolean: return "boolean";
    case Type::kObject: return "object";
    case Type::kArray: return "array";
    case Type::kDate: return "date";
    case Type::kTimestamp: return "timestamp";
  }
  return "?";
}

bool IsRegexMeta(char c) {
  return std::strchr("\\^$.|?*+()[]{}", c) != nullptr;
}

// Plain text (no metacharacters) matches as a substring; ^text$ exactly.
// Anything else goes to std::regex, compiled here once.
Status CompilePattern(const std::string& p, Rule* r) {
  std::string_view body = p;
  bool anchored_start = !body.empty() && body.front() == '^';
  if (anchored_start) body.remove_prefix(1);
  bool anchored_end = !body.empty() && body.back() == '$' &&
                      (body.size() < 2 || body[body.size() - 2] != '\\');
  if (anchored_end) body.remove_suffix(1);
  bool literal = true;
  for (char c : body) {
    if (IsRegexMeta(c)) {
      literal = false;
      break;
    }
  }
  r->pattern_text = p;
  if (literal && anchored_start == anchored_end) {
    r->literal = std::string(body);
    r->pattern_kind = anchored_start ? Rule::PatternKind::kExact : Rule::PatternKind::kContains;
    return Status::Ok();
  }
  try {
    r->regex.emplace(p, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return Status::InvalidArgument("invalid pattern '" + p + "': " + e.what());
  }
  r->pattern_kind = Rule::PatternKind::kRegex;
  return Status::Ok();
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool Digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// YYYY-MM-DD
bool LooksLikeDate(std::string_view s) {
  return s.size() == 10 && Digits(s, 0, 4) && s[4] == '-' && Digits(s, 5, 2) && s[7] == '-' &&
         Digits(s, 8, 2);
}

// RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS...) or a time of day (HH:MM:SS...).
bool LooksLikeTimestamp(std::string_view s) {
  if (s.size() >= 8 && Digits(s, 0, 2) && s[2] == ':' && Digits(s, 3, 2) && s[5] == ':') return true;
  return s.size() >= 19 && LooksLikeDate(s.substr(0, 10)) && (s[10] == 'T' || s[10] == 't' || s[10] == ' ') &&
         Digits(s, 11, 2) && s[13] == ':' && Digits(s, 14, 2) && s[16] == ':' && Digits(s, 17, 2);
}

std::string Shorten(std::string s) {
  if (s.size() > 80) {
    s.resize(77);
    s += "...";
  }
  return s;
}

std::string ScalarText(dom::element e) { return Shorten(simdjson::minify(e)); }

std::string NumberText(double d) {
  if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
  std::string s = std::to_string(d);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

Validity Invalid(const Rule& r, const char* check, std::string reason) {
  Validity v;
  v.kind = Validity::Kind::kInvalid;
  v.rule = r.field + "." + check;
  v.reason = std::move(reason);
  return v;
}

bool TypeMatches(Type t, dom::element e) {
  switch (t) {
    case Type::kAny: return true;
    case Type::kString: return e.is_string();
    case Type::kNumber: return e.is_number();
    case Type::kInteger: {
      if (e.is_int64() || e.is_uint64()) return true;
      double d = 0;
      return e.get(d) == simdjson::SUCCESS && std::floor(d) == d;
    }
    case Type::kBoolean: return e.is_bool();
    case Type::kObject: return e.is_object();
    case Type::kArray: return e.is_array();
    case Type::kDate: {
      std::string_view s;
      return e.get(s) == simdjson::SUCCESS && LooksLikeDate(s);
    }
    case Type::kTimestamp: {
      if (e.is_int64() || e.is_uint64()) return true;  // epoch millis
      std::string_view s;
      return e.get(s) == simdjson::SUCCESS && LooksLikeTimestamp(s);
    }
  }
  return true;
}

Validity CheckRule(const Rule& r, dom::element root) {
  // Walk the dotted path; a missing intermediate object means "absent".
  dom::element cur = root;
  bool present = true;
  for (const std::string& seg : r.path) {
    dom::object obj;
    if (cur.get(obj) != simdjson::SUCCESS || obj.at_key(seg).get(cur) != simdjson::SUCCESS) {
      present = false;
      break;
    }
  }
  if (!present) {
    if (r.required) return Invalid(r, "required", "required field '" + r.field + "' is missing");
    return {};
  }
  if (cur.is_null()) {
    if (r.not_null || r.required) {
      return Invalid(r, "not_null", "field '" + r.field + "' is null");
    }
    return {};
  }
  if (!TypeMatches(r.type, cur)) {
    return Invalid(r, "type", "field '" + r.field + "' is " + ScalarText(cur) + ", not of logical type " +
                                  TypeName(r.type));
  }
  if ((r.minimum || r.maximum) && cur.is_number()) {
    double d = 0;
    if (cur.is_int64()) d = static_cast<double>(int64_t(cur));
    else if (cur.is_uint64()) d = static_cast<double>(uint64_t(cur));
    else d = double(cur);
    if (r.minimum && d < *r.minimum) {
      return Invalid(r, "minimum", "field '" + r.field + "' is " + ScalarText(cur) + ", below the minimum " +
                                       NumberText(*r.minimum));
    }
    if (r.maximum && d > *r.maximum) {
      return Invalid(r, "maximum", "field '" + r.field + "' is " + ScalarText(cur) + ", above the maximum " +
                                       NumberText(*r.maximum));
    }
  }
  std::string_view str;
  bool is_string = cur.get(str) == simdjson::SUCCESS;
  if (is_string && (r.min_length || r.max_length)) {
    int64_t len = static_cast<int64_t>(Utf8Length(str));
    if (r.min_length && len < *r.min_length) {
      return Invalid(r, "min_length", "field '" + r.field + "' has length " + std::to_string(len) +
                                          ", below the minimum length " + std::to_string(*r.min_length));
    }
    if (r.max_length && len > *r.max_length) {
      return Invalid(r, "max_length", "field '" + r.field + "' has length " + std::to_string(len) +
                                          ", above the maximum length " + std::to_string(*r.max_length));
    }
  }
  if (is_string && r.pattern_kind != Rule::PatternKind::kNone) {
    bool ok = true;
    switch (r.pattern_kind) {
      case Rule::PatternKind::kExact: ok = str == r.literal; break;
      case Rule::PatternKind::kContains: ok = str.find(r.literal) != std::string_view::npos; break;
      case Rule::PatternKind::kRegex: ok = std::regex_search(str.begin(), str.end(), *r.regex); break;
      case Rule::PatternKind::kNone: break;
    }
    if (!ok) {
      return Invalid(r, "pattern", "field '" + r.field + "' is " + ScalarText(cur) +
                                       ", which does not match the pattern " + *r.pattern_text);
    }
  }
  if (!r.allowed.empty()) {
    bool ok = (is_string && r.allowed.count(std::string(str)) > 0) ||
              r.allowed.count(simdjson::minify(cur)) > 0;
    if (!ok && cur.is_number()) {
      // "5" and "5.0" are the same number.
      double d = double(cur.is_int64() ? static_cast<double>(int64_t(cur)) : cur.is_uint64()
                                                                              ? static_cast<double>(uint64_t(cur))
                                                                              : double(cur));
      ok = r.allowed.count(NumberText(d)) > 0;
    }
    if (!ok) {
      return Invalid(r, "enum", "field '" + r.field + "' is " + ScalarText(cur) + ", not one of the allowed values");
    }
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<const ValidityChecker>> ValidityChecker::Compile(
    const std::vector<catalog::FieldRule>& rules, FramedDecoder decode_framed) {
  std::shared_ptr<ValidityChecker> c(new ValidityChecker());
  c->decode_framed_ = std::move(decode_framed);
  for (const catalog::FieldRule& fr : rules) {
    if (fr.field.empty()) return Status::InvalidArgument("a validity rule has an empty field name");
    Rule r;
    r.field = fr.field;
    r.path = SplitPath(fr.field);
    r.required = fr.required;
    r.not_null = fr.not_null;
    auto t = ParseType(fr.logical_type);
    if (!t.ok()) return Status::InvalidArgument("field '" + fr.field + "': " + t.error().message());
    r.type = *t;
    r.minimum = fr.minimum;
    r.maximum = fr.maximum;
    r.min_length = fr.min_length;
    r.max_length = fr.max_length;
    if (fr.pattern) {
      Status s = CompilePattern(*fr.pattern, &r);
      if (!s.ok()) return Status::InvalidArgument("field '" + fr.field + "': " + s.message());
    }
    for (const std::string& a : fr.allowed) {
      r.allowed.insert(a);
      // Accept both spellings: EUR and "EUR".
      if (a.size() >= 2 && a.front() == '"' && a.back() == '"') r.allowed.insert(a.substr(1, a.size() - 2));
      else r.allowed.insert("\"" + a + "\"");
      char* end = nullptr;
      double d = std::strtod(a.c_str(), &end);
      if (!a.empty() && end == a.c_str() + a.size()) r.allowed.insert(NumberText(d));
    }
    c->rules_.push_back(std::move(r));
  }
  return std::shared_ptr<const ValidityChecker>(std::move(c));
}

Validity ValidityChecker::Check(std::string_view payload) const {
  if (payload.size() >= 5 && payload[0] == '\0') {
    // Confluent wire format: magic 0, 4-byte big-endian schema id, body.
    std::string_view body = payload.substr(5);
    size_t i = 0;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\n' || body[i] == '\t' || body[i] == '\r')) ++i;
    if (i < body.size() && (body[i] == '{' || body[i] == '[')) return CheckJson(body);
    if (!decode_framed_) {
      Validity v;
      v.kind = Validity::Kind::kUnchecked;
      v.reason = "Confluent-framed non-JSON payload: validity rules apply to JSON payloads";
      return v;
    }
    int32_t id = LoadBE<int32_t>(payload.data() + 1);
    auto json = decode_framed_(id, body);
    if (!json.ok()) {
      Validity v;
      v.kind = Validity::Kind::kInvalid;
      v.rule = "payload.decode";
      v.reason = "payload cannot be decoded with schema id " + std::to_string(id) + ": " + json.error().message();
      return v;
    }
    return CheckJson(*json);
  }
  return CheckJson(payload);
}

Validity ValidityChecker::CheckJson(std::string_view json) const {
  if (rules_.empty()) return {};
  thread_local dom::parser parser;
  dom::element root;
  auto err = parser.parse(json.data(), json.size(), /*realloc_if_needed=*/true).get(root);
  if (err) {
    Validity v;
    v.kind = Validity::Kind::kInvalid;
    v.rule = "payload.json";
    v.reason = std::string("payload is not JSON: ") + simdjson::error_message(err);
    return v;
  }
  for (const Rule& r : rules_) {
    Validity v = CheckRule(r, root);
    if (!v.valid()) return v;
  }
  return {};
}

}  // namespace meshd::governance
