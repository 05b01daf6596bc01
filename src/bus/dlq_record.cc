#include "bus/dlq_record.h"

#include "bus/json_util.h"

namespace meshd::bus {

std::string BuildDlqRecord(const DlqInfo& info, const std::string& event_json) {
  json::object o;
  o["version"] = "1";
  o["busArn"] = info.bus_arn;
  o["ruleArn"] = info.rule_arn;
  o["ruleName"] = info.rule_name;
  o["targetId"] = info.target_id;
  o["targetArn"] = info.target_arn;
  o["errorCode"] = info.error_code;
  o["errorMessage"] = info.error_message;
  o["exhaustedRetryCondition"] = info.exhausted_condition;
  o["retryAttempts"] = info.attempts > 0 ? info.attempts - 1 : 0;
  o["attempts"] = info.attempts;
  o["firstAttemptTime"] = FormatRfc3339(info.first_attempt_ms);
  o["lastAttemptTime"] = FormatRfc3339(info.last_attempt_ms);
  o["eventId"] = info.event_id;
  o["source"] = json::object{{"topic", info.topic}, {"partition", info.partition}, {"offset", info.offset}};
  if (!info.replay_name.empty()) o["replayName"] = info.replay_name;
  boost::system::error_code ec;
  json::value ev = json::parse(event_json, ec);
  if (ec) o["event"] = event_json;
  else o["event"] = std::move(ev);
  return json::serialize(o);
}

}  // namespace meshd::bus
