#include <gtest/gtest.h>

#include "bus/cli.h"
#include "bus/json_util.h"

namespace meshd::bus::cli {
namespace {

TEST(CliPlanTest, YamlBecomesBusFunctionAndRuleCalls) {
  const char* yaml = R"(
buses:
  - crm
  - name: orders
    partitions: 3
functions:
  - name: provision
    runtime: python3
    handler: handlers/provision.py:lambda_handler
    timeout: 5
rules:
  - name: new-customer
    bus: crm
    event_pattern:
      source: [crm.production]
      detail:
        amount: [{numeric: [">", 0]}]
        code: ["007"]
    targets:
      - id: fn
        arn: arn:meshd:function:provision
        retry_policy: {maximum_retry_attempts: 3}
        dead_letter_arn: arn:meshd:topic:dlq
        input_transformer:
          input_paths_map: {id: $.detail.id}
          input_template: '{"id": <id>}'
)";
  std::vector<PlannedCall> calls;
  std::string error;
  ASSERT_TRUE(PlanApply(yaml, "/srv/rules", &calls, &error)) << error;
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].path, "/v1/buses");
  EXPECT_EQ(json::parse(calls[1].body).as_object().at("Partitions").as_int64(), 3);
  EXPECT_EQ(calls[2].method, "PUT");
  EXPECT_EQ(calls[2].path, "/v1/functions/provision");
  auto fn = json::parse(calls[2].body).as_object();
  EXPECT_EQ(fn.at("Handler").as_string(), "/srv/rules/handlers/provision.py:lambda_handler");
  EXPECT_EQ(fn.at("TimeoutSeconds").as_int64(), 5);
  EXPECT_EQ(calls[3].path, "/v1/buses/crm/rules/new-customer");
  auto rule = json::parse(calls[3].body).as_object();
  auto pattern = rule.at("EventPattern").as_object();
  // Pattern keys and values are not renamed or retyped wrongly.
  EXPECT_EQ(pattern.at("source").as_array()[0].as_string(), "crm.production");
  auto amount = pattern.at("detail").as_object().at("amount").as_array()[0].as_object();
  EXPECT_EQ(amount.at("numeric").as_array()[1].as_int64(), 0);
  EXPECT_EQ(pattern.at("detail").as_object().at("code").as_array()[0].as_string(), "007");
  auto target = rule.at("Targets").as_array()[0].as_object();
  EXPECT_EQ(target.at("Id").as_string(), "fn");
  EXPECT_EQ(target.at("RetryPolicy").as_object().at("MaximumRetryAttempts").as_int64(), 3);
  EXPECT_EQ(target.at("DeadLetterConfig").as_object().at("Arn").as_string(), "arn:meshd:topic:dlq");
  EXPECT_EQ(target.at("InputTransformer").as_object().at("InputTemplate").as_string(), R"({"id": <id>})");
}

TEST(CliPlanTest, BadYamlIsReported) {
  std::vector<PlannedCall> calls;
  std::string error;
  EXPECT_FALSE(PlanApply("rules: [", ".", &calls, &error));
  EXPECT_NE(error.find("not valid"), std::string::npos);
  EXPECT_FALSE(PlanApply("rules:\n  - bus: x\n", ".", &calls, &error));
  EXPECT_NE(error.find("no name"), std::string::npos);
}

}  // namespace
}  // namespace meshd::bus::cli
