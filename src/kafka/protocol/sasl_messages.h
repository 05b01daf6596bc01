#pragma once
// SaslHandshake (key 17) v0-1 and SaslAuthenticate (key 36) v0-1.
// Handshake v0 means raw SASL tokens (int32-length frames, no Kafka header)
// follow; v1 means SaslAuthenticate requests carry the tokens.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct SaslHandshakeRequest {
  static constexpr ApiKey kApiKey = ApiKey::kSaslHandshake;
  std::string mechanism;
};

template <class Io>
Status Serialize(Io& io, SaslHandshakeRequest& m, int16_t) {
  return io.String(m.mechanism);
}

struct SaslHandshakeResponse {
  static constexpr ApiKey kApiKey = ApiKey::kSaslHandshake;
  int16_t error_code = 0;
  std::vector<std::string> mechanisms;
};

template <class Io>
Status Serialize(Io& io, SaslHandshakeResponse& m, int16_t) {
  MESHD_TRY(io.Int16(m.error_code));
  return io.StringArray(m.mechanisms);
}

struct SaslAuthenticateRequest {
  static constexpr ApiKey kApiKey = ApiKey::kSaslAuthenticate;
  std::string auth_bytes;
};

template <class Io>
Status Serialize(Io& io, SaslAuthenticateRequest& m, int16_t) {
  MESHD_TRY(io.Bytes(m.auth_bytes));
  return io.TaggedFields();
}

struct SaslAuthenticateResponse {
  static constexpr ApiKey kApiKey = ApiKey::kSaslAuthenticate;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::string auth_bytes;
  int64_t session_lifetime_ms = 0;  // v1+
};

template <class Io>
Status Serialize(Io& io, SaslAuthenticateResponse& m, int16_t v) {
  MESHD_TRY(io.Int16(m.error_code));
  MESHD_TRY(io.NullableString(m.error_message));
  MESHD_TRY(io.Bytes(m.auth_bytes));
  if (v >= 1) MESHD_TRY(io.Int64(m.session_lifetime_ms));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
