#pragma once
// Metadata (key 3), v0-6. Topics: in v0 an EMPTY array means all topics; from
// v1 the array is nullable and NULL means all while empty means none.
// v4 adds AllowAutoTopicCreation; responses add Rack/ControllerId/IsInternal
// (v1), ClusterId (v2), ThrottleTimeMs (v3), OfflineReplicas (v5).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct MetadataRequest {
  static constexpr ApiKey kApiKey = ApiKey::kMetadata;
  // nullopt = all topics (v1+). Normalised by the codec: a v0 empty array
  // decodes as nullopt, so handlers see one convention.
  std::optional<std::vector<std::string>> topics;
  bool allow_auto_topic_creation = true;  // v4+
};

template <class Io>
Status Serialize(Io& io, MetadataRequest& m, int16_t v) {
  auto name = [](Io& io, std::string& s) -> Status {
    MESHD_TRY(io.String(s));
    return io.TaggedFields();
  };
  if (v == 0) {
    if constexpr (Io::kReading) {
      std::vector<std::string> t;
      MESHD_TRY(io.Array(t, name));
      if (t.empty()) {
        m.topics.reset();
      } else {
        m.topics = std::move(t);
      }
    } else {
      static const std::vector<std::string> kEmpty;
      MESHD_TRY(io.Array(m.topics ? *m.topics : kEmpty, name));
    }
  } else {
    MESHD_TRY(io.NullableArray(m.topics, name));
  }
  if (v >= 4) MESHD_TRY(io.Bool(m.allow_auto_topic_creation));
  return io.TaggedFields();
}

struct MetadataResponse {
  static constexpr ApiKey kApiKey = ApiKey::kMetadata;
  struct Broker {
    int32_t node_id = 0;
    std::string host;
    int32_t port = 0;
    std::optional<std::string> rack;  // v1+
  };
  struct Partition {
    int16_t error_code = 0;
    int32_t partition_index = 0;
    int32_t leader_id = 0;
    std::vector<int32_t> replica_nodes;
    std::vector<int32_t> isr_nodes;
    std::vector<int32_t> offline_replicas;  // v5+
  };
  struct Topic {
    int16_t error_code = 0;
    std::string name;
    bool is_internal = false;  // v1+
    std::vector<Partition> partitions;
  };
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<Broker> brokers;
  std::optional<std::string> cluster_id;  // v2+
  int32_t controller_id = -1;             // v1+
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, MetadataResponse& m, int16_t v) {
  if (v >= 3) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.brokers, [v](Io& io, MetadataResponse::Broker& b) -> Status {
    MESHD_TRY(io.Int32(b.node_id));
    MESHD_TRY(io.String(b.host));
    MESHD_TRY(io.Int32(b.port));
    if (v >= 1) MESHD_TRY(io.NullableString(b.rack));
    return io.TaggedFields();
  }));
  if (v >= 2) MESHD_TRY(io.NullableString(m.cluster_id));
  if (v >= 1) MESHD_TRY(io.Int32(m.controller_id));
  MESHD_TRY(io.Array(m.topics, [v](Io& io, MetadataResponse::Topic& t) -> Status {
    MESHD_TRY(io.Int16(t.error_code));
    MESHD_TRY(io.String(t.name));
    if (v >= 1) MESHD_TRY(io.Bool(t.is_internal));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, MetadataResponse::Partition& p) -> Status {
      MESHD_TRY(io.Int16(p.error_code));
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int32(p.leader_id));
      MESHD_TRY(io.Int32Array(p.replica_nodes));
      MESHD_TRY(io.Int32Array(p.isr_nodes));
      if (v >= 5) MESHD_TRY(io.Int32Array(p.offline_replicas));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
