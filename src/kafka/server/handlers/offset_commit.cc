// OffsetCommit: the group coordinator checks membership and generation
// (simple commits with generation -1 are allowed for groups without
// members); offsets are stored through EventLog::CommitOffsets, the one
// namespace shared with HTTP consumer groups.
#include "kafka/protocol/group_messages.h"

#include <set>

#include "base/clock.h"
#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(OffsetCommit) {
  KAFKA_DECODE_OR_FAIL(OffsetCommitRequest, req);
  ErrorCode err = ctx->broker.groups->ValidateOffsetCommit(req.group_id, req.generation_id,
                                                           req.member_id, req.group_instance_id);
  std::vector<storage::CommittedOffset> offsets;
  // Topics the principal may not read: their offsets are refused, the rest
  // of the request proceeds (as Kafka's per-topic ACL check does).
  std::set<std::string> denied;
  if (AccessHook* access = ctx->broker.options.access.get()) {
    for (const auto& t : req.topics) {
      if (!access->Authorize(ctx->auth.principal, AccessHook::Operation::kRead, t.name))
        denied.insert(t.name);
    }
  }
  if (err == ErrorCode::kNone) {
    int64_t now = WallMillis();
    for (const auto& t : req.topics) {
      if (denied.count(t.name) != 0) continue;
      for (const auto& p : t.partitions) {
        storage::CommittedOffset c;
        c.topic = t.name;
        c.partition = p.partition_index;
        c.offset = p.committed_offset;
        c.metadata = p.committed_metadata.value_or("");
        c.commit_time_ms = p.commit_timestamp > 0 ? p.commit_timestamp : now;
        offsets.push_back(std::move(c));
      }
    }
    Status s = ctx->broker.log.CommitOffsets(req.group_id, offsets);
    if (!s.ok()) err = ErrorFromStatus(s);
  }
  OffsetCommitResponse resp;
  for (const auto& t : req.topics) {
    PartitionErrors::Topic rt;
    rt.name = t.name;
    const ErrorCode topic_err =
        denied.count(t.name) != 0 ? ErrorCode::kTopicAuthorizationFailed : err;
    for (const auto& p : t.partitions) rt.partitions.push_back({p.partition_index, Wire(topic_err)});
    resp.topics.push_back(std::move(rt));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
