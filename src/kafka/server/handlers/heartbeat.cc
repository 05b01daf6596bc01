// Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells
// it to rejoin.
#include "kafka/protocol/group_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(Heartbeat) {
  KAFKA_DECODE_OR_FAIL(HeartbeatRequest, req);
  HeartbeatResponse resp;
  resp.error_code = Wire(ctx->broker.groups->Heartbeat(req.group_id, req.generation_id,
                                                       req.member_id, req.group_instance_id));
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
