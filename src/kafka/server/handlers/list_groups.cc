// ListGroups: coordinator groups plus groups that only have committed
// offsets (HTTP consumer groups share the namespace).
#include "kafka/protocol/group_messages.h"

#include <set>

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(ListGroups) {
  KAFKA_DECODE_OR_FAIL(ListGroupsRequest, req);
  (void)req;
  ListGroupsResponse resp;
  std::set<std::string> seen;
  for (const auto& g : ctx->broker.groups->List()) {
    seen.insert(g.group_id);
    resp.groups.push_back({g.group_id, g.protocol_type});
  }
  for (const auto& id : ctx->broker.log.ListGroupsWithOffsets()) {
    if (seen.insert(id).second) resp.groups.push_back({id, "consumer"});
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
