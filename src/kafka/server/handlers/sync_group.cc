// SyncGroup: the leader's assignment is distributed to every member; others
// wait for it in the coordinator.
#include "kafka/protocol/group_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(SyncGroup) {
  KAFKA_DECODE_OR_FAIL(SyncGroupRequest, req);
  std::map<std::string, std::string> assignments;
  for (auto& a : req.assignments) assignments[a.member_id] = std::move(a.assignment);
  ctx->broker.groups->Sync(req.group_id, req.generation_id, req.member_id, req.group_instance_id,
                           std::move(assignments), [ctx, done](SyncGroupOutput out) {
                             SyncGroupResponse resp;
                             resp.error_code = Wire(out.error);
                             resp.assignment = std::move(out.assignment);
                             Reply(*ctx, done, resp);
                           });
}

}  // namespace meshd::kafka
