#pragma once
// The EventBridge operations in AWS JSON 1.1 shapes (botocore's
// events/2015-10-07 model), independent of HTTP: one JSON object in, one
// out. Used by the AWS endpoint (X-Amz-Target: AWSEvents.<Op>) and by the
// REST routes whose bodies share the AWS shapes.
//
// Thread-safety: as BusService.

#include <string>

#include "base/result.h"
#include "bus/json_util.h"

namespace meshd::bus {

class BusService;

struct AwsError {
  int http_status = 400;
  std::string type;  // "ResourceNotFoundException", ...
  std::string message;
};

// Maps a Status to an AWS error (__type and HTTP status) in one place.
AwsError ToAwsError(const Status& status);

// Runs operation `op` ("PutEvents", "PutRule", ...). Unknown operations are
// kUnsupported ("UnknownOperationException").
Result<json::object> RunAwsOperation(BusService& service, const std::string& op, const json::object& input);

}  // namespace meshd::bus
