// DeleteTopics: removes the topic and its data.
#include "kafka/protocol/admin_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(DeleteTopics) {
  KAFKA_DECODE_OR_FAIL(DeleteTopicsRequest, req);
  DeleteTopicsResponse resp;
  for (const auto& name : req.topic_names) {
    if (ctx->broker.options.access &&
        !ctx->broker.options.access->Authorize(ctx->auth.principal, AccessHook::Operation::kManage,
                                               name)) {
      resp.responses.push_back({name, Wire(ErrorCode::kTopicAuthorizationFailed)});
      continue;
    }
    Status s = ctx->broker.log.DeleteTopic(name);
    ErrorCode e = s.ok()            ? ErrorCode::kNone
                  : s.IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                   : ErrorFromStatus(s);
    resp.responses.push_back({name, Wire(e)});
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
