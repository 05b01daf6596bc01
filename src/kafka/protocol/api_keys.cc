#include "kafka/protocol/api_keys.h"

#include <array>

namespace meshd::kafka {
namespace {

constexpr int16_t kNever = 0x7fff;

constexpr std::array<ApiRange, 21> kApis = {{
    {ApiKey::kProduce, 0, 7, 9},
    {ApiKey::kFetch, 4, 11, 12},
    {ApiKey::kListOffsets, 0, 3, 6},
    {ApiKey::kMetadata, 0, 6, 9},
    {ApiKey::kOffsetCommit, 0, 7, 8},
    {ApiKey::kOffsetFetch, 0, 5, 6},
    {ApiKey::kFindCoordinator, 0, 2, 3},
    {ApiKey::kJoinGroup, 0, 5, 6},
    {ApiKey::kHeartbeat, 0, 3, 4},
    {ApiKey::kLeaveGroup, 0, 3, 4},
    {ApiKey::kSyncGroup, 0, 3, 4},
    {ApiKey::kDescribeGroups, 0, 4, 5},
    {ApiKey::kListGroups, 0, 2, 3},
    {ApiKey::kSaslHandshake, 0, 1, kNever},
    {ApiKey::kApiVersions, 0, 3, 3},
    {ApiKey::kCreateTopics, 0, 4, 5},
    {ApiKey::kDeleteTopics, 0, 3, 4},
    {ApiKey::kDeleteRecords, 0, 1, 2},
    {ApiKey::kInitProducerId, 0, 1, 2},
    {ApiKey::kDescribeConfigs, 0, 3, 4},
    {ApiKey::kSaslAuthenticate, 0, 1, 2},
}};

}  // namespace

std::span<const ApiRange> SupportedApis() { return kApis; }

std::optional<ApiRange> FindApi(int16_t key) {
  for (const auto& a : kApis) {
    if (static_cast<int16_t>(a.key) == key) return a;
  }
  return std::nullopt;
}

bool IsSupported(int16_t key, int16_t version) {
  auto api = FindApi(key);
  return api && version >= api->min_version && version <= api->max_version;
}

bool IsFlexible(int16_t key, int16_t version) {
  auto api = FindApi(key);
  return api && version >= api->first_flexible;
}

const char* ApiName(int16_t key) {
  switch (static_cast<ApiKey>(key)) {
    case ApiKey::kProduce: return "Produce";
    case ApiKey::kFetch: return "Fetch";
    case ApiKey::kListOffsets: return "ListOffsets";
    case ApiKey::kMetadata: return "Metadata";
    case ApiKey::kOffsetCommit: return "OffsetCommit";
    case ApiKey::kOffsetFetch: return "OffsetFetch";
    case ApiKey::kFindCoordinator: return "FindCoordinator";
    case ApiKey::kJoinGroup: return "JoinGroup";
    case ApiKey::kHeartbeat: return "Heartbeat";
    case ApiKey::kLeaveGroup: return "LeaveGroup";
    case ApiKey::kSyncGroup: return "SyncGroup";
    case ApiKey::kDescribeGroups: return "DescribeGroups";
    case ApiKey::kListGroups: return "ListGroups";
    case ApiKey::kSaslHandshake: return "SaslHandshake";
    case ApiKey::kApiVersions: return "ApiVersions";
    case ApiKey::kCreateTopics: return "CreateTopics";
    case ApiKey::kDeleteTopics: return "DeleteTopics";
    case ApiKey::kDeleteRecords: return "DeleteRecords";
    case ApiKey::kInitProducerId: return "InitProducerId";
    case ApiKey::kDescribeConfigs: return "DescribeConfigs";
    case ApiKey::kSaslAuthenticate: return "SaslAuthenticate";
  }
  return "Unknown";
}

}  // namespace meshd::kafka
