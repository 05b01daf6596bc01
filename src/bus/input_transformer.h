#pragma once
// Shapes what a target receives, as EventBridge does:
//  - no setting: the whole event;
//  - Input: the constant JSON text, verbatim;
//  - InputPath: the part of the event a JSONPath selects ("$.detail.customer");
//  - InputTransformer: InputPathsMap values are JSONPaths evaluated against the
//    event; each <name> in InputTemplate is replaced. Inside a JSON string
//    ("... <name> ...") a string value is inserted without quotes (escaped)
//    and other values as their JSON text, escaped; outside quotes a value is
//    inserted as JSON. A template that is not JSON (plain text) gets string
//    values raw. A path that selects nothing yields null (or "" inside a
//    string). Reserved: <aws.events.rule-name>, <aws.events.rule-arn>,
//    <aws.events.event> / <aws.events.event.json>, <aws.events.event.ingestion-time>.
// Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "bus/json_util.h"
#include "bus/model.h"

namespace meshd::bus {

// Evaluates a simple JSONPath: $, .name, ['name'], [index]. nullopt when the
// path selects nothing; error when the path is malformed.
Result<std::optional<json::value>> EvalJsonPath(const json::value& root, std::string_view path);

struct TransformContext {
  std::string rule_name;
  std::string rule_arn;
  int64_t ingestion_time_ms = 0;
};

// Returns the payload text for `target` given the serialized event.
Result<std::string> TransformInput(const TargetSpec& target, const std::string& event_json,
                                   const TransformContext& ctx);

// Validates the paths of an InputTransformer / InputPath at PutTargets time.
Status ValidateTransform(const TargetSpec& target);

}  // namespace meshd::bus
