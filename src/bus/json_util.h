#pragma once
// Small helpers shared by the bus: typed field access on Boost.JSON objects
// with errors that name the field, and RFC 3339 time at EventBridge's second
// precision (event ids come from cloudevents::NewUuid).
// Pure functions; thread-safe.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace meshd::bus {

namespace json = boost::json;

// Parses `text` as JSON; errors say `what` ("Detail", "EventPattern") and why.
Result<json::value> ParseJson(std::string_view text, std::string_view what);

// Optional string member: nullopt when absent or null; error when present with
// another type.
Result<std::optional<std::string>> OptString(const json::object& o, std::string_view key);
// Required string member.
Result<std::string> ReqString(const json::object& o, std::string_view key);
// Optional integer member (JSON int/uint, or a double with an integral value).
Result<std::optional<int64_t>> OptInt(const json::object& o, std::string_view key);
// Optional number (epoch seconds for AWS timestamps); doubles allowed.
Result<std::optional<double>> OptNumber(const json::object& o, std::string_view key);
// Optional bool.
Result<std::optional<bool>> OptBool(const json::object& o, std::string_view key);
// Object member or nullptr; error when present with another type.
Result<const json::object*> OptObject(const json::object& o, std::string_view key);
Result<const json::array*> OptArray(const json::object& o, std::string_view key);

// "2026-11-27T10:00:00Z" for a wall-clock time in ms (second precision, as
// EventBridge writes `time`).
std::string FormatRfc3339(int64_t epoch_ms);
// Parses RFC 3339 ("...Z", "+hh:mm", optional fraction); returns epoch ms.
Result<int64_t> ParseRfc3339(std::string_view s);

// Serializes compactly.
inline std::string Dump(const json::value& v) { return json::serialize(v); }

}  // namespace meshd::bus
