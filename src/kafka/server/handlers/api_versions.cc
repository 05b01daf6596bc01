// ApiVersions: advertises the table in api_keys.cc. An unsupported request
// version is answered with a v0 body carrying UNSUPPORTED_VERSION and the
// table, so the client retries with a version we speak (KIP-511 behaviour).
#include "kafka/protocol/api_versions.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {
namespace {

// KIP-511: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?
bool ValidClientSoftware(const std::string& s) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

}  // namespace

MESHD_KAFKA_HANDLER(ApiVersions) {
  ApiVersionsResponse resp;
  for (const auto& a : SupportedApis()) {
    resp.api_keys.push_back({static_cast<int16_t>(a.key), a.min_version, a.max_version});
  }
  if (!IsSupported(static_cast<int16_t>(ApiKey::kApiVersions), ctx->version())) {
    resp.error_code = Wire(ErrorCode::kUnsupportedVersion);
    done(std::optional<std::string>(EncodeBody(resp, 0)));
    return;
  }
  KAFKA_DECODE_OR_FAIL(ApiVersionsRequest, req);
  if (ctx->version() >= 3 && (!ValidClientSoftware(req.client_software_name) ||
                              !ValidClientSoftware(req.client_software_version))) {
    // Kafka answers INVALID_REQUEST with no API list; librdkafka then
    // retries with v0.
    resp.error_code = Wire(ErrorCode::kInvalidRequest);
    resp.api_keys.clear();
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
