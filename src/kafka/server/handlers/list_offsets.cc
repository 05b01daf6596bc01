// ListOffsets: -1 = latest (the high watermark, which is also the last
// stable offset: no transactions), -2 = earliest (log start), otherwise the
// first offset with timestamp >= the given one. v0 answers OldStyleOffsets.
#include "kafka/protocol/list_offsets.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(ListOffsets) {
  KAFKA_DECODE_OR_FAIL(ListOffsetsRequest, req);
  auto& log = ctx->broker.log;
  ListOffsetsResponse resp;
  for (const auto& t : req.topics) {
    ListOffsetsResponse::Topic rt;
    rt.name = t.name;
    const bool denied =
        ctx->broker.options.access &&
        !ctx->broker.options.access->Authorize(ctx->auth.principal, AccessHook::Operation::kRead,
                                               t.name);
    for (const auto& p : t.partitions) {
      ListOffsetsResponse::Partition rp;
      rp.partition_index = p.partition_index;
      if (denied) {
        rp.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
        rt.partitions.push_back(std::move(rp));
        continue;
      }
      Result<int64_t> offset = Status::Internal("unset");
      if (p.timestamp == -1 || p.timestamp == -2) {
        auto o = log.GetOffsets(t.name, p.partition_index);
        if (o.ok()) {
          offset = p.timestamp == -1 ? o->end_offset : o->start_offset;
        } else {
          offset = o.error();
        }
      } else {
        offset = log.OffsetForTimestamp(t.name, p.partition_index, p.timestamp);
        if (offset.ok()) rp.timestamp = p.timestamp;
      }
      if (offset.ok()) {
        rp.offset = *offset;
        rp.old_style_offsets = {*offset};
      } else {
        rp.error_code = Wire(offset.error().IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                                         : ErrorFromStatus(offset.error()));
      }
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
