// SaslAuthenticate: one step of the SASL exchange chosen by SaslHandshake
// v1 (PLAIN: one step; SCRAM: two). A failure is answered with
// SASL_AUTHENTICATION_FAILED and the connection is then closed.
#include "kafka/protocol/sasl_messages.h"

#include "base/logging.h"
#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(SaslAuthenticate) {
  KAFKA_DECODE_OR_FAIL(SaslAuthenticateRequest, req);
  SaslAuthenticateResponse resp;
  auto& auth = ctx->auth;
  if (!auth.session || auth.raw_tokens || auth.authenticated) {
    resp.error_code = Wire(ErrorCode::kIllegalSaslState);
    resp.error_message = "SaslAuthenticate without a v1 SaslHandshake";
    auth.failed = true;
  } else {
    auto step = auth.session->Step(req.auth_bytes);
    if (!step.ok()) {
      logging::Get("kafka")->warn("sasl authentication failed client={} host={} reason={}",
                                  ctx->header.client_id.value_or(""), ctx->client_host,
                                  step.error().message());
      resp.error_code = Wire(ErrorCode::kSaslAuthenticationFailed);
      resp.error_message = "Authentication failed: invalid credentials";
      auth.failed = true;
    } else {
      resp.auth_bytes = std::move(*step);
      if (auth.session->complete()) {
        auth.authenticated = true;
        auth.principal = auth.session->principal();
      }
    }
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
