#pragma once
// Federated governance: the platform team's global policy, checked against
// every product at create/apply time. A refusal lists EVERY violated rule.
// File format (YAML or JSON; `meshd serve --policy FILE`, PUT /v1/policies):
//
//   kind: GovernancePolicy        # optional
//   rules:
//     require_owner: true          # product has an owner (team.name / owner)
//     require_description: true    # product has a description (purpose)
//     pii_requires_treatment: true # every PII-classified field declares mask|hash|drop
//     topic_name_pattern: "^[a-z][a-z0-9_.]*$"   # every output topic matches (ECMAScript, whole name)
//     max_retention: 30d           # retention.ms of every output topic <= this (-1 = forever violates)
//     allowed_domains: [crm, pos, digital_workplace]
//     require_tags: true           # at least one tag
//
// Rules can also sit at the top level (without `rules:`). Unknown rule names
// are errors, so a typo does not silently disable a rule.

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/product_model.h"

namespace meshd::catalog {

struct PolicyViolation {
  std::string policy;   // rule name, e.g. "require_owner"
  std::string message;  // what is wrong, naming the product/port/field
};

struct GovernancePolicy {
  bool require_owner = false;
  bool require_description = false;
  bool pii_requires_treatment = false;
  bool require_tags = false;
  std::string topic_name_pattern;         // "" = no rule
  std::optional<int64_t> max_retention_ms;
  std::vector<std::string> allowed_domains;  // empty = any

  bool empty() const;
  static Result<GovernancePolicy> Parse(const std::string& text, const std::string& file);
  boost::json::object ToJson() const;
  // Every violation of this policy by `p` (empty = compliant).
  std::vector<PolicyViolation> Check(const DataProduct& p) const;
};

}  // namespace meshd::catalog
