// LeaveGroup: v0-2 name one member (top-level error); v3 a batch of members
// by member id or group instance id (per-member errors).
#include "kafka/protocol/group_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(LeaveGroup) {
  KAFKA_DECODE_OR_FAIL(LeaveGroupRequest, req);
  std::vector<std::pair<std::string, std::optional<std::string>>> members;
  for (const auto& m : req.members) members.emplace_back(m.member_id, m.group_instance_id);
  auto errors = ctx->broker.groups->Leave(req.group_id, members);
  LeaveGroupResponse resp;
  if (ctx->version() <= 2) {
    resp.error_code = Wire(errors.empty() ? ErrorCode::kUnknownMemberId : errors[0]);
  } else {
    for (size_t i = 0; i < req.members.size(); ++i) {
      resp.members.push_back(
          {req.members[i].member_id, req.members[i].group_instance_id, Wire(errors[i])});
    }
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
