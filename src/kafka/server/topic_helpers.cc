#include "kafka/server/topic_helpers.h"

#include "base/logging.h"

namespace meshd::kafka {

bool ValidTopicName(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<storage::TopicDescription> DescribeOrCreate(BrokerState& broker, const std::string& name,
                                                   bool may_create) {
  auto d = broker.log.DescribeTopic(name);
  if (d.ok() || !d.error().IsNotFound()) return d;
  if (!may_create || !broker.options.auto_create_topics || !ValidTopicName(name)) return d;
  auto created =
      broker.log.CreateTopic(name, broker.options.default_partitions, storage::TopicConfig());
  if (created.ok()) {
    logging::Get("kafka")->info("auto-created topic={} partitions={}", name,
                                broker.options.default_partitions);
    return created;
  }
  // A concurrent creator won the race: describe what it made.
  if (created.error().code() == StatusCode::kAlreadyExists) return broker.log.DescribeTopic(name);
  return created;
}

}  // namespace meshd::kafka
