#pragma once
// Fetch (key 1), v4-11 (none flexible). v5 adds LogStartOffset, v7 sessions
// (meshd always answers SessionId 0: no incremental fetch sessions), v9
// CurrentLeaderEpoch, v11 RackId / PreferredReadReplica.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct FetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::kFetch;
  struct Partition {
    int32_t partition = 0;
    int32_t current_leader_epoch = -1;  // v9+
    int64_t fetch_offset = 0;
    int64_t log_start_offset = -1;  // v5+
    int32_t partition_max_bytes = 0;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
  };
  struct Forgotten {
    std::string topic;
    std::vector<int32_t> partitions;
  };
  int32_t replica_id = -1;
  int32_t max_wait_ms = 0;
  int32_t min_bytes = 0;
  int32_t max_bytes = 0x7fffffff;  // v3+
  int8_t isolation_level = 0;      // v4+
  int32_t session_id = 0;          // v7+
  int32_t session_epoch = -1;      // v7+
  std::vector<Topic> topics;
  std::vector<Forgotten> forgotten_topics;  // v7+
  std::string rack_id;                      // v11+
};

template <class Io>
Status Serialize(Io& io, FetchRequest& m, int16_t v) {
  MESHD_TRY(io.Int32(m.replica_id));
  MESHD_TRY(io.Int32(m.max_wait_ms));
  MESHD_TRY(io.Int32(m.min_bytes));
  if (v >= 3) MESHD_TRY(io.Int32(m.max_bytes));
  if (v >= 4) MESHD_TRY(io.Int8(m.isolation_level));
  if (v >= 7) {
    MESHD_TRY(io.Int32(m.session_id));
    MESHD_TRY(io.Int32(m.session_epoch));
  }
  MESHD_TRY(io.Array(m.topics, [v](Io& io, FetchRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.topic));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, FetchRequest::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition));
      if (v >= 9) MESHD_TRY(io.Int32(p.current_leader_epoch));
      MESHD_TRY(io.Int64(p.fetch_offset));
      if (v >= 5) MESHD_TRY(io.Int64(p.log_start_offset));
      MESHD_TRY(io.Int32(p.partition_max_bytes));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  if (v >= 7) {
    MESHD_TRY(io.Array(m.forgotten_topics, [](Io& io, FetchRequest::Forgotten& f) -> Status {
      MESHD_TRY(io.String(f.topic));
      MESHD_TRY(io.Int32Array(f.partitions));
      return io.TaggedFields();
    }));
  }
  if (v >= 11) MESHD_TRY(io.String(m.rack_id));
  return io.TaggedFields();
}

struct FetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::kFetch;
  struct Aborted {
    int64_t producer_id = 0;
    int64_t first_offset = 0;
  };
  struct Partition {
    int32_t partition = 0;
    int16_t error_code = 0;
    int64_t high_watermark = -1;
    int64_t last_stable_offset = -1;  // v4+
    int64_t log_start_offset = -1;    // v5+
    std::optional<std::vector<Aborted>> aborted_transactions;  // v4+
    int32_t preferred_read_replica = -1;                       // v11+
    std::optional<std::string> records;
  };
  struct Topic {
    std::string topic;
    std::vector<Partition> partitions;
  };
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;        // v7+
  int32_t session_id = 0;        // v7+
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, FetchResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  if (v >= 7) {
    MESHD_TRY(io.Int16(m.error_code));
    MESHD_TRY(io.Int32(m.session_id));
  }
  MESHD_TRY(io.Array(m.topics, [v](Io& io, FetchResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.topic));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, FetchResponse::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition));
      MESHD_TRY(io.Int16(p.error_code));
      MESHD_TRY(io.Int64(p.high_watermark));
      if (v >= 4) MESHD_TRY(io.Int64(p.last_stable_offset));
      if (v >= 5) MESHD_TRY(io.Int64(p.log_start_offset));
      if (v >= 4) {
        MESHD_TRY(io.NullableArray(p.aborted_transactions,
                                   [](Io& io, FetchResponse::Aborted& a) -> Status {
                                     MESHD_TRY(io.Int64(a.producer_id));
                                     MESHD_TRY(io.Int64(a.first_offset));
                                     return io.TaggedFields();
                                   }));
      }
      if (v >= 11) MESHD_TRY(io.Int32(p.preferred_read_replica));
      MESHD_TRY(io.NullableBytes(p.records));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
