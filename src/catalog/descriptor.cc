#include "catalog/descriptor.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "catalog/model_json.h"
#include "yaml/yaml_to_json.h"

namespace meshd::catalog {

namespace json = boost::json;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- bundle

json::object DescriptorBundle::ToJson() const {
  json::object o{{"file", file}, {"content", content}};
  json::object f;
  for (const auto& [k, v] : files) f[k] = v;
  o["files"] = std::move(f);
  return o;
}

Result<DescriptorBundle> DescriptorBundle::FromJson(const json::value& v) {
  const json::object* o = v.if_object();
  if (!o || !o->contains("content") || !o->at("content").is_string()) {
    return Status::InvalidArgument("descriptor bundle: expected {\"file\", \"content\", \"files\"}");
  }
  DescriptorBundle b;
  b.content = o->at("content").get_string();
  if (const json::value* f = o->if_contains("file"); f && f->is_string()) b.file = f->get_string();
  if (b.file.empty()) b.file = "descriptor";
  if (const json::value* fs = o->if_contains("files"); fs && fs->is_object()) {
    for (const auto& kv : fs->get_object()) {
      if (!kv.value().is_string()) {
        return Status::InvalidArgument("descriptor bundle: files." + std::string(kv.key()) +
                                       ": expected the file's text as a string");
      }
      b.files[std::string(kv.key())] = kv.value().get_string();
    }
  }
  return b;
}

namespace {

constexpr uintmax_t kMaxFileBytes = 4u << 20;

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::NotFound("cannot read '" + p.string() + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string NormalizeRel(const std::string& rel) {
  return fs::path(rel).lexically_normal().generic_string();
}

}  // namespace

Result<DescriptorBundle> LoadBundle(const std::string& path) {
  DescriptorBundle b;
  b.file = path;
  MESHD_ASSIGN_OR_RETURN(b.content, ReadFile(path));
  fs::path main(path);
  fs::path dir = main.parent_path().empty() ? fs::path(".") : main.parent_path();
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_regular_file(ec)) continue;
    std::string ext = e.path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json" && ext != ".avsc") continue;
    if (fs::equivalent(e.path(), main, ec)) continue;
    if (e.file_size(ec) > kMaxFileBytes) continue;
    auto text = ReadFile(e.path());
    if (text.ok()) b.files[e.path().filename().string()] = std::move(*text);
  }
  // The short form may point elsewhere ("schemas/x.avsc", "../x.avsc").
  auto doc = yaml::ParseYamlOrJson(b.content, path);
  if (doc.ok() && doc->is_object()) {
    const json::value* dp = doc->get_object().if_contains("data_product");
    if (dp && dp->is_object()) {
      std::vector<const json::value*> ports;
      if (const json::value* p = dp->get_object().if_contains("output_port")) ports.push_back(p);
      if (const json::value* ps = dp->get_object().if_contains("output_ports"); ps && ps->is_array()) {
        for (const auto& p : ps->get_array()) ports.push_back(&p);
      }
      for (const json::value* p : ports) {
        if (!p->is_object()) continue;
        const json::value* s = p->get_object().if_contains("schema");
        if (!s || !s->is_string()) continue;
        std::string rel = NormalizeRel(std::string(s->get_string()));
        if (b.files.count(rel)) continue;
        auto text = ReadFile(dir / rel);
        if (text.ok()) b.files[rel] = std::move(*text);
      }
    }
  }
  return b;
}

// ---------------------------------------------------------------- values

std::optional<int64_t> ParseDurationMs(const std::string& text_in, const std::string& unit_in) {
  std::string text = text_in;
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string unit = unit_in;
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
  auto unit_ms = [](const std::string& u) -> std::optional<double> {
    if (u.empty() || u == "ms" || u == "millis" || u == "milliseconds") return 1;
    if (u == "s" || u == "sec" || u == "secs" || u == "second" || u == "seconds") return 1000;
    if (u == "m" || u == "min" || u == "mins" || u == "minute" || u == "minutes") return 60000;
    if (u == "h" || u == "hr" || u == "hrs" || u == "hour" || u == "hours") return 3600000;
    if (u == "d" || u == "day" || u == "days") return 86400000;
    if (u == "w" || u == "week" || u == "weeks") return 7 * 86400000.0;
    if (u == "y" || u == "yr" || u == "yrs" || u == "year" || u == "years") return 365 * 86400000.0;
    return std::nullopt;
  };
  std::smatch m;
  // max_5_min_delay (the users' quality_spec form)
  static const std::regex kMaxDelay("max_([0-9]+(?:\\.[0-9]+)?)_?([a-z]+)_delay");
  static const std::regex kPlain("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([a-z]*)\\s*");
  static const std::regex kIso("pt(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?");
  if (std::regex_match(text, m, kMaxDelay) || std::regex_match(text, m, kPlain)) {
    std::string u = m[2].str();
    if (u.empty()) u = unit;
    auto factor = unit_ms(u);
    if (!factor) return std::nullopt;
    return static_cast<int64_t>(std::llround(std::stod(m[1].str()) * *factor));
  }
  if (std::regex_match(text, m, kIso) && text.size() > 2) {
    int64_t ms = 0;
    if (m[1].matched) ms += std::stoll(m[1].str()) * 3600000;
    if (m[2].matched) ms += std::stoll(m[2].str()) * 60000;
    if (m[3].matched) ms += std::stoll(m[3].str()) * 1000;
    return ms;
  }
  return std::nullopt;
}

std::optional<double> ParseRatio(const std::string& text) {
  static const std::regex kRatio("\\s*(?:>=|>|≥)?\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(%?)\\s*");
  std::smatch m;
  if (!std::regex_match(text, m, kRatio)) return std::nullopt;
  double v = std::stod(m[1].str());
  if (!m[2].str().empty()) v /= 100.0;
  if (v < 0 || v > 1) return std::nullopt;
  return v;
}

// ---------------------------------------------------------------- parsing

namespace {

// Collects problems as "<file>: <path>: <problem>".
struct Problems {
  std::vector<std::string> list;
  void Add(const std::string& file, const std::string& path, const std::string& problem) {
    list.push_back(file + ": " + (path.empty() ? "" : path + ": ") + problem);
  }
};

std::string Scalar(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) {
    std::ostringstream os;
    os << v.get_double();
    return os.str();
  }
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return "";
}

