#pragma once
// CloudEvents HTTP protocol binding: turns one HTTP request body (plus its
// content type and ce-* headers) into events. Modes, decided in this order:
//   1. Content-Type application/cloudevents-batch+json: a JSON array of events.
//   2. Content-Type application/cloudevents+json: one structured event.
//   3. A `ce-specversion` header: binary mode (ce-* headers + body as data).
//   4. Otherwise a JSON body: an object that has "specversion" is read as a
//      structured event and a non-empty array of such objects as a batch
//      (conveniences for curl users); anything else is a plain value wrapped
//      as one event (id = new UUID, source = options.wrap_source
//      "/meshd/http", type = options.wrap_type "meshd.event",
//      datacontenttype = application/json, time = now).
//   5. A non-JSON content type without ce-* headers: the body wrapped as data
//      with that content type.
// Every event is validated before any is returned (all-or-nothing batches).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "cloudevents/cloud_event.h"

namespace meshd::cloudevents {

struct HttpParseOptions {
  std::string wrap_source = "/meshd/http";
  std::string wrap_type = "meshd.event";
  const Clock* clock = &SystemClock::Instance();
};

// Kinds of parse failure, so the HTTP edge can report a precise symbol.
enum class ParseErrorKind { kMalformedJson, kInvalidEvent };

struct ParseError {
  ParseErrorKind kind;
  Status status;  // InvalidArgument; the message names the field and the event index
};

struct HttpParseResult {
  std::vector<CloudEvent> events;
  std::optional<ParseError> error;
  bool ok() const { return !error.has_value(); }
};

// `headers`: lower-cased header names → values (only ce-* and content-type
// are looked at).
HttpParseResult ParseHttpRequest(std::string_view content_type,
                                 const std::map<std::string, std::string>& headers,
                                 std::string_view body, const HttpParseOptions& options = {});

// Wraps one plain JSON value (used by the CLI's produce and by the parser).
CloudEvent WrapPlainJson(const boost::json::value& value, const HttpParseOptions& options = {});

}  // namespace meshd::cloudevents
