#pragma once
// Small JSON helpers shared by the API handlers.

#include <boost/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "storage/event_log.h"

namespace meshd::api {

// Parses a request body that must be a JSON object; errors say which request.
Result<boost::json::object> ParseObject(std::string_view body, std::string_view what);
// A config map from {"k": "v" | number | bool}; errors name the key.
Result<std::map<std::string, std::string>> ConfigMapFromJson(const boost::json::value& v);
// The describe shape: {"name","internal","partitions":[...],"config":{...},"size_bytes"}.
boost::json::object TopicToJson(const storage::TopicDescription& d);
// Parses a decimal int64 query value; errors name the parameter.
Result<int64_t> ParseInt(const std::string& value, std::string_view param, int64_t min,
                         int64_t max);
bool ParseBool(const std::string& value);

}  // namespace meshd::api