// One document being read: its file name, for messages.
class Doc {
 public:
  Doc(std::string file, Problems* p) : file_(std::move(file)), p_(p) {}
  const std::string& file() const { return file_; }
  void Error(const std::string& path, const std::string& problem) const { p_->Add(file_, path, problem); }

  // A string (numbers accepted and printed) or nullopt; wrong types reported.
  std::optional<std::string> Str(const json::object& o, const char* key, const std::string& path,
                                 bool required = false) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) {
      if (required) Error(Join(path, key), "required field is missing");
      return std::nullopt;
    }
    if (v->is_object() || v->is_array()) {
      Error(Join(path, key), "expected a string");
      return std::nullopt;
    }
    return Scalar(*v);
  }
  std::optional<int64_t> Int(const json::object& o, const char* key, const std::string& path) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
    if (v->is_string()) {
      try {
        size_t used = 0;
        long long n = std::stoll(std::string(v->get_string()), &used);
        if (used == v->get_string().size()) return n;
      } catch (...) {
      }
    }
    Error(Join(path, key), "expected an integer, got " + json::serialize(*v));
    return std::nullopt;
  }
  std::optional<bool> Bool(const json::object& o, const char* key, const std::string& path) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_bool()) return v->get_bool();
    Error(Join(path, key), "expected true or false, got " + json::serialize(*v));
    return std::nullopt;
  }
  const json::object* Obj(const json::object& o, const char* key, const std::string& path,
                          bool required = false) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) {
      if (required) Error(Join(path, key), "required field is missing");
      return nullptr;
    }
    if (!v->is_object()) {
      Error(Join(path, key), "expected a mapping");
      return nullptr;
    }
    return &v->get_object();
  }
  const json::array* Arr(const json::object& o, const char* key, const std::string& path,
                         bool required = false) const {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) {
      if (required) Error(Join(path, key), "required field is missing");
      return nullptr;
    }
    if (!v->is_array()) {
      Error(Join(path, key), "expected a list");
      return nullptr;
    }
    return &v->get_array();
  }
  std::vector<std::string> Strings(const json::object& o, const char* key, const std::string& path) const {
    std::vector<std::string> out;
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return out;
    if (v->is_string()) {  // "a, b" accepted for tags
      std::stringstream ss{std::string(v->get_string())};
      std::string item;
      while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) out.push_back(item);
      }
      return out;
    }
    if (!v->is_array()) {
      Error(Join(path, key), "expected a list of strings");
      return out;
    }
    for (size_t i = 0; i < v->get_array().size(); ++i) {
      const auto& s = v->get_array()[i];
      if (s.is_object() || s.is_array() || s.is_null()) {
        Error(Join(path, key) + "[" + std::to_string(i) + "]", "expected a string");
      } else {
        out.push_back(Scalar(s));
      }
    }
    return out;
  }
  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

 private:
  std::string file_;
  Problems* p_;
};

