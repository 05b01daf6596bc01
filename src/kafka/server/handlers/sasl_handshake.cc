// SaslHandshake: picks the mechanism. v1: SaslAuthenticate requests follow.
// v0 (kafka-python 2.0.2): raw SASL tokens follow as bare int32-length
// frames; the connection switches to that mode after this response.
#include "kafka/protocol/sasl_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(SaslHandshake) {
  KAFKA_DECODE_OR_FAIL(SaslHandshakeRequest, req);
  SaslHandshakeResponse resp;
  const SaslCredentials* creds = ctx->broker.sasl.get();
  if (creds) resp.mechanisms = creds->options().mechanisms;
  if (!creds || !creds->MechanismEnabled(req.mechanism)) {
    resp.error_code = Wire(ErrorCode::kUnsupportedSaslMechanism);
  } else if (ctx->auth.authenticated) {
    resp.error_code = Wire(ErrorCode::kIllegalSaslState);
  } else {
    ctx->auth.mechanism = req.mechanism;
    ctx->auth.raw_tokens = ctx->version() == 0;
    ctx->auth.session = std::make_unique<SaslSession>(*creds, req.mechanism);
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
