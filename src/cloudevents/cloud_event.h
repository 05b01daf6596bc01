#pragma once
// CloudEvents 1.0: the event envelope meshd accepts over HTTP and stores on
// the log with the Kafka protocol binding (binary mode).
//
// Representation: context attributes as strings, extensions as JSON scalars
// (string, number, bool), and `data` as raw bytes. When the content type is
// JSON (or absent) the bytes are JSON text; otherwise they are the payload
// as given (binary mode body or decoded `data_base64`).

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace meshd::cloudevents {

inline constexpr std::string_view kSpecVersion = "1.0";
inline constexpr std::string_view kStructuredContentType = "application/cloudevents+json";
inline constexpr std::string_view kBatchContentType = "application/cloudevents-batch+json";

struct CloudEvent {
  std::string specversion{kSpecVersion};
  std::string id;
  std::string source;
  std::string type;
  std::optional<std::string> datacontenttype;
  std::optional<std::string> dataschema;
  std::optional<std::string> subject;
  std::optional<std::string> time;  // RFC 3339
  std::map<std::string, boost::json::value> extensions;
  std::optional<std::string> data;  // raw bytes; nullopt = no data

  // The `partitionkey` extension as a string, if present.
  std::optional<std::string> PartitionKey() const;
};

// True for application/json, text/json and any "+json" suffix type
// (parameters such as "; charset=utf-8" are ignored).
bool IsJsonContentType(std::string_view content_type);

// Checks the required attributes and their types; errors name the attribute
// and are prefixed with `where` (e.g. "event[2]").
Status Validate(const CloudEvent& event, std::string_view where);

// Structured mode: one JSON object. Validates. Errors name the attribute.
Result<CloudEvent> FromStructuredJson(const boost::json::value& value, std::string_view where);

// The structured JSON form: attributes top level, `data` as JSON when the
// content type is JSON (or text when text/*, valid UTF-8), else `data_base64`.
boost::json::object ToStructuredJson(const CloudEvent& event);

// Canonical RFC 3339 UTC timestamp with milliseconds for `ms` since epoch.
std::string FormatRfc3339(int64_t ms);
// Loose RFC 3339 check (date, 'T', time, optional fraction, Z or offset).
bool IsRfc3339(std::string_view s);
// A random (version 4) UUID string.
std::string NewUuid();

}  // namespace meshd::cloudevents
