#pragma once
// The JSON record written to a target's dead-letter topic when delivery gives
// up. Modelled on EventBridge's DLQ attributes (RULE_ARN, TARGET_ARN,
// ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS) and
// its newer JSON layout:
//   {"version":"1","busArn":..,"ruleArn":..,"ruleName":..,"targetId":..,"targetArn":..,
//    "errorCode":..,"errorMessage":..,"exhaustedRetryCondition":"MaximumRetryAttempts"|
//    "MaximumEventAgeInSeconds"|"" (non-retryable),"retryAttempts":n,"attempts":n+1,
//    "firstAttemptTime":..,"lastAttemptTime":..,"eventId":..,
//    "source":{"topic":..,"partition":p,"offset":o},"event":{original event}}
// Pure; thread-safe.

#include <cstdint>
#include <string>

namespace meshd::bus {

struct DlqInfo {
  std::string bus_arn;
  std::string rule_arn;
  std::string rule_name;
  std::string target_id;
  std::string target_arn;
  std::string error_code;
  std::string error_message;
  std::string exhausted_condition;  // "" for non-retryable failures
  int32_t attempts = 0;
  int64_t first_attempt_ms = 0;
  int64_t last_attempt_ms = 0;
  std::string event_id;
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string replay_name;
};

// `event_json` is embedded as an object when it parses, else as a string.
std::string BuildDlqRecord(const DlqInfo& info, const std::string& event_json);

}  // namespace meshd::bus
