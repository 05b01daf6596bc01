// InitProducerId: a fresh producer id (epoch 0) for idempotent producers.
// Transactional ids are refused: meshd has no transactions yet.
#include "kafka/protocol/admin_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(InitProducerId) {
  KAFKA_DECODE_OR_FAIL(InitProducerIdRequest, req);
  InitProducerIdResponse resp;
  if (req.transactional_id && !req.transactional_id->empty()) {
    resp.error_code = Wire(ErrorCode::kTransactionalIdAuthorizationFailed);
  } else {
    auto id = ctx->broker.producer_ids->Next();
    if (id.ok()) {
      resp.producer_id = *id;
      resp.producer_epoch = 0;
    } else {
      resp.error_code = Wire(ErrorCode::kKafkaStorageError);
    }
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
