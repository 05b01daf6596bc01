// OffsetFetch: committed offsets from EventLog (shared with HTTP groups).
// Unknown partitions answer offset -1 with no error, as Kafka does. A null
// topic list (v2+) returns every committed partition of the group.
#include "kafka/protocol/group_messages.h"

#include <map>

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(OffsetFetch) {
  KAFKA_DECODE_OR_FAIL(OffsetFetchRequest, req);
  auto& log = ctx->broker.log;
  OffsetFetchResponse resp;
  if (!req.topics) {
    std::map<std::string, OffsetFetchResponse::Topic> by_topic;
    for (const auto& c : log.ListCommitted(req.group_id)) {
      auto& rt = by_topic[c.topic];
      rt.name = c.topic;
      rt.partitions.push_back({c.partition, c.offset, -1, c.metadata, 0});
    }
    for (auto& [name, rt] : by_topic) resp.topics.push_back(std::move(rt));
  } else {
    for (const auto& t : *req.topics) {
      OffsetFetchResponse::Topic rt;
      rt.name = t.name;
      for (int32_t p : t.partition_indexes) {
        auto c = log.FetchCommitted(req.group_id, t.name, p);
        if (c) {
          rt.partitions.push_back({p, c->offset, -1, c->metadata, 0});
        } else {
          rt.partitions.push_back({p, -1, -1, std::string(), 0});
        }
      }
      resp.topics.push_back(std::move(rt));
    }
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
