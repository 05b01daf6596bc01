#pragma once
// ApiVersions (key 18), v0-3. v3 is flexible (body), but its response header
// stays v0. Request v0-2 is empty; v3 carries the client software name/version.

#include <cstdint>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct ApiVersionsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kApiVersions;
  std::string client_software_name;     // v3+
  std::string client_software_version;  // v3+
};

template <class Io>
Status Serialize(Io& io, ApiVersionsRequest& m, int16_t v) {
  if (v >= 3) {
    MESHD_TRY(io.String(m.client_software_name));
    MESHD_TRY(io.String(m.client_software_version));
  }
  return io.TaggedFields();
}

struct ApiVersionsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kApiVersions;
  struct Api {
    int16_t api_key = 0;
    int16_t min_version = 0;
    int16_t max_version = 0;
  };
  int16_t error_code = 0;
  std::vector<Api> api_keys;
  int32_t throttle_time_ms = 0;  // v1+
};

template <class Io>
Status Serialize(Io& io, ApiVersionsResponse& m, int16_t v) {
  MESHD_TRY(io.Int16(m.error_code));
  MESHD_TRY(io.Array(m.api_keys, [](Io& io, ApiVersionsResponse::Api& a) -> Status {
    MESHD_TRY(io.Int16(a.api_key));
    MESHD_TRY(io.Int16(a.min_version));
    MESHD_TRY(io.Int16(a.max_version));
    return io.TaggedFields();
  }));
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
