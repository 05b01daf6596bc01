// CreateTopics: NumPartitions / ReplicationFactor -1 mean the broker
// default (KIP-464; accepted in every version, kafkajs sends it with v3).
// meshd is one node, so a replication factor above 1 is refused. Configs are
// validated by storage::TopicConfig (unknown keys are INVALID_CONFIG).
#include "kafka/protocol/admin_messages.h"

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/topic_helpers.h"

namespace meshd::kafka {

MESHD_KAFKA_HANDLER(CreateTopics) {
  KAFKA_DECODE_OR_FAIL(CreateTopicsRequest, req);
  auto& broker = ctx->broker;
  CreateTopicsResponse resp;
  for (const auto& t : req.topics) {
    CreateTopicsResponse::Topic rt;
    rt.name = t.name;
    auto fail = [&](ErrorCode e, std::string msg) {
      rt.error_code = Wire(e);
      rt.error_message = std::move(msg);
    };
    int32_t partitions = t.num_partitions;
    if (!t.assignments.empty()) partitions = static_cast<int32_t>(t.assignments.size());
    if (partitions == -1) partitions = broker.options.default_partitions;
    std::map<std::string, std::string> configs;
    for (const auto& c : t.configs) {
      if (c.value) configs[c.name] = *c.value;
    }
    if (!ValidTopicName(t.name)) {
      fail(ErrorCode::kInvalidTopicException, "illegal topic name '" + t.name + "'");
    } else if (broker.options.access &&
               !broker.options.access->Authorize(ctx->auth.principal,
                                                 AccessHook::Operation::kManage, t.name)) {
      fail(ErrorCode::kTopicAuthorizationFailed,
           "principal '" + ctx->auth.principal + "' may not create topic '" + t.name + "'");
    } else if (partitions < 1) {
      fail(ErrorCode::kInvalidPartitions, "partition count must be >= 1");
    } else if (t.replication_factor != -1 && t.replication_factor != 1) {
      fail(ErrorCode::kInvalidReplicationFactor,
           "replication factor " + std::to_string(t.replication_factor) +
               " larger than the 1 available broker");
    } else {
      auto config = storage::TopicConfig::FromMap(configs);
      if (!config.ok()) {
        fail(ErrorCode::kInvalidConfig, config.error().message());
      } else if (req.validate_only) {
        if (broker.log.DescribeTopic(t.name).ok()) {
          fail(ErrorCode::kTopicAlreadyExists, "topic '" + t.name + "' already exists");
        }
      } else {
        auto created = broker.log.CreateTopic(t.name, partitions, *config);
        if (!created.ok()) {
          ErrorCode e = created.error().code() == StatusCode::kAlreadyExists
                            ? ErrorCode::kTopicAlreadyExists
                        : created.error().code() == StatusCode::kInvalidArgument
                            ? ErrorCode::kInvalidConfig
                            : ErrorFromStatus(created.error());
          fail(e, created.error().message());
        }
      }
    }
    resp.topics.push_back(std::move(rt));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