std::string Idx(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

bool IsPiiClassification(const std::string& c) {
  std::string l = c;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return !(l.empty() || l == "public" || l == "internal" || l == "1" || l == "2");
}

bool ValidTopicName(const std::string& t) {
  if (t.empty() || t.size() > 249 || t == "." || t == "..") return false;
  return std::all_of(t.begin(), t.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// ODCS customProperties [{property, value}] (and the same under a plain map,
// which the short form's extensions use) as a lookup.
std::map<std::string, json::value> CustomProps(const Doc& d, const json::object& o, const std::string& path) {
  std::map<std::string, json::value> out;
  const json::value* v = o.if_contains("customProperties");
  if (!v || v->is_null()) return out;
  if (!v->is_array()) {
    d.Error(path + ".customProperties", "expected a list of {property, value}");
    return out;
  }
  for (size_t i = 0; i < v->get_array().size(); ++i) {
    const auto& e = v->get_array()[i];
    if (!e.is_object() || !e.get_object().contains("property")) {
      d.Error(Idx(path + ".customProperties", i), "expected {property, value}");
      continue;
    }
    const auto& eo = e.get_object();
    out[Scalar(eo.at("property"))] = eo.contains("value") ? eo.at("value") : json::value(nullptr);
  }
  return out;
}

// meshd's port-level extensions, shared by the short form (plain keys) and
// ODPS/ODCS (customProperties): partitions, retention, cleanup policy, key,
// on_violation, extra topic config.
struct PortExtensions {
  std::optional<int32_t> partitions;
  std::optional<int64_t> retention_ms;
  std::optional<std::string> cleanup_policy;
  std::optional<std::string> key_field;
  std::optional<ViolationAction> on_violation;
  std::optional<std::string> topic;
  std::map<std::string, std::string> config;
  std::optional<int64_t> completeness_window_ms;
};

void ReadExtension(const Doc& d, const std::string& path, const std::string& key, const json::value& v,
                   PortExtensions* x) {
  std::string s = Scalar(v);
  if (key == "partitions") {
    int64_t n = v.is_int64() ? v.get_int64() : (v.is_string() ? std::atoll(s.c_str()) : 0);
    if (n < 1 || n > 10000) d.Error(path, "partitions must be an integer from 1 to 10000, got " + json::serialize(v));
    else x->partitions = static_cast<int32_t>(n);
  } else if (key == "retention" || key == "retention.ms" || key == "retentionMs" || key == "retention_ms") {
    if (s == "-1" || s == "forever" || s == "infinite") {
      x->retention_ms = -1;
      return;
    }
    auto ms = ParseDurationMs(s, key == "retention" ? "" : "ms");
    if (!ms) d.Error(path, "retention '" + s + "' is not a duration (e.g. 7d, 24h, 604800000)");
    else x->retention_ms = *ms;
  } else if (key == "cleanup_policy" || key == "cleanupPolicy" || key == "cleanup.policy") {
    if (s != "delete" && s != "compact" && s != "compact,delete" && s != "delete,compact") {
      d.Error(path, "cleanup policy must be delete, compact or compact,delete; got '" + s + "'");
    } else {
      x->cleanup_policy = s;
    }
  } else if (key == "key" || key == "keyField" || key == "key_field") {
    x->key_field = s;
  } else if (key == "on_violation" || key == "onViolation") {
    ViolationAction a;
    if (!ParseViolationAction(s, &a)) d.Error(path, "on_violation must be flag or quarantine, got '" + s + "'");
    else x->on_violation = a;
  } else if (key == "topic") {
    x->topic = s;
  } else if (key == "completeness_window" || key == "completenessWindow") {
    auto ms = ParseDurationMs(s);
    if (!ms || *ms <= 0) d.Error(path, "completeness window '" + s + "' is not a duration");
    else x->completeness_window_ms = *ms;
  } else if (key == "config" || key == "topicConfig") {
    if (!v.is_object()) {
      d.Error(path, "expected a mapping of topic config keys to values");
      return;
    }
    for (const auto& kv : v.get_object()) x->config[std::string(kv.key())] = Scalar(kv.value());
  }
}

// Grants from an access list: [{domain|principal, access: read|write|read-write, pii}]
// (short form) or ODCS roles [{role, access, customProperties: [{property: pii}]}].
void ReadGrants(const Doc& d, const json::array& list, const std::string& path, bool odcs_roles,
                std::vector<Grant>* out) {
  for (size_t i = 0; i < list.size(); ++i) {
    std::string p = Idx(path, i);
    if (!list[i].is_object()) {
      d.Error(p, "expected a mapping");
      continue;
    }
    const auto& o = list[i].get_object();
    Grant g;
    if (odcs_roles) {
      std::string role = d.Str(o, "role", p, true).value_or("");
      if (role.rfind("principal:", 0) == 0) g.principal = role.substr(10);
      else if (role.rfind("domain:", 0) == 0) g.domain = role.substr(7);
      else g.domain = role;
      auto props = CustomProps(d, o, p);
      if (auto it = props.find("pii"); it != props.end()) g.pii = it->second.is_bool() && it->second.get_bool();
      if (auto it = props.find("piiAccess"); it != props.end()) g.pii = it->second.is_bool() && it->second.get_bool();
    } else {
      g.domain = d.Str(o, "domain", p).value_or("");
      g.principal = d.Str(o, "principal", p).value_or("");
      if (g.domain.empty() == g.principal.empty()) d.Error(p, "give exactly one of domain or principal");
      g.pii = d.Bool(o, "pii", p).value_or(false);
    }
    std::string access = d.Str(o, "access", p).value_or("read");
    std::transform(access.begin(), access.end(), access.begin(), [](unsigned char c) { return std::tolower(c); });
    if (access.find("read") != std::string::npos) g.read = true;
    if (access.find("write") != std::string::npos) g.write = true;
    if (access.find("pii") != std::string::npos) g.pii = true;
    if (!g.read && !g.write) d.Error(p + ".access", "access must name read and/or write, got '" + access + "'");
    out->push_back(std::move(g));
  }
}

void ApplyExtensions(const PortExtensions& x, OutputPort* port) {
  if (x.topic) port->topic = *x.topic;
  if (x.partitions) port->partitions = *x.partitions;
  for (const auto& [k, v] : x.config) port->topic_config[k] = v;
  if (x.retention_ms) port->topic_config["retention.ms"] = std::to_string(*x.retention_ms);
  if (x.cleanup_policy) port->topic_config["cleanup.policy"] = *x.cleanup_policy;
  if (x.key_field) port->key_field = *x.key_field;
  if (x.on_violation) port->contract.on_violation = *x.on_violation;
  if (x.completeness_window_ms) port->contract.completeness_window_ms = *x.completeness_window_ms;
}

// quality_spec {freshness, completeness} (short form and contract JSON).
void ReadQualitySpec(const Doc& d, const json::object& q, const std::string& path,
                     std::optional<int64_t>* freshness, std::optional<double>* completeness) {
  if (auto f = d.Str(q, "freshness", path)) {
    auto ms = ParseDurationMs(*f);
    if (!ms || *ms <= 0) d.Error(path + ".freshness", "'" + *f + "' is not a delay (e.g. max_5_min_delay, 5m)");
    else *freshness = *ms;
  }
  if (auto c = d.Str(q, "completeness", path)) {
    auto r = ParseRatio(*c);
    if (!r) d.Error(path + ".completeness", "'" + *c + "' is not a share (e.g. \">99.9%\")");
    else *completeness = *r;
  }
}

std::string SchemaTypeForFile(const std::string& name) {
  fs::path p(name);
  std::string ext = p.extension().string();
  if (ext == ".avsc") return "AVRO";
  if (ext == ".json") return "JSON";
  return "";
}

const std::string* FindFile(const DescriptorBundle& b, const std::string& rel) {
  auto it = b.files.find(NormalizeRel(rel));
  if (it != b.files.end()) return &it->second;
  it = b.files.find(rel);
  return it == b.files.end() ? nullptr : &it->second;
}

// Field names of an Avro record / JSON Schema object -> "classification" hints
// are not read from schemas; only descriptors classify fields.

// ---------------------------------------------------------------- short form

void ParseShortPort(const Doc& d, const DescriptorBundle& b, const json::object& o, const std::string& path,
                    DataProduct* product) {
  OutputPort port;
  port.name = d.Str(o, "name", path, true).value_or("");
  port.topic = port.name;
  port.description = d.Str(o, "description", path).value_or("");
  PortExtensions x;
  for (const auto& kv : o) {
    ReadExtension(d, Doc::Join(path, std::string(kv.key())), std::string(kv.key()), kv.value(), &x);
  }
  ApplyExtensions(x, &port);
  if (auto schema = d.Str(o, "schema", path, true)) {
    port.schema_type = SchemaTypeForFile(*schema);
    if (port.schema_type.empty()) {
      d.Error(path + ".schema", "'" + *schema + "': schema files end in .avsc (Avro) or .json (JSON Schema)");
    } else if (const std::string* text = FindFile(b, *schema)) {
      port.schema_text = *text;
    } else {
      d.Error(path + ".schema", "schema file '" + *schema + "' not found next to the descriptor");
    }
  }
  if (const json::object* q = d.Obj(o, "quality_spec", path)) {
    ReadQualitySpec(d, *q, path + ".quality_spec", &port.contract.freshness_max_delay_ms,
                    &port.contract.completeness_min_ratio);
  }
  if (const json::object* pii = d.Obj(o, "pii", path)) {
    for (const auto& kv : *pii) {
      ClassifiedField f;
      f.field = std::string(kv.key());
      f.classification = "pii";
      std::string t = Scalar(kv.value());
      if (!t.empty()) {
        if (!ParsePiiTreatment(t, &f.treatment)) {
          d.Error(path + ".pii." + f.field, "treatment must be mask, hash or drop, got '" + t + "'");
        }
        f.treatment_declared = true;
      }
      port.contract.classified.push_back(std::move(f));
    }
  }
  if (const json::array* access = d.Arr(o, "access", path)) {
    ReadGrants(d, *access, path + ".access", false, &port.grants);
  }
  for (const auto& in : product->inputs) port.input_ports.push_back(in.name);
  product->outputs.push_back(std::move(port));
}

// `transform:` — a pipeline definition (src/stream/README.md) whose defaults
// come from the product: name = the product name, inputs = the input ports'
// topics, and a topic output for every output port the definition does not
// already write (so the port is what the transform produces; tables and
// buses listed in `outputs` are extra sinks). The stream parser validates the
// rest when the product is applied; here only the shape the defaults need.
void ParseTransform(const Doc& d, const json::object& dp, const std::string& path, DataProduct* p) {
  const json::object* t = d.Obj(dp, "transform", path);
  if (!t) return;
  const std::string tpath = path + ".transform";
  json::object def = *t;
  if (const json::value* n = def.if_contains("name"); n && !n->is_null()) {
    if (!n->is_string() || n->get_string() != p->name) {
      d.Error(tpath + ".name", "a transform's pipeline is named after its product ('" + p->name +
                                   "'); leave `name` out");
      return;
    }
  }
  def["name"] = p->name;
  auto given = [&](const char* key) {
    const json::value* v = def.if_contains(key);
    return v && !v->is_null();
  };
  if (!given("inputs") && !given("input")) {  // the pipeline parser takes either
    if (p->inputs.empty()) {
      d.Error(tpath + ".inputs", "the product has no input_ports; give the transform its inputs");
      return;
    }
    json::array ins;
    for (const auto& port : p->inputs) ins.emplace_back(port.topic.empty() ? port.name : port.topic);
    def["inputs"] = std::move(ins);
  }
  json::array outs;
  if (const json::value* o = def.if_contains("outputs"); o && !o->is_null()) {
    if (!o->is_array()) {
      d.Error(tpath + ".outputs", "expected a list");
      return;
    }
    outs = o->get_array();
  }
  std::set<std::string> written;
  for (const auto& o : outs) {
    if (const json::value* topic = o.is_object() ? o.get_object().if_contains("topic") : nullptr;
        topic && topic->is_string()) {
      written.insert(std::string(topic->get_string()));
    }
  }
  for (const auto& port : p->outputs) {
    if (written.count(port.topic)) continue;
    json::object out{{"topic", port.topic}};
    if (!port.key_field.empty()) out["key"] = port.key_field;
    outs.push_back(std::move(out));
  }
  def["outputs"] = std::move(outs);
  p->transform = json::serialize(def);
}

void ParseShortForm(const Doc& d, const DescriptorBundle& b, const json::object& dp, DataProduct* p) {
  const std::string path = "data_product";
  p->descriptor_format = "short";
  p->name = d.Str(dp, "name", path, true).value_or("");
  p->domain = d.Str(dp, "domain", path, true).value_or("");
  p->owner = d.Str(dp, "owner", path).value_or("");
  p->description = d.Str(dp, "description", path).value_or("");
  p->version = d.Str(dp, "version", path).value_or("1.0.0");
  p->status = d.Str(dp, "status", path).value_or("active");
  p->tags = d.Strings(dp, "tags", path);
  p->id = d.Str(dp, "id", path).value_or(p->domain + "." + p->name);
  if (const json::array* ins = d.Arr(dp, "input_ports", path)) {
    for (size_t i = 0; i < ins->size(); ++i) {
      const auto& v = (*ins)[i];
      InputPort in;
      if (v.is_string()) {
        in.name = std::string(v.get_string());
      } else if (v.is_object()) {
        in.name = d.Str(v.get_object(), "name", Idx(path + ".input_ports", i), true).value_or("");
        in.topic = d.Str(v.get_object(), "topic", Idx(path + ".input_ports", i)).value_or("");
        in.product = d.Str(v.get_object(), "product", Idx(path + ".input_ports", i)).value_or("");
      } else {
        d.Error(Idx(path + ".input_ports", i), "expected a port name or {name, topic, product}");
        continue;
      }
      if (in.topic.empty()) in.topic = in.name;
      p->inputs.push_back(std::move(in));
    }
  }
  bool any = false;
  if (const json::object* port = d.Obj(dp, "output_port", path)) {
    ParseShortPort(d, b, *port, path + ".output_port", p);
    any = true;
  }
  if (const json::array* ports = d.Arr(dp, "output_ports", path)) {
    for (size_t i = 0; i < ports->size(); ++i) {
      if (!(*ports)[i].is_object()) {
        d.Error(Idx(path + ".output_ports", i), "expected a mapping");
        continue;
      }
      ParseShortPort(d, b, (*ports)[i].get_object(), Idx(path + ".output_ports", i), p);
      any = true;
    }
  }
  if (!any) d.Error(path, "a data product needs an output_port (or output_ports)");
  ParseTransform(d, dp, path, p);
}

// ---------------------------------------------------------------- ODCS

// One ODCS property -> JSON Schema + rules + classification, recursively.
void ReadOdcsProperties(const Doc& d, const json::array& props, const std::string& path,
                        const std::string& prefix, json::object* schema_props, json::array* required,
                        ContractSpec* contract, std::string* key_field) {
  for (size_t i = 0; i < props.size(); ++i) {
    std::string p = Idx(path, i);
    if (!props[i].is_object()) {
      d.Error(p, "expected a property mapping");
      continue;
    }
    const auto& o = props[i].get_object();
    std::string name = d.Str(o, "name", p, true).value_or("");
    if (name.empty()) continue;
    std::string field = prefix.empty() ? name : prefix + "." + name;
    std::string lt = d.Str(o, "logicalType", p).value_or("");
    json::object js;
    FieldRule rule;
    rule.field = field;
    rule.logical_type = lt;
    static const std::set<std::string> kTypes{"string", "date", "timestamp", "time", "number",
                                              "integer", "object", "array", "boolean", ""};
    if (!kTypes.count(lt)) {
      d.Error(p + ".logicalType", "'" + lt + "' is not an ODCS logical type "
              "(string, date, timestamp, time, number, integer, object, array, boolean)");
    }
    if (lt == "string") js["type"] = "string";
    else if (lt == "date") js["type"] = "string", js["format"] = "date";
    else if (lt == "timestamp") js["type"] = "string", js["format"] = "date-time";
    else if (lt == "time") js["type"] = "string", js["format"] = "time";
    else if (lt == "number") js["type"] = "number";
    else if (lt == "integer") js["type"] = "integer";
    else if (lt == "boolean") js["type"] = "boolean";
    else if (lt == "object") js["type"] = "object";
    else if (lt == "array") js["type"] = "array";
    if (auto desc = d.Str(o, "description", p)) js["description"] = *desc;
    bool req = d.Bool(o, "required", p).value_or(false);
    if (req) {
      required->emplace_back(name);
      rule.required = true;
      rule.not_null = true;
    }
    if (const json::object* opts = d.Obj(o, "logicalTypeOptions", p)) {
      std::string op = p + ".logicalTypeOptions";
      auto num = [&](const char* k) -> std::optional<double> {
        const json::value* v = opts->if_contains(k);
        if (!v) return std::nullopt;
        if (!v->is_number()) {
          if (lt == "number" || lt == "integer") d.Error(op + "." + k, "expected a number");
          return std::nullopt;
        }
        return v->to_number<double>();
      };
      if (lt == "number" || lt == "integer") {
        if (auto v = num("minimum")) rule.minimum = *v, js["minimum"] = *v;
        if (auto v = num("maximum")) rule.maximum = *v, js["maximum"] = *v;
        if (auto v = num("exclusiveMinimum")) js["exclusiveMinimum"] = *v;
        if (auto v = num("exclusiveMaximum")) js["exclusiveMaximum"] = *v;
        if (auto v = num("multipleOf")) js["multipleOf"] = *v;
      }
      if (lt == "string") {
        if (auto v = d.Int(*opts, "minLength", op)) rule.min_length = *v, js["minLength"] = *v;
        if (auto v = d.Int(*opts, "maxLength", op)) rule.max_length = *v, js["maxLength"] = *v;
        if (auto v = d.Str(*opts, "pattern", op)) {
          try {
            std::regex test(*v, std::regex::ECMAScript);
            rule.pattern = *v;
            js["pattern"] = *v;
          } catch (const std::regex_error&) {
            d.Error(op + ".pattern", "'" + *v + "' is not a valid regular expression");
          }
        }
        if (auto v = d.Str(*opts, "format", op)) js["format"] = *v;
      }
    }
    // Property-level quality: nullValues mustBe 0 -> not null; invalidValues
    // with validValues/pattern -> enum/pattern.
    if (const json::array* q = d.Arr(o, "quality", p)) {
      for (size_t k = 0; k < q->size(); ++k) {
        if (!(*q)[k].is_object()) continue;
        const auto& qo = (*q)[k].get_object();
        std::string metric = d.Str(qo, "metric", Idx(p + ".quality", k)).value_or("");
        if (metric == "nullValues" || metric == "missingValues") {
          const json::value* must = qo.if_contains("mustBe");
          if (must && must->is_number() && must->to_number<double>() == 0) rule.not_null = true;
        } else if (metric == "invalidValues") {
          if (const json::value* args = qo.if_contains("arguments"); args && args->is_object()) {
            if (const json::value* vv = args->get_object().if_contains("validValues"); vv && vv->is_array()) {
              json::array e;
              for (const auto& item : vv->get_array()) {
                rule.allowed.push_back(item.is_string() ? std::string(item.get_string()) : json::serialize(item));
                e.push_back(item);
              }
              js["enum"] = std::move(e);
            }
            if (const json::value* pat = args->get_object().if_contains("pattern"); pat && pat->is_string()) {
              rule.pattern = std::string(pat->get_string());
              js["pattern"] = pat->get_string();
            }
          }
        }
      }
    }
    std::string classification = d.Str(o, "classification", p).value_or("");
    std::vector<std::string> tags = d.Strings(o, "tags", p);
    bool pii_tag = std::any_of(tags.begin(), tags.end(), [](const std::string& t) {
      std::string l = t;
      std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
      return l == "pii";
    });
    auto props_cp = CustomProps(d, o, p);
    if (IsPiiClassification(classification) || pii_tag) {
      ClassifiedField f;
      f.field = field;
      f.classification = classification.empty() ? "pii" : classification;
      auto it = props_cp.find("piiTreatment");
      if (it == props_cp.end()) it = props_cp.find("pii_treatment");
      if (it != props_cp.end()) {
        std::string t = Scalar(it->second);
        if (!ParsePiiTreatment(t, &f.treatment)) {
          d.Error(p + ".customProperties.piiTreatment", "must be mask, hash or drop, got '" + t + "'");
        }
        f.treatment_declared = true;
      }
      contract->classified.push_back(std::move(f));
    }
    if (d.Bool(o, "primaryKey", p).value_or(false) && key_field->empty()) *key_field = field;
    if (const json::array* nested = d.Arr(o, "properties", p); nested && lt == "object") {
      json::object sub_props;
      json::array sub_req;
      ReadOdcsProperties(d, *nested, p + ".properties", field, &sub_props, &sub_req, contract, key_field);
      js["properties"] = std::move(sub_props);
      if (!sub_req.empty()) js["required"] = std::move(sub_req);
    }
    if (const json::object* items = d.Obj(o, "items", p); items && lt == "array") {
      std::string ilt = d.Str(*items, "logicalType", p + ".items").value_or("");
      json::object item_schema;
      if (ilt == "object") {
        item_schema["type"] = "object";
        if (const json::array* nested = d.Arr(*items, "properties", p + ".items")) {
          json::object sub_props;
          json::array sub_req;
          ContractSpec ignored;  // rules inside arrays are not addressable by a dotted path
          std::string no_key;
          ReadOdcsProperties(d, *nested, p + ".items.properties", field + "[]", &sub_props, &sub_req,
                             &ignored, &no_key);
          item_schema["properties"] = std::move(sub_props);
          if (!sub_req.empty()) item_schema["required"] = std::move(sub_req);
          for (auto& c : ignored.classified) contract->classified.push_back(std::move(c));
        }
      } else if (ilt == "integer" || ilt == "number" || ilt == "boolean") {
        item_schema["type"] = ilt;
      } else if (!ilt.empty()) {
        item_schema["type"] = "string";
      }
      js["items"] = std::move(item_schema);
    }
    (*schema_props)[name] = std::move(js);
    bool has_rule = rule.required || rule.not_null || rule.minimum || rule.maximum || rule.min_length ||
                    rule.max_length || rule.pattern || !rule.allowed.empty() || !rule.logical_type.empty();
    if (has_rule) contract->rules.push_back(std::move(rule));
  }
}

// Completeness from ODCS quality rules: {metric: nullValues|missingValues,
// mustBeLessThan: X, unit: percent} or {dimension: completeness, ...}.
void ReadCompleteness(const Doc& d, const json::array& q, const std::string& path, ContractSpec* c) {
  for (size_t i = 0; i < q.size(); ++i) {
    if (!q[i].is_object()) continue;
    const auto& o = q[i].get_object();
    std::string metric = d.Str(o, "metric", Idx(path, i)).value_or("");
    std::string dimension = d.Str(o, "dimension", Idx(path, i)).value_or("");
    std::string unit = d.Str(o, "unit", Idx(path, i)).value_or("");
    if (dimension != "completeness" && metric != "nullValues" && metric != "missingValues") continue;
    for (const char* op : {"mustBeLessThan", "mustBeLessOrEqualTo", "mustBe"}) {
      const json::value* v = o.if_contains(op);
      if (!v || !v->is_number()) continue;
      double x = v->to_number<double>();
      double share = unit == "percent" ? x / 100.0 : -1;
      if (share >= 0 && share <= 1) c->completeness_min_ratio = 1.0 - share;
      break;
    }
    if (metric.empty()) {  // {dimension: completeness, mustBeGreaterThan: 99.9, unit: percent}
      for (const char* op : {"mustBeGreaterThan", "mustBeGreaterOrEqualTo"}) {
        const json::value* v = o.if_contains(op);
        if (v && v->is_number() && unit == "percent") c->completeness_min_ratio = v->to_number<double>() / 100.0;
      }
    }
  }
}

struct OdcsContract {
  std::string file;
  json::value doc;
};

// Reads the ODCS contract into `port` (topic, schema, rules, SLA, grants).
void ApplyOdcs(const Doc& d, const DescriptorBundle& b, const json::object& c, OutputPort* port,
               std::string* owner_fallback) {
  std::string kind = d.Str(c, "kind", "", true).value_or("");
  if (!kind.empty() && kind != "DataContract") d.Error("kind", "expected DataContract, got '" + kind + "'");
  std::string api = d.Str(c, "apiVersion", "", true).value_or("");
  if (!api.empty() && api.rfind("v3.", 0) != 0) {
    d.Error("apiVersion", "meshd reads ODCS v3.x contracts (v3.1.0 recommended), got '" + api + "'");
  }
  port->contract.id = d.Str(c, "id", "", true).value_or("");
  port->contract.version = d.Str(c, "version", "", true).value_or("");
  d.Str(c, "status", "", true);
  port->contract_file = d.file();
  if (const json::object* team = d.Obj(c, "team", ""); team && owner_fallback->empty()) {
    *owner_fallback = d.Str(*team, "name", "team").value_or("");
  }
  const json::array* schema = d.Arr(c, "schema", "", true);
  const json::object* obj = nullptr;
  std::string obj_path;
  if (schema) {
    std::vector<size_t> topics;
    for (size_t i = 0; i < schema->size(); ++i) {
      if (!(*schema)[i].is_object()) {
        d.Error(Idx("schema", i), "expected a schema object");
        continue;
      }
      auto pt = d.Str((*schema)[i].get_object(), "physicalType", Idx("schema", i));
      if (!pt || *pt == "topic") topics.push_back(i);
    }
    std::vector<size_t> named;
    for (size_t i : topics) {
      const auto& o = (*schema)[i].get_object();
      if (d.Str(o, "name", "").value_or("") == port->name ||
          d.Str(o, "physicalName", "").value_or("") == port->name) {
        named.push_back(i);
      }
    }
    size_t chosen = SIZE_MAX;
    if (named.size() == 1) chosen = named[0];
    else if (topics.size() == 1) chosen = topics[0];
    if (chosen == SIZE_MAX) {
      d.Error("schema", topics.empty()
                            ? "no schema object with physicalType: topic"
                            : "several topic objects and none named '" + port->name +
                                  "' (name the output port after the schema object)");
    } else {
      obj = &(*schema)[chosen].get_object();
      obj_path = Idx("schema", chosen);
    }
  }
  PortExtensions x;
  for (const auto& [k, v] : CustomProps(d, c, "")) ReadExtension(d, "customProperties." + k, k, v, &x);
  if (obj) {
    std::string name = d.Str(*obj, "name", obj_path, true).value_or("");
    port->topic = d.Str(*obj, "physicalName", obj_path).value_or(name);
    if (port->description.empty()) port->description = d.Str(*obj, "description", obj_path).value_or("");
    for (const auto& [k, v] : CustomProps(d, *obj, obj_path)) {
      ReadExtension(d, obj_path + ".customProperties." + k, k, v, &x);
    }
    json::object props;
    json::array required;
    if (const json::array* ps = d.Arr(*obj, "properties", obj_path, true)) {
      ReadOdcsProperties(d, *ps, obj_path + ".properties", "", &props, &required, &port->contract,
                         &port->key_field);
    }
    if (const json::array* q = d.Arr(*obj, "quality", obj_path)) {
      ReadCompleteness(d, *q, obj_path + ".quality", &port->contract);
    }
    // An Avro schema the contract points at wins over the generated one.
    std::string avsc;
    if (const json::array* defs = d.Arr(*obj, "authoritativeDefinitions", obj_path)) {
      for (const auto& def : *defs) {
        if (!def.is_object()) continue;
        std::string url = d.Str(def.get_object(), "url", obj_path).value_or("");
        if (url.size() > 5 && url.substr(url.size() - 5) == ".avsc" && url.find("://") == std::string::npos) avsc = url;
      }
    }
    for (const auto& [k, v] : CustomProps(d, *obj, obj_path)) {
      if (k == "schemaFile" && v.is_string()) avsc = std::string(v.get_string());
    }
    if (!avsc.empty()) {
      std::string rel = (fs::path(d.file()).parent_path() / avsc).string();
      const std::string* text = FindFile(b, rel);
      if (!text) {
        d.Error(obj_path + ".authoritativeDefinitions", "schema file '" + avsc + "' not found next to the contract");
      } else {
        port->schema_type = SchemaTypeForFile(avsc);
        port->schema_text = *text;
      }
    } else {
      json::object js;
      js["$schema"] = "http://json-schema.org/draft-07/schema#";
      js["title"] = name;
      if (auto desc = d.Str(*obj, "description", obj_path)) js["description"] = *desc;
      js["type"] = "object";
      js["properties"] = std::move(props);
      if (!required.empty()) js["required"] = std::move(required);
      port->schema_type = "JSON";
      port->schema_text = json::serialize(js);
    }
  }
  if (const json::array* q = d.Arr(c, "quality", "")) ReadCompleteness(d, *q, "quality", &port->contract);
  if (const json::array* sla = d.Arr(c, "slaProperties", "")) {
    for (size_t i = 0; i < sla->size(); ++i) {
      std::string p = Idx("slaProperties", i);
      if (!(*sla)[i].is_object()) {
        d.Error(p, "expected {property, value, unit}");
        continue;
      }
      const auto& o = (*sla)[i].get_object();
      std::string prop = d.Str(o, "property", p, true).value_or("");
      std::string value = d.Str(o, "value", p).value_or("");
      std::string unit = d.Str(o, "unit", p).value_or("");
      // ODCS `element` ("object.field") scopes an SLA to one schema object:
      // a contract covering several topics applies it only to that port.
      std::string element = d.Str(o, "element", p).value_or("");
      if (!element.empty() && obj != nullptr) {
        std::string object = element.substr(0, element.find('.'));
        if (object != d.Str(*obj, "name", "").value_or("") && object != port->topic) continue;
      }
      if (prop == "freshness" || prop == "latency") {
        auto ms = ParseDurationMs(value, unit);
        if (!ms || *ms <= 0) d.Error(p, prop + " '" + value + " " + unit + "' is not a duration");
        else port->contract.freshness_max_delay_ms = *ms;
      } else if (prop == "retention") {
        auto ms = ParseDurationMs(value, unit.empty() ? "d" : unit);
        if (!ms || *ms <= 0) d.Error(p, "retention '" + value + " " + unit + "' is not a duration");
        else x.retention_ms = *ms;
      }
    }
  }
  if (const json::array* roles = d.Arr(c, "roles", "")) ReadGrants(d, *roles, "roles", true, &port->grants);
  ApplyExtensions(x, port);
}

// Finds the ODCS document with `id` among the bundle's files.
std::optional<OdcsContract> FindContract(const DescriptorBundle& b, const std::string& id) {
  for (const char* ext : {".odcs.yaml", ".odcs.yml", ".odcs.json", ".yaml", ".yml", ".json"}) {
    if (const std::string* text = FindFile(b, id + ext)) {
      auto doc = yaml::ParseYamlOrJson(*text, id + ext);
      if (doc.ok()) return OdcsContract{id + ext, std::move(*doc)};
    }
  }
  for (const auto& [name, text] : b.files) {
    if (name.find(".odcs.") == std::string::npos && name.find("contract") == std::string::npos) continue;
    auto doc = yaml::ParseYamlOrJson(text, name);
    if (!doc.ok() || !doc->is_object()) continue;
    const json::value* v = doc->get_object().if_contains("id");
    if (v && v->is_string() && v->get_string() == id) return OdcsContract{name, std::move(*doc)};
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- ODPS

void ParseOdps(const Doc& d, const DescriptorBundle& b, const json::object& o, Problems* problems, DataProduct* p) {
  p->descriptor_format = "odps";
  std::string api = d.Str(o, "apiVersion", "", true).value_or("");
  if (!api.empty() && api != "v1.0.0" && api != "v0.9.0") {
    d.Error("apiVersion", "meshd reads ODPS v1.0.0 (or v0.9.0), got '" + api + "'");
  }
  p->id = d.Str(o, "id", "", true).value_or("");
  p->status = d.Str(o, "status", "", true).value_or("active");
  p->name = d.Str(o, "name", "").value_or(p->id);
  p->domain = d.Str(o, "domain", "").value_or("");
  p->version = d.Str(o, "version", "").value_or("1.0.0");
  p->tags = d.Strings(o, "tags", "");
  if (const json::object* desc = d.Obj(o, "description", "")) {
    std::string text;
    for (const char* k : {"purpose", "usage", "limitations"}) {
      if (auto s = d.Str(*desc, k, "description")) text += (text.empty() ? "" : " ") + *s;
    }
    p->description = text;
  } else if (auto s = d.Str(o, "description", "")) {
    p->description = *s;
  }
  if (const json::value* team = o.if_contains("team")) {
    if (team->is_object()) {
      p->owner = d.Str(team->get_object(), "name", "team").value_or("");
      if (p->owner.empty()) {
        if (const json::array* members = d.Arr(team->get_object(), "members", "team"); members && !members->empty() &&
            (*members)[0].is_object()) {
          p->owner = d.Str((*members)[0].get_object(), "username", "team.members[0]").value_or("");
        }
      }
    } else if (team->is_array() && !team->get_array().empty() && team->get_array()[0].is_object()) {
      p->owner = d.Str(team->get_array()[0].get_object(), "username", "team[0]").value_or("");
    }
  }
  auto product_cp = CustomProps(d, o, "");
  if (auto it = product_cp.find("owner"); it != product_cp.end() && p->owner.empty()) p->owner = Scalar(it->second);
  std::map<std::string, std::string> input_by_contract;  // contractId -> input port name
  if (const json::array* ins = d.Arr(o, "inputPorts", "")) {
    for (size_t i = 0; i < ins->size(); ++i) {
      std::string path = Idx("inputPorts", i);
      if (!(*ins)[i].is_object()) {
        d.Error(path, "expected {name, version, contractId}");
        continue;
      }
      const auto& io = (*ins)[i].get_object();
      InputPort in;
      in.name = d.Str(io, "name", path, true).value_or("");
      d.Str(io, "version", path, true);
      in.contract_id = d.Str(io, "contractId", path, true).value_or("");
      for (const auto& [k, v] : CustomProps(d, io, path)) {
        if (k == "topic") in.topic = Scalar(v);
        if (k == "product") in.product = Scalar(v);
      }
      // The upstream contract, when bundled, names the topic.
      if (in.topic.empty() && !in.contract_id.empty()) {
        if (auto c = FindContract(b, in.contract_id); c && c->doc.is_object()) {
          if (const json::value* s = c->doc.get_object().if_contains("schema"); s && s->is_array()) {
            for (const auto& so : s->get_array()) {
              if (!so.is_object()) continue;
              const json::value* pn = so.get_object().if_contains("physicalName");
              if (pn && pn->is_string()) {
                in.topic = std::string(pn->get_string());
                break;
              }
            }
          }
        }
      }
      input_by_contract[in.contract_id] = in.name;
      p->inputs.push_back(std::move(in));
    }
  }
  const json::array* outs = d.Arr(o, "outputPorts", "", true);
  if (outs && outs->empty()) d.Error("outputPorts", "a data product needs at least one output port");
  if (!outs) return;
  for (size_t i = 0; i < outs->size(); ++i) {
    std::string path = Idx("outputPorts", i);
    if (!(*outs)[i].is_object()) {
      d.Error(path, "expected {name, version, contractId, ...}");
      continue;
    }
    const auto& po = (*outs)[i].get_object();
    OutputPort port;
    port.name = d.Str(po, "name", path, true).value_or("");
    d.Str(po, "version", path, true);
    port.description = d.Str(po, "description", path).value_or("");
    std::string type = d.Str(po, "type", path).value_or("topic");
    std::string contract_id = d.Str(po, "contractId", path).value_or("");
    if (contract_id.empty()) {
      d.Error(path + ".contractId", "an output port needs the ODCS contract that describes its topic");
    } else if (auto c = FindContract(b, contract_id)) {
      if (!c->doc.is_object()) {
        problems->Add(c->file, "", "expected an ODCS DataContract mapping");
      } else {
        Doc cd(c->file, problems);
        std::string owner_fallback = p->owner;
        ApplyOdcs(cd, b, c->doc.get_object(), &port, &owner_fallback);
        if (p->owner.empty()) p->owner = owner_fallback;
        if (port.contract.id != contract_id) {
          d.Error(path + ".contractId", "'" + contract_id + "' names " + c->file + " whose id is '" +
                                             port.contract.id + "'");
        }
      }
    } else {
      d.Error(path + ".contractId", "contract '" + contract_id + "' not found (looked for " + contract_id +
                                        ".odcs.yaml and every *.odcs.yaml beside the product)");
    }
    if (port.topic.empty()) port.topic = port.name;
    PortExtensions x;
    for (const auto& [k, v] : CustomProps(d, po, path)) ReadExtension(d, path + ".customProperties." + k, k, v, &x);
    ApplyExtensions(x, &port);
    if (const json::array* ic = d.Arr(po, "inputContracts", path)) {
      for (size_t k = 0; k < ic->size(); ++k) {
        if (!(*ic)[k].is_object()) continue;
        std::string id = d.Str((*ic)[k].get_object(), "id", Idx(path + ".inputContracts", k), true).value_or("");
        auto it = input_by_contract.find(id);
        if (it == input_by_contract.end()) {
          d.Error(Idx(path + ".inputContracts", k) + ".id", "'" + id + "' is not the contractId of any inputPort");
        } else {
          port.input_ports.push_back(it->second);
        }
      }
    } else {
      for (const auto& in : p->inputs) port.input_ports.push_back(in.name);
    }
    (void)type;
    p->outputs.push_back(std::move(port));
  }
  if (p->id.empty()) p->id = p->domain + "." + p->name;
}

// ---------------------------------------------------------------- checks

void CheckProduct(const Doc& d, DataProduct* p) {
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9_.-]{0,199}");
  if (!p->name.empty() && !std::regex_match(p->name, kName)) {
    d.Error("name", "'" + p->name + "' is not a valid product name (letters, digits, '_', '.', '-')");
  }
  std::set<std::string> names, topics;
  for (auto& port : p->outputs) {
    if (!port.name.empty() && !names.insert(port.name).second) {
      d.Error("output ports", "port name '" + port.name + "' is used twice");
    }
    if (!ValidTopicName(port.topic)) {
      d.Error("output port " + port.name, "'" + port.topic + "' is not a valid topic name");
    } else if (port.topic[0] == '_') {
      d.Error("output port " + port.name, "topic '" + port.topic + "' starts with '_', reserved for internal topics");
    } else if (!topics.insert(port.topic).second) {
      d.Error("output port " + port.name, "topic '" + port.topic + "' is used by two ports");
    }
    port.schema_subject = port.topic + "-value";
  }
}

}  // namespace

Result<Descriptor> ParseDescriptor(const DescriptorBundle& bundle, std::vector<std::string>* errors) {
  Problems problems;
  Descriptor out;
  auto doc = yaml::ParseYamlOrJson(bundle.content, bundle.file);
  if (!doc.ok()) {
    if (errors) errors->push_back(doc.error().message());
    return doc.error();
  }
  Doc d(bundle.file, &problems);
  if (!doc->is_object()) {
    d.Error("", "expected a mapping: data_product (short form), kind: DataProduct (ODPS) or the contract JSON");
  } else {
    const json::object& o = doc->get_object();
    const json::value* dp = o.if_contains("data_product");
    if (dp && dp->is_object()) {
      out.format = "short";
      ParseShortForm(d, bundle, dp->get_object(), &out.product);
    } else if (dp && dp->is_string()) {
      out.format = "contract-json";
      out.kind = Descriptor::Kind::kContractPatch;
      out.patch.product = std::string(dp->get_string());
      out.patch.port = d.Str(o, "output_port", "").value_or("");
      out.patch.schema_url = d.Str(o, "schema", "").value_or("");
      if (const json::object* q = d.Obj(o, "quality_spec", "")) {
        ReadQualitySpec(d, *q, "quality_spec", &out.patch.freshness_max_delay_ms,
                        &out.patch.completeness_min_ratio);
      }
      if (auto s = d.Str(o, "on_violation", "")) {
        ViolationAction a;
        if (ParseViolationAction(*s, &a)) out.patch.on_violation = a;
        else d.Error("on_violation", "must be flag or quarantine, got '" + *s + "'");
      }
    } else if (o.contains("kind") && o.at("kind").is_string() && o.at("kind").get_string() == "DataProduct") {
      out.format = "odps";
      ParseOdps(d, bundle, o, &problems, &out.product);
    } else if (o.contains("kind") && o.at("kind").is_string() && o.at("kind").get_string() == "DataContract") {
      d.Error("kind", "this is an ODCS contract; apply the ODPS product (kind: DataProduct) that references it");
    } else {
      d.Error("", "unknown descriptor: expected data_product (short form), kind: DataProduct (ODPS v1.0.0) "
                  "or {\"data_product\": NAME, \"quality_spec\": ...}");
    }
  }
  if (out.kind == Descriptor::Kind::kProduct && problems.list.empty()) {
    out.product.source_file = bundle.file;
    CheckProduct(d, &out.product);
  }
  if (!problems.list.empty()) {
    if (errors) *errors = problems.list;
    std::string m = problems.list[0];
    if (problems.list.size() > 1) m += " (and " + std::to_string(problems.list.size() - 1) + " more)";
    return Status::InvalidArgument(m);
  }
  return out;
}

}  // namespace meshd::catalog
