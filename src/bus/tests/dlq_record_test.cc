#include "bus/dlq_record.h"

#include <gtest/gtest.h>

#include "bus/json_util.h"

namespace meshd::bus {
namespace {

TEST(DlqRecordTest, CarriesEventErrorAttemptsAndRuleTarget) {
  DlqInfo info;
  info.bus_arn = "arn:aws:events:local:000000000000:event-bus/default";
  info.rule_arn = "arn:aws:events:local:000000000000:rule/r";
  info.rule_name = "r";
  info.target_id = "hook";
  info.target_arn = "http://127.0.0.1:9/x";
  info.error_code = "HTTP_500";
  info.error_message = "HTTP 500: boom";
  info.exhausted_condition = "MaximumRetryAttempts";
  info.attempts = 4;
  info.event_id = "e1";
  info.topic = "_bus.default";
  info.offset = 9;
  auto v = json::parse(BuildDlqRecord(info, R"({"id":"e1","detail":{"a":1}})")).as_object();
  EXPECT_EQ(v["ruleArn"].as_string(), info.rule_arn);
  EXPECT_EQ(v["targetArn"].as_string(), info.target_arn);
  EXPECT_EQ(v["targetId"].as_string(), "hook");
  EXPECT_EQ(v["errorCode"].as_string(), "HTTP_500");
  EXPECT_EQ(v["errorMessage"].as_string(), "HTTP 500: boom");
  EXPECT_EQ(v["exhaustedRetryCondition"].as_string(), "MaximumRetryAttempts");
  EXPECT_EQ(v["retryAttempts"].as_int64(), 3);
  EXPECT_EQ(v["attempts"].as_int64(), 4);
  EXPECT_EQ(v["event"].as_object()["detail"].as_object()["a"].as_int64(), 1);
  EXPECT_EQ(v["source"].as_object()["offset"].as_int64(), 9);
}

TEST(DlqRecordTest, UnparsableEventIsKeptAsString) {
  DlqInfo info;
  auto v = json::parse(BuildDlqRecord(info, "not json")).as_object();
  EXPECT_EQ(v["event"].as_string(), "not json");
  EXPECT_EQ(v["exhaustedRetryCondition"].as_string(), "");
}

}  // namespace
}  // namespace meshd::bus
