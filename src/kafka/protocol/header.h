#pragma once
// Request and response headers, and the generic message codec entry points.
//
// Request header v1: api_key int16, api_version int16, correlation_id int32,
// client_id nullable int16-length string. v2 (flexible requests) adds a
// tagged-field section; client_id stays a classic string (brief 2.2 #1).
// Response header v0: correlation_id; v1 adds a tagged-field section, but
// ApiVersions responses always use v0 (KIP-511).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

struct ParsedRequest {
  RequestHeader header;
  std::string_view body;  // points into the frame passed to ParseRequest
};

// Parses the header of one request frame (without the int32 size prefix).
// The header layout depends on the API's flexible range; for unknown keys the
// v1 layout is assumed (callers reject those anyway).
Result<ParsedRequest> ParseRequest(std::string_view frame);

// Appends a request header (client side; tests and tools).
void EncodeRequestHeader(const RequestHeader& h, std::string* out);

// Appends the response header for (key, version).
void EncodeResponseHeader(int16_t api_key, int16_t api_version, int32_t correlation_id,
                          std::string* out);

// Decodes a message body: `Msg` has kApiKey and a Serialize(Io&, Msg&, v).
template <class Msg>
Result<Msg> DecodeBody(std::string_view body, int16_t version) {
  Reader r(body, IsFlexible(static_cast<int16_t>(Msg::kApiKey), version));
  Msg m;
  Status s = Serialize(r, m, version);
  if (!s.ok()) return s;
  return m;
}

// Appends the encoded body of `m` at `version` to `out`.
template <class Msg>
void EncodeBody(const Msg& m, int16_t version, std::string* out) {
  Writer w(out, IsFlexible(static_cast<int16_t>(Msg::kApiKey), version));
  // Serialize takes a mutable reference because the same template reads;
  // a Writer never modifies the message.
  Serialize(w, const_cast<Msg&>(m), version).IgnoreError();
}

template <class Msg>
std::string EncodeBody(const Msg& m, int16_t version) {
  std::string out;
  EncodeBody(m, version, &out);
  return out;
}

}  // namespace meshd::kafka
