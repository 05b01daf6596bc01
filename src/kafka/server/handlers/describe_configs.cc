// DescribeConfigs: topic configs from storage::TopicConfig (explicitly set
// keys report source DYNAMIC_TOPIC_CONFIG, the rest DEFAULT_CONFIG) and a
// few broker-level values admin tools look at.
#include "kafka/protocol/admin_messages.h"

#include <algorithm>

#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {
namespace {
constexpr int8_t kTopicResource = 2;
constexpr int8_t kBrokerResource = 4;
constexpr int8_t kSourceDynamicTopic = 1;
constexpr int8_t kSourceStaticBroker = 4;
constexpr int8_t kSourceDefault = 5;
}  // namespace

MESHD_KAFKA_HANDLER(DescribeConfigs) {
  KAFKA_DECODE_OR_FAIL(DescribeConfigsRequest, req);
  const auto& opt = ctx->broker.options;
  DescribeConfigsResponse resp;
  for (const auto& r : req.resources) {
    DescribeConfigsResponse::Result out;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    auto wanted = [&](const std::string& key) {
      return !r.configuration_keys ||
             std::find(r.configuration_keys->begin(), r.configuration_keys->end(), key) !=
                 r.configuration_keys->end();
    };
    if (r.resource_type == kTopicResource) {
      auto d = ctx->broker.log.DescribeTopic(r.resource_name);
      if (!d.ok()) {
        out.error_code = Wire(d.error().IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                                     : ErrorFromStatus(d.error()));
        out.error_message = d.error().message();
      } else {
        for (const auto& [k, v] : d->config.ToMap()) {
          if (!wanted(k)) continue;
          DescribeConfigsResponse::Config c;
          c.name = k;
          c.value = v;
          bool set = d->config.raw.count(k) > 0;
          c.is_default = !set;
          c.config_source = set ? kSourceDynamicTopic : kSourceDefault;
          out.configs.push_back(std::move(c));
        }
      }
    } else if (r.resource_type == kBrokerResource) {
      std::vector<std::pair<std::string, std::string>> kv = {
          {"auto.create.topics.enable", opt.auto_create_topics ? "true" : "false"},
          {"num.partitions", std::to_string(opt.default_partitions)},
          {"default.replication.factor", "1"},
          {"offsets.topic.replication.factor", "1"},
          {"broker.id", std::to_string(opt.node_id)},
      };
      for (auto& [k, v] : kv) {
        if (!wanted(k)) continue;
        DescribeConfigsResponse::Config c;
        c.name = k;
        c.value = v;
        c.read_only = true;
        c.config_source = kSourceStaticBroker;
        out.configs.push_back(std::move(c));
      }
    } else {
      out.error_code = Wire(ErrorCode::kInvalidRequest);
      out.error_message = "unsupported resource type " + std::to_string(r.resource_type);
    }
    resp.results.push_back(std::move(out));
  }
  Reply(*ctx, done, resp);
}

}  // namespace meshd::kafka
