// Metadata: one broker (this node), leader of every partition. A null topic
// list (or an empty one in v0) means all topics. Named topics that do not
// exist are auto-created when the server allows it and the client does
// (AllowAutoTopicCreation, v4+; implied before v4).
#include "kafka/protocol/metadata.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/topic_helpers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(Metadata) {
  KAFKA_DECODE_OR_FAIL(MetadataRequest, req);
  auto& broker = ctx->broker;
  const auto& opt = broker.options;
  MetadataResponse resp;
  resp.brokers.push_back({opt.node_id, opt.advertised_host, opt.advertised_port, std::nullopt});
  resp.cluster_id = opt.cluster_id;
  resp.controller_id = opt.node_id;
  const bool all = !req.topics.has_value();
  std::vector<std::string> names = all ? broker.log.ListTopics() : *req.topics;
  const bool may_create = !all && (ctx->version() < 4 || req.allow_auto_topic_creation);
  for (const auto& name : names) {
    MetadataResponse::Topic rt;
    rt.name = name;
    if (opt.access &&
        !opt.access->Authorize(ctx->auth.principal, AccessHook::Operation::kDescribe, name)) {
      if (all) continue;  // listing: topics the principal may not use are hidden
      rt.error_code = Wire(ErrorCode::kTopicAuthorizationFailed);
      resp.topics.push_back(std::move(rt));
      continue;
    }
    auto d = DescribeOrCreate(broker, name, may_create);
    if (!d.ok()) {
      rt.error_code = Wire(!ValidTopicName(name)      ? ErrorCode::kInvalidTopicException
                           : d.error().IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                                    : ErrorFromStatus(d.error()));
      resp.topics.push_back(std::move(rt));
      continue;
    }
    rt.is_internal = d->internal;
    for (const auto& p : d->partitions) {
      MetadataResponse::Partition rp;
      rp.partition_index = p.partition;
      rp.leader_id = opt.node_id;
      rp.replica_nodes = {opt.node_id};
      rp.isr_nodes = {opt.node_id};
      rt.partitions.push_back(std::move(rp));
    }
    resp.topics.push_back(std::move(rt));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
