#pragma once
// Turns one PutEvents entry (Source, DetailType, Detail, Resources, Time,
// EventBusName) into the EventBridge event envelope that rules match and
// targets receive:
//   {"version":"0","id":<uuid>,"detail-type":..,"source":..,"account":"000000000000",
//    "time":<RFC 3339>,"region":<region>,"resources":[..],"detail":{..}}
// Pure; thread-safe.

#include <cstdint>
#include <string>

#include "base/result.h"
#include "bus/json_util.h"

namespace meshd::bus {

inline constexpr size_t kMaxEntriesPerPut = 10;
inline constexpr size_t kMaxPutBytes = 256 * 1024;

// A per-entry failure: AWS-style error code plus message.
struct EntryError {
  std::string code;  // "InvalidArgument", "MalformedDetail", ...
  std::string message;
};

struct BuiltEvent {
  std::string id;
  std::string bus;          // from EventBusName (name or ARN), "" = the request's bus
  std::string source;
  std::string json;         // the serialized envelope
};

// Builds the event for `entry`. `now_ms` is used when Time is absent. Time may
// be epoch seconds (AWS JSON 1.1) or an RFC 3339 string (REST).
Result<BuiltEvent> BuildEvent(const json::object& entry, const std::string& region,
                              int64_t now_ms, EntryError* error);

// The size AWS counts for an entry against the 256 KB request limit.
size_t EntrySize(const json::object& entry);

}  // namespace meshd::bus
