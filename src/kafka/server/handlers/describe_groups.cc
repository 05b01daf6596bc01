// DescribeGroups: live coordinator state; groups known only by committed
// offsets (e.g. HTTP consumer groups) are "Empty", unknown ones "Dead".
#include "kafka/protocol/group_messages.h"

#include <algorithm>

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(DescribeGroups) {
  KAFKA_DECODE_OR_FAIL(DescribeGroupsRequest, req);
  DescribeGroupsResponse resp;
  auto with_offsets = ctx->broker.log.ListGroupsWithOffsets();
  for (const auto& id : req.groups) {
    DescribeGroupsResponse::Group g;
    g.group_id = id;
    if (auto s = ctx->broker.groups->Describe(id)) {
      g.group_state = s->state;
      g.protocol_type = s->protocol_type;
      g.protocol_data = s->protocol_name;
      for (auto& m : s->members) {
        g.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host,
                             m.metadata, m.assignment});
      }
    } else if (std::find(with_offsets.begin(), with_offsets.end(), id) != with_offsets.end()) {
      g.group_state = "Empty";
    } else {
      g.group_state = "Dead";
    }
    resp.groups.push_back(std::move(g));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
