#include "catalog/policy.h"

#include <gtest/gtest.h>

namespace meshd::catalog {
namespace {

DataProduct Product() {
  DataProduct p;
  p.name = "pos_transactions";
  p.domain = "pos";
  OutputPort port;
  port.name = "pos_transactions";
  port.topic = "pos_transactions";
  port.contract.classified.push_back(ClassifiedField{"email", "restricted", PiiTreatment::kMask, false});
  p.outputs.push_back(port);
  return p;
}

TEST(Policy, EveryViolationIsListed) {
  auto policy = GovernancePolicy::Parse(R"(
require_owner: true
require_description: true
pii_requires_treatment: true
require_tags: true
topic_name_pattern: "^pos\\.[a-z_]+$"
max_retention: 1d
allowed_domains: [crm]
)", "p.yaml");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  auto v = policy->Check(Product());
  std::vector<std::string> names;
  for (const auto& x : v) names.push_back(x.policy);
  EXPECT_EQ(names, (std::vector<std::string>{"require_owner", "require_description", "require_tags",
                                             "allowed_domains", "topic_name_pattern", "max_retention",
                                             "pii_requires_treatment"}));
  EXPECT_NE(v.back().message.find("field 'email'"), std::string::npos);
}

TEST(Policy, CompliantProductPasses) {
  auto policy = GovernancePolicy::Parse("rules:\n  require_owner: true\n  pii_requires_treatment: true\n"
                                        "  max_retention: 30d\n", "p.yaml");
  ASSERT_TRUE(policy.ok());
  DataProduct p = Product();
  p.owner = "pos-team";
  p.outputs[0].contract.classified[0].treatment_declared = true;
  p.outputs[0].topic_config["retention.ms"] = "86400000";
  EXPECT_TRUE(policy->Check(p).empty());
}

TEST(Policy, UnknownRuleAndBadValuesAreErrors) {
  auto typo = GovernancePolicy::Parse("rules:\n  require_ownr: true\n", "p.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("p.yaml: rules.require_ownr: unknown policy rule"), std::string::npos);
  EXPECT_FALSE(GovernancePolicy::Parse("topic_name_pattern: \"([\"\n", "p.yaml").ok());
  EXPECT_FALSE(GovernancePolicy::Parse("max_retention: forever\n", "p.yaml").ok());
  EXPECT_FALSE(GovernancePolicy::Parse("require_owner: maybe\n", "p.yaml").ok());
}

TEST(Policy, JsonRoundTrip) {
  auto policy = GovernancePolicy::Parse("rules:\n  require_owner: true\n  allowed_domains: [a, b]\n", "p");
  ASSERT_TRUE(policy.ok());
  auto back = GovernancePolicy::Parse(boost::json::serialize(policy->ToJson()), "json");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->require_owner);
  EXPECT_EQ(back->allowed_domains.size(), 2u);
}

}  // namespace
}  // namespace meshd::catalog
