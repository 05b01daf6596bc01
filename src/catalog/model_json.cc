#include "catalog/model_json.h"

namespace meshd::catalog {

namespace json = boost::json;

std::string_view ViolationActionName(ViolationAction a) {
  return a == ViolationAction::kQuarantine ? "quarantine" : "flag";
}

std::string_view PiiTreatmentName(PiiTreatment t) {
  switch (t) {
    case PiiTreatment::kMask: return "mask";
    case PiiTreatment::kHash: return "hash";
    case PiiTreatment::kDrop: return "drop";
  }
  return "mask";
}

bool ParseViolationAction(std::string_view s, ViolationAction* out) {
  if (s == "flag") *out = ViolationAction::kFlag;
  else if (s == "quarantine") *out = ViolationAction::kQuarantine;
  else return false;
  return true;
}

bool ParsePiiTreatment(std::string_view s, PiiTreatment* out) {
  if (s == "mask") *out = PiiTreatment::kMask;
  else if (s == "hash") *out = PiiTreatment::kHash;
  else if (s == "drop") *out = PiiTreatment::kDrop;
  else return false;
  return true;
}

namespace {

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string GetStr(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool GetBool(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_bool() && v->get_bool();
}

std::optional<double> GetDouble(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

std::optional<int64_t> GetInt(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (!v || !v->is_number()) return std::nullopt;
  return static_cast<int64_t>(v->to_number<double>());
}

std::vector<std::string> GetStrings(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (const json::value* v = o.if_contains(k); v && v->is_array()) {
    for (const auto& s : v->get_array()) {
      if (s.is_string()) out.emplace_back(s.get_string());
    }
  }
  return out;
}

const json::array& GetArray(const json::object& o, std::string_view k) {
  static const json::array kEmpty;
  const json::value* v = o.if_contains(k);
  return v && v->is_array() ? v->get_array() : kEmpty;
}

}  // namespace

json::object ContractToJson(const ContractSpec& c) {
  json::object o;
  o["id"] = c.id;
  o["version"] = c.version;
  json::array rules;
  for (const auto& r : c.rules) {
    json::object j{{"field", r.field}};
    if (r.required) j["required"] = true;
    if (r.not_null) j["not_null"] = true;
    if (!r.logical_type.empty()) j["logical_type"] = r.logical_type;
    if (r.minimum) j["minimum"] = *r.minimum;
    if (r.maximum) j["maximum"] = *r.maximum;
    if (r.min_length) j["min_length"] = *r.min_length;
    if (r.max_length) j["max_length"] = *r.max_length;
    if (r.pattern) j["pattern"] = *r.pattern;
    if (!r.allowed.empty()) j["allowed"] = Strings(r.allowed);
    rules.push_back(std::move(j));
  }
  o["rules"] = std::move(rules);
  if (c.completeness_min_ratio) o["completeness_min_ratio"] = *c.completeness_min_ratio;
  o["completeness_window_ms"] = c.completeness_window_ms;
  if (c.freshness_max_delay_ms) o["freshness_max_delay_ms"] = *c.freshness_max_delay_ms;
  o["on_violation"] = ViolationActionName(c.on_violation);
  json::array classified;
  for (const auto& f : c.classified) {
    classified.push_back(json::object{{"field", f.field},
                                      {"classification", f.classification},
                                      {"treatment", PiiTreatmentName(f.treatment)},
                                      {"treatment_declared", f.treatment_declared}});
  }
  o["classified"] = std::move(classified);
  if (!c.schema_url.empty()) o["schema_url"] = c.schema_url;
  return o;
}

json::object GrantToJson(const Grant& g) {
  json::object o;
  if (!g.domain.empty()) o["domain"] = g.domain;
  if (!g.principal.empty()) o["principal"] = g.principal;
  o["read"] = g.read;
  o["write"] = g.write;
  o["pii"] = g.pii;
  return o;
}

json::object ProductToJson(const DataProduct& p) {
  json::object o;
  o["id"] = p.id;
  o["name"] = p.name;
  o["domain"] = p.domain;
  o["owner"] = p.owner;
  o["description"] = p.description;
  o["version"] = p.version;
  o["status"] = p.status;
  o["tags"] = Strings(p.tags);
  json::array inputs;
  for (const auto& in : p.inputs) {
    inputs.push_back(json::object{{"name", in.name}, {"topic", in.topic},
                                  {"contract_id", in.contract_id}, {"product", in.product}});
  }
  o["inputs"] = std::move(inputs);
  json::array outputs;
  for (const auto& port : p.outputs) {
    json::object j;
    j["name"] = port.name;
    j["topic"] = port.topic;
    j["partitions"] = port.partitions;
    json::object cfg;
    for (const auto& [k, v] : port.topic_config) cfg[k] = v;
    j["topic_config"] = std::move(cfg);
    j["key_field"] = port.key_field;
    j["schema_subject"] = port.schema_subject;
    j["schema_type"] = port.schema_type;
    j["schema_version"] = port.schema_version;
    j["schema"] = port.schema_text;
    j["contract"] = ContractToJson(port.contract);
    json::array grants;
    for (const auto& g : port.grants) grants.push_back(GrantToJson(g));
    j["grants"] = std::move(grants);
    j["input_ports"] = Strings(port.input_ports);
    j["description"] = port.description;
    j["contract_file"] = port.contract_file;
    outputs.push_back(std::move(j));
  }
  o["outputs"] = std::move(outputs);
  o["source_file"] = p.source_file;
  o["descriptor_format"] = p.descriptor_format;
  if (!p.transform.empty()) {
    boost::system::error_code ec;
    json::value t = json::parse(p.transform, ec);
    if (!ec) o["transform"] = std::move(t);
  }
  return o;
}

Result<DataProduct> ProductFromJson(const json::value& v) {
  if (!v.is_object()) return Status::Corruption("catalog entry is not a JSON object");
  const json::object& o = v.get_object();
  DataProduct p;
  p.id = GetStr(o, "id");
  p.name = GetStr(o, "name");
  if (p.name.empty()) return Status::Corruption("catalog entry has no name");
  p.domain = GetStr(o, "domain");
  p.owner = GetStr(o, "owner");
  p.description = GetStr(o, "description");
  p.version = GetStr(o, "version");
  p.status = GetStr(o, "status");
  p.tags = GetStrings(o, "tags");
  p.source_file = GetStr(o, "source_file");
  p.descriptor_format = GetStr(o, "descriptor_format");
  if (const json::value* t = o.if_contains("transform"); t && t->is_object()) p.transform = json::serialize(*t);
  for (const auto& iv : GetArray(o, "inputs")) {
    if (!iv.is_object()) continue;
    const auto& io = iv.get_object();
    p.inputs.push_back(InputPort{GetStr(io, "name"), GetStr(io, "topic"), GetStr(io, "contract_id"),
                                 GetStr(io, "product")});
  }
  for (const auto& pv : GetArray(o, "outputs")) {
    if (!pv.is_object()) continue;
    const auto& j = pv.get_object();
    OutputPort port;
    port.name = GetStr(j, "name");
    port.topic = GetStr(j, "topic");
    port.partitions = static_cast<int32_t>(GetInt(j, "partitions").value_or(1));
    if (const json::value* cfg = j.if_contains("topic_config"); cfg && cfg->is_object()) {
      for (const auto& kv : cfg->get_object()) {
        if (kv.value().is_string()) port.topic_config[std::string(kv.key())] = kv.value().get_string();
      }
    }
    port.key_field = GetStr(j, "key_field");
    port.schema_subject = GetStr(j, "schema_subject");
    port.schema_type = GetStr(j, "schema_type");
    port.schema_version = static_cast<int32_t>(GetInt(j, "schema_version").value_or(0));
    port.schema_text = GetStr(j, "schema");
    port.description = GetStr(j, "description");
    port.contract_file = GetStr(j, "contract_file");
    port.input_ports = GetStrings(j, "input_ports");
    if (const json::value* cv = j.if_contains("contract"); cv && cv->is_object()) {
      const auto& c = cv->get_object();
      ContractSpec& spec = port.contract;
      spec.id = GetStr(c, "id");
      spec.version = GetStr(c, "version");
      spec.schema_url = GetStr(c, "schema_url");
      spec.completeness_min_ratio = GetDouble(c, "completeness_min_ratio");
      spec.completeness_window_ms = GetInt(c, "completeness_window_ms").value_or(spec.completeness_window_ms);
      spec.freshness_max_delay_ms = GetInt(c, "freshness_max_delay_ms");
      ParseViolationAction(GetStr(c, "on_violation"), &spec.on_violation);
      for (const auto& rv : GetArray(c, "rules")) {
        if (!rv.is_object()) continue;
        const auto& r = rv.get_object();
        FieldRule rule;
        rule.field = GetStr(r, "field");
        rule.required = GetBool(r, "required");
        rule.not_null = GetBool(r, "not_null");
        rule.logical_type = GetStr(r, "logical_type");
        rule.minimum = GetDouble(r, "minimum");
        rule.maximum = GetDouble(r, "maximum");
        rule.min_length = GetInt(r, "min_length");
        rule.max_length = GetInt(r, "max_length");
        if (r.contains("pattern")) rule.pattern = GetStr(r, "pattern");
        rule.allowed = GetStrings(r, "allowed");
        spec.rules.push_back(std::move(rule));
      }
      for (const auto& fv : GetArray(c, "classified")) {
        if (!fv.is_object()) continue;
        const auto& f = fv.get_object();
        ClassifiedField cf;
        cf.field = GetStr(f, "field");
        cf.classification = GetStr(f, "classification");
        ParsePiiTreatment(GetStr(f, "treatment"), &cf.treatment);
        cf.treatment_declared = GetBool(f, "treatment_declared");
        spec.classified.push_back(std::move(cf));
      }
    }
    for (const auto& gv : GetArray(j, "grants")) {
      if (!gv.is_object()) continue;
      const auto& g = gv.get_object();
      port.grants.push_back(Grant{GetStr(g, "domain"), GetStr(g, "principal"), GetBool(g, "read"),
                                  GetBool(g, "write"), GetBool(g, "pii")});
    }
    p.outputs.push_back(std::move(port));
  }
  return p;
}

}  // namespace meshd::catalog
