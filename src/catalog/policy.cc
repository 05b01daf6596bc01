#include "catalog/policy.h"

#include <regex>

#include "catalog/descriptor.h"
#include "yaml/yaml_to_json.h"
#include "storage/topic_config.h"

namespace meshd::catalog {

namespace json = boost::json;

bool GovernancePolicy::empty() const {
  return !require_owner && !require_description && !pii_requires_treatment && !require_tags &&
         topic_name_pattern.empty() && !max_retention_ms && allowed_domains.empty();
}

Result<GovernancePolicy> GovernancePolicy::Parse(const std::string& text, const std::string& file) {
  MESHD_ASSIGN_OR_RETURN(json::value doc, yaml::ParseYamlOrJson(text, file));
  if (doc.is_null()) return GovernancePolicy{};
  if (!doc.is_object()) return Status::InvalidArgument(file + ": expected a mapping of policy rules");
  const json::object* rules = &doc.get_object();
  std::string prefix;
  if (const json::value* r = rules->if_contains("rules")) {
    if (!r->is_object()) return Status::InvalidArgument(file + ": rules: expected a mapping");
    rules = &r->get_object();
    prefix = "rules.";
  }
  GovernancePolicy p;
  auto flag = [&](const json::value& v, const std::string& k, bool* out) -> Status {
    if (!v.is_bool()) return Status::InvalidArgument(file + ": " + prefix + k + ": expected true or false");
    *out = v.get_bool();
    return Status::Ok();
  };
  for (const auto& kv : *rules) {
    std::string k(kv.key());
    const json::value& v = kv.value();
    if (prefix.empty() && (k == "kind" || k == "apiVersion" || k == "description")) continue;
    if (k == "require_owner") MESHD_TRY(flag(v, k, &p.require_owner));
    else if (k == "require_description") MESHD_TRY(flag(v, k, &p.require_description));
    else if (k == "pii_requires_treatment") MESHD_TRY(flag(v, k, &p.pii_requires_treatment));
    else if (k == "require_tags") MESHD_TRY(flag(v, k, &p.require_tags));
    else if (k == "topic_name_pattern") {
      if (!v.is_string()) return Status::InvalidArgument(file + ": " + prefix + k + ": expected a regex string");
      p.topic_name_pattern = v.get_string();
      try {
        std::regex test(p.topic_name_pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return Status::InvalidArgument(file + ": " + prefix + k + ": '" + p.topic_name_pattern +
                                       "' is not a valid regular expression");
      }
    } else if (k == "max_retention" || k == "max_retention_ms") {
      std::string s = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
      auto ms = ParseDurationMs(s, k == "max_retention_ms" ? "ms" : "");
      if (!ms || *ms <= 0) return Status::InvalidArgument(file + ": " + prefix + k + ": '" + s + "' is not a duration (e.g. 30d)");
      p.max_retention_ms = *ms;
    } else if (k == "allowed_domains") {
      if (!v.is_array()) return Status::InvalidArgument(file + ": " + prefix + k + ": expected a list of domains");
      for (const auto& d : v.get_array()) {
        if (!d.is_string()) return Status::InvalidArgument(file + ": " + prefix + k + ": expected domain names");
        p.allowed_domains.emplace_back(d.get_string());
      }
    } else {
      return Status::InvalidArgument(file + ": " + prefix + k + ": unknown policy rule (known: require_owner, "
                                     "require_description, pii_requires_treatment, require_tags, "
                                     "topic_name_pattern, max_retention, allowed_domains)");
    }
  }
  return p;
}

json::object GovernancePolicy::ToJson() const {
  json::object r;
  if (require_owner) r["require_owner"] = true;
  if (require_description) r["require_description"] = true;
  if (pii_requires_treatment) r["pii_requires_treatment"] = true;
  if (require_tags) r["require_tags"] = true;
  if (!topic_name_pattern.empty()) r["topic_name_pattern"] = topic_name_pattern;
  if (max_retention_ms) r["max_retention_ms"] = *max_retention_ms;
  if (!allowed_domains.empty()) {
    json::array a;
    for (const auto& d : allowed_domains) a.emplace_back(d);
    r["allowed_domains"] = std::move(a);
  }
  return json::object{{"kind", "GovernancePolicy"}, {"rules", std::move(r)}};
}

std::vector<PolicyViolation> GovernancePolicy::Check(const DataProduct& p) const {
  std::vector<PolicyViolation> out;
  const std::string who = "product '" + p.name + "'";
  if (require_owner && p.owner.empty()) {
    out.push_back({"require_owner", who + " has no owner (ODPS team.name, or owner: in the short form)"});
  }
  if (require_description && p.description.empty()) {
    out.push_back({"require_description",
                   who + " has no description (ODPS description.purpose, or description: in the short form)"});
  }
  if (require_tags && p.tags.empty()) out.push_back({"require_tags", who + " has no tags"});
  if (!allowed_domains.empty()) {
    bool ok = false;
    for (const auto& d : allowed_domains) ok = ok || d == p.domain;
    if (!ok) {
      std::string list;
      for (const auto& d : allowed_domains) list += (list.empty() ? "" : ", ") + d;
      out.push_back({"allowed_domains", who + " is in domain '" + p.domain + "', which is not one of: " + list});
    }
  }
  std::optional<std::regex> topic_re;
  if (!topic_name_pattern.empty()) topic_re.emplace(topic_name_pattern, std::regex::ECMAScript);
  for (const auto& port : p.outputs) {
    const std::string where = who + " port '" + port.name + "'";
    if (topic_re && !std::regex_match(port.topic, *topic_re)) {
      out.push_back({"topic_name_pattern", where + ": topic '" + port.topic + "' does not match " +
                                               topic_name_pattern});
    }
    if (max_retention_ms) {
      int64_t retention = storage::TopicConfig{}.retention_ms;
      if (auto it = port.topic_config.find("retention.ms"); it != port.topic_config.end()) {
        retention = std::atoll(it->second.c_str());
      }
      if (retention < 0 || retention > *max_retention_ms) {
        out.push_back({"max_retention", where + ": retention " +
                                            (retention < 0 ? std::string("forever") : std::to_string(retention) + " ms") +
                                            " exceeds the maximum of " + std::to_string(*max_retention_ms) + " ms"});
      }
    }
    if (pii_requires_treatment) {
      for (const auto& f : port.contract.classified) {
        if (!f.treatment_declared) {
          out.push_back({"pii_requires_treatment",
                         where + ": field '" + f.field + "' is classified '" + f.classification +
                             "' but declares no treatment (customProperties piiTreatment: mask|hash|drop)"});
        }
      }
    }
  }
  return out;
}

}  // namespace meshd::catalog
