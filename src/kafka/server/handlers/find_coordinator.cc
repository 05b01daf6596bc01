// FindCoordinator: this node coordinates every group (and would coordinate
// every transactional id).
#include "kafka/protocol/group_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(FindCoordinator) {
  KAFKA_DECODE_OR_FAIL(FindCoordinatorRequest, req);
  const auto& opt = ctx->broker.options;
  FindCoordinatorResponse resp;
  if (req.key_type != 0 && req.key_type != 1) {
    resp.error_code = Wire(ErrorCode::kInvalidRequest);
    resp.error_message = "unknown key type";
    resp.node_id = -1;
  } else {
    resp.node_id = opt.node_id;
    resp.host = opt.advertised_host;
    resp.port = opt.advertised_port;
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
