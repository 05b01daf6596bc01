// JoinGroup: parks in the group coordinator until the join barrier
// completes; v4+ first joins get MEMBER_ID_REQUIRED.
#include "kafka/protocol/group_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(JoinGroup) {
  KAFKA_DECODE_OR_FAIL(JoinGroupRequest, req);
  JoinGroupInput in;
  in.group_id = req.group_id;
  in.member_id = req.member_id;
  in.group_instance_id = req.group_instance_id;
  in.client_id = ctx->header.client_id.value_or("");
  in.client_host = ctx->client_host;
  in.session_timeout_ms = req.session_timeout_ms;
  in.rebalance_timeout_ms = ctx->version() >= 1 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  in.protocol_type = req.protocol_type;
  for (auto& p : req.protocols) in.protocols.emplace_back(p.name, p.metadata);
  in.require_known_member_id = ctx->version() >= 4;
  ctx->broker.groups->Join(std::move(in), [ctx, done](JoinGroupOutput out) {
    JoinGroupResponse resp;
    resp.error_code = Wire(out.error);
    resp.generation_id = out.generation_id;
    resp.protocol_name = out.protocol_name;
    resp.leader = out.leader;
    resp.member_id = out.member_id;
    for (auto& m : out.members) {
      resp.members.push_back({m.member_id, m.group_instance_id, m.metadata});
    }
    Reply(*ctx, done, resp);
  });
}

}  // namespace meshd::kafka
