#pragma once
// The Kafka APIs meshd serves and the version ranges it advertises. The table
// is brief section 3.1 verbatim: LOW minimums on purpose (librdkafka 2.0.2
// gates gzip/snappy/lz4 on Produce v0 and consumer groups on FindCoordinator
// v0; kafka-python hard-codes Metadata v0/v1). Do not "modernise" it.

#include <cstdint>
#include <optional>
#include <span>

namespace meshd::kafka {

enum class ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kDescribeGroups = 15,
  kListGroups = 16,
  kSaslHandshake = 17,
  kApiVersions = 18,
  kCreateTopics = 19,
  kDeleteTopics = 20,
  kDeleteRecords = 21,
  kInitProducerId = 22,
  kDescribeConfigs = 32,
  kSaslAuthenticate = 36,
};

struct ApiRange {
  ApiKey key;
  int16_t min_version;
  int16_t max_version;
  // First flexible (KIP-482) version of this API in Kafka's specs; versions
  // at or above it use compact encodings and tagged fields.
  int16_t first_flexible;
};

// Every API meshd answers, in key order (what ApiVersions advertises).
std::span<const ApiRange> SupportedApis();

// The range for `key`, or nullopt if meshd does not serve it.
std::optional<ApiRange> FindApi(int16_t key);

bool IsSupported(int16_t key, int16_t version);

// True if (key, version) uses the flexible encoding. For keys meshd does not
// know this is false (such requests are rejected before the body is read).
bool IsFlexible(int16_t key, int16_t version);

// Request header v2 (with tagged fields) for flexible requests, else v1.
inline int RequestHeaderVersion(int16_t key, int16_t version) {
  return IsFlexible(key, version) ? 2 : 1;
}
// Response header v1 for flexible responses, except ApiVersions which always
// uses v0 (KIP-511: the client cannot know yet what the broker supports).
inline int ResponseHeaderVersion(int16_t key, int16_t version) {
  if (key == static_cast<int16_t>(ApiKey::kApiVersions)) return 0;
  return IsFlexible(key, version) ? 1 : 0;
}

const char* ApiName(int16_t key);

}  // namespace meshd::kafka
