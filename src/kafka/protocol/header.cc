#include "kafka/protocol/header.h"

namespace meshd::kafka {

Result<ParsedRequest> ParseRequest(std::string_view frame) {
  ParsedRequest p;
  Reader r(frame, false);
  MESHD_TRY(r.Int16(p.header.api_key));
  MESHD_TRY(r.Int16(p.header.api_version));
  MESHD_TRY(r.Int32(p.header.correlation_id));
  MESHD_TRY(r.NullableString(p.header.client_id));
  if (RequestHeaderVersion(p.header.api_key, p.header.api_version) >= 2) {
    r.set_flexible(true);
    Status tags = r.TaggedFields();
    // An ApiVersions request from a newer client is answered (with a v0
    // UNSUPPORTED_VERSION body) whatever its header looks like.
    const bool future_api_versions =
        p.header.api_key == static_cast<int16_t>(ApiKey::kApiVersions) &&
        !IsSupported(p.header.api_key, p.header.api_version);
    if (!tags.ok() && !future_api_versions) return tags;
  }
  p.body = r.rest();
  return p;
}

void EncodeRequestHeader(const RequestHeader& h, std::string* out) {
  Writer w(out, false);
  w.Int16(h.api_key).IgnoreError();
  w.Int16(h.api_version).IgnoreError();
  w.Int32(h.correlation_id).IgnoreError();
  w.NullableString(h.client_id).IgnoreError();
  if (RequestHeaderVersion(h.api_key, h.api_version) >= 2) out->push_back(0);
}

void EncodeResponseHeader(int16_t api_key, int16_t api_version, int32_t correlation_id,
                          std::string* out) {
  Writer w(out, false);
  w.Int32(correlation_id).IgnoreError();
  if (ResponseHeaderVersion(api_key, api_version) >= 1) out->push_back(0);
}

}  // namespace meshd::kafka
