// DeleteRecords: advances the log start offset (-1 = up to the high
// watermark) and reports the new low watermark.
#include "kafka/protocol/admin_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(DeleteRecords) {
  KAFKA_DECODE_OR_FAIL(DeleteRecordsRequest, req);
  auto& log = ctx->broker.log;
  DeleteRecordsResponse resp;
  for (const auto& t : req.topics) {
    DeleteRecordsResponse::Topic rt;
    rt.name = t.name;
    const bool denied =
        ctx->broker.options.access &&
        !ctx->broker.options.access->Authorize(ctx->auth.principal, AccessHook::Operation::kManage,
                                               t.name);
    for (const auto& p : t.partitions) {
      DeleteRecordsResponse::Partition rp;
      rp.partition_index = p.partition_index;
      if (denied) {
        rp.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
        rt.partitions.push_back(rp);
        continue;
      }
      Status s;
      int64_t target = p.offset;
      if (target == -1) {
        auto o = log.GetOffsets(t.name, p.partition_index);
        if (o.ok()) {
          target = o->end_offset;
        } else {
          s = o.error();
        }
      }
      if (s.ok()) s = log.DeleteRecordsBefore(t.name, p.partition_index, target);
      if (s.ok()) {
        auto o = log.GetOffsets(t.name, p.partition_index);
        if (o.ok()) rp.low_watermark = o->start_offset;
      } else {
        rp.error_code = Wire(s.IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                            : ErrorFromStatus(s));
      }
      rt.partitions.push_back(rp);
    }
    resp.topics.push_back(std::move(rt));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
