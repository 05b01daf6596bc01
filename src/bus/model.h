#pragma once
// The bus's configuration objects: buses, rules, targets, functions,
// archives and replays. Plain values. Their JSON form is the AWS EventBridge
// API shape (Id, Arn, RetryPolicy, ...) so that the REST API, the AWS JSON 1.1
// endpoint, the rules YAML and the persisted config all share one codec;
// meshd-only settings live under extra keys (e.g. a target's "Webhook").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "bus/json_util.h"

namespace meshd::bus {

inline constexpr char kDefaultBus[] = "default";
inline constexpr char kAccount[] = "000000000000";
inline constexpr int kMaxTargetsPerRule = 5;

struct RetryPolicy {
  int32_t maximum_retry_attempts = 185;      // retries after the first attempt (0..185)
  int32_t maximum_event_age_seconds = 86400;  // 60..86400
};

struct InputTransformerSpec {
  std::map<std::string, std::string> input_paths_map;  // name -> JSONPath
  std::string input_template;
};

// Webhook settings. AWS callers can only set headers (HttpParameters);
// method, timeout and rate limit are meshd extensions ("Webhook": {...}).
struct WebhookParams {
  std::string method = "POST";
  std::map<std::string, std::string> headers;
  int64_t timeout_ms = 5000;        // AWS API destinations use 5 s
  double rate_limit_per_second = 0;  // 0 = unlimited
};

struct TargetSpec {
  std::string id;
  std::string arn;
  std::optional<std::string> input;       // constant JSON text
  std::optional<std::string> input_path;  // JSONPath
  std::optional<InputTransformerSpec> input_transformer;
  // Topic targets: the JSONPath whose value becomes the record key, as
  // EventBridge's KinesisParameters.PartitionKeyPath does for streams. Keyed
  // records keep per-key order and let compacted topics keep the latest value
  // per key. Unset = the event id.
  std::optional<std::string> partition_key_path;
  RetryPolicy retry_policy;
  std::string dead_letter_arn;  // "" = none; else arn:meshd:topic:<name>
  WebhookParams webhook;
};

struct RuleSpec {
  std::string name;
  std::string bus = kDefaultBus;
  std::string event_pattern;  // EventBridge JSON pattern, verbatim
  bool enabled = true;
  std::string description;
  std::vector<TargetSpec> targets;
  int64_t created_ms = 0;
};

struct BusSpec {
  std::string name;
  int32_t partitions = 1;
  int64_t created_ms = 0;
};

struct FunctionSpec {
  std::string name;
  std::string runtime = "python3";  // python3 | exec
  std::string handler;              // python3: /abs/path/file.py:function
  std::vector<std::string> command; // exec: argv
  int32_t concurrency = 1;          // worker processes
  int64_t timeout_ms = 30000;       // per invocation
  std::map<std::string, std::string> environment;
  int64_t created_ms = 0;
};

struct ArchiveSpec {
  std::string name;
  std::string bus;
  std::string event_pattern;  // "" = every event
  int32_t retention_days = 0;  // 0 = forever
  std::string description;
  int64_t created_ms = 0;
};

struct ReplaySpec {
  std::string name;
  std::string description;
  std::string archive;           // source archive name
  std::string destination_bus;
  std::vector<std::string> filter_rules;  // rule names; empty = all rules
  int64_t event_start_ms = 0;
  int64_t event_end_ms = 0;
  std::string state = "STARTING";  // STARTING | RUNNING | COMPLETED | FAILED | CANCELLED
  std::string state_reason;
  int64_t replay_start_ms = 0;
  int64_t replay_end_ms = 0;
  int64_t last_replayed_ms = 0;
  int64_t events_replayed = 0;
};

// ARNs. Buses and rules use AWS-shaped ARNs so SDK tooling can parse them;
// targets use meshd's scheme (see docs/event-bus.md).
std::string BusArn(const std::string& region, const std::string& bus);
std::string RuleArn(const std::string& region, const std::string& bus, const std::string& rule);
std::string ArchiveArn(const std::string& region, const std::string& name);
std::string ReplayArn(const std::string& region, const std::string& name);
// Accepts a bare name, arn:meshd:bus:<n> or arn:aws:events:...:event-bus/<n>.
std::string BusNameFromArnOrName(const std::string& s);
// Accepts a bare name or arn:aws:events:...:archive/<n>.
std::string ArchiveNameFromArnOrName(const std::string& s);
// Accepts a bare rule name or a rule ARN (".../rule/<bus>/<name>" or "rule/<name>").
std::string RuleNameFromArnOrName(const std::string& s);

// Names: buses, rules, targets, functions, archives: [A-Za-z0-9._-]{1,64}.
Status ValidateName(const std::string& what, const std::string& name);

json::object ToJson(const TargetSpec& t);
Result<TargetSpec> TargetFromJson(const json::object& o);
json::object ToJson(const RuleSpec& r, const std::string& region);
// Reads Name, EventPattern, State, Description, EventBusName (+ Targets when
// present, for persistence and the declarative YAML).
Result<RuleSpec> RuleFromJson(const json::object& o);
json::object ToJson(const BusSpec& b, const std::string& region);
Result<BusSpec> BusFromJson(const json::object& o);
json::object ToJson(const FunctionSpec& f);
Result<FunctionSpec> FunctionFromJson(const json::object& o);
json::object ToJson(const ArchiveSpec& a, const std::string& region);
Result<ArchiveSpec> ArchiveFromJson(const json::object& o);
json::object ToJson(const ReplaySpec& r, const std::string& region);
Result<ReplaySpec> ReplayFromJson(const json::object& o);

}  // namespace meshd::bus
