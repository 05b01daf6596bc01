#pragma once
// One handler per API key (one .cc file each, named after the API).

#include "kafka/server/request_context.h"

namespace meshd::kafka {

#define MESHD_KAFKA_HANDLER(Name) \
  void Handle##Name(std::shared_ptr<RequestContext> ctx, std::string_view body, HandlerDone done)

MESHD_KAFKA_HANDLER(Produce);
MESHD_KAFKA_HANDLER(Fetch);
MESHD_KAFKA_HANDLER(ListOffsets);
MESHD_KAFKA_HANDLER(Metadata);
MESHD_KAFKA_HANDLER(OffsetCommit);
MESHD_KAFKA_HANDLER(OffsetFetch);
MESHD_KAFKA_HANDLER(FindCoordinator);
MESHD_KAFKA_HANDLER(JoinGroup);
MESHD_KAFKA_HANDLER(Heartbeat);
MESHD_KAFKA_HANDLER(LeaveGroup);
MESHD_KAFKA_HANDLER(SyncGroup);
MESHD_KAFKA_HANDLER(DescribeGroups);
MESHD_KAFKA_HANDLER(ListGroups);
MESHD_KAFKA_HANDLER(SaslHandshake);
MESHD_KAFKA_HANDLER(ApiVersions);
MESHD_KAFKA_HANDLER(CreateTopics);
MESHD_KAFKA_HANDLER(DeleteTopics);
MESHD_KAFKA_HANDLER(DeleteRecords);
MESHD_KAFKA_HANDLER(InitProducerId);
MESHD_KAFKA_HANDLER(DescribeConfigs);
MESHD_KAFKA_HANDLER(SaslAuthenticate);

}  // namespace meshd::kafka
