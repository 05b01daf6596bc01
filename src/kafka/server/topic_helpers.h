#pragma once
// Topic lookups shared by handlers: Kafka's topic-name rules and the
// auto-create-on-first-use policy.

#include <string>

#include "base/result.h"
#include "kafka/server/request_context.h"
#include "storage/event_log.h"

namespace meshd::kafka {

// Kafka's rule: 1-249 chars of [a-zA-Z0-9._-], not "." or "..".
bool ValidTopicName(const std::string& name);

// Describes `name`, creating it with the default partition count when it
// does not exist and `may_create` and the server option allow it.
Result<storage::TopicDescription> DescribeOrCreate(BrokerState& broker, const std::string& name,
                                                   bool may_create);

}  // namespace meshd::kafka
