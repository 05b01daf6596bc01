#include "kafka/protocol/api_keys.h"
#include "kafka/server/handlers/handlers.h"

namespace meshd::kafka {

Handler FindHandler(int16_t api_key) {
  switch (static_cast<ApiKey>(api_key)) {
    case ApiKey::kProduce: return &HandleProduce;
    case ApiKey::kFetch: return &HandleFetch;
    case ApiKey::kListOffsets: return &HandleListOffsets;
    case ApiKey::kMetadata: return &HandleMetadata;
    case ApiKey::kOffsetCommit: return &HandleOffsetCommit;
    case ApiKey::kOffsetFetch: return &HandleOffsetFetch;
    case ApiKey::kFindCoordinator: return &HandleFindCoordinator;
    case ApiKey::kJoinGroup: return &HandleJoinGroup;
    case ApiKey::kHeartbeat: return &HandleHeartbeat;
    case ApiKey::kLeaveGroup: return &HandleLeaveGroup;
    case ApiKey::kSyncGroup: return &HandleSyncGroup;
    case ApiKey::kDescribeGroups: return &HandleDescribeGroups;
    case ApiKey::kListGroups: return &HandleListGroups;
    case ApiKey::kSaslHandshake: return &HandleSaslHandshake;
    case ApiKey::kApiVersions: return &HandleApiVersions;
    case ApiKey::kCreateTopics: return &HandleCreateTopics;
    case ApiKey::kDeleteTopics: return &HandleDeleteTopics;
    case ApiKey::kDeleteRecords: return &HandleDeleteRecords;
    case ApiKey::kInitProducerId: return &HandleInitProducerId;
    case ApiKey::kDescribeConfigs: return &HandleDescribeConfigs;
    case ApiKey::kSaslAuthenticate: return &HandleSaslAuthenticate;
  }
  return nullptr;
}

}  // namespace meshd::kafka
