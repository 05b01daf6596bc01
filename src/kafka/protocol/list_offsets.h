#pragma once
// ListOffsets (key 2), v0-3. Timestamp -1 = latest, -2 = earliest. v0 answers
// with OldStyleOffsets[] (MaxNumOffsets in the request); v1+ with one
// (Timestamp, Offset); v2 adds IsolationLevel and ThrottleTimeMs.

#include <cstdint>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct ListOffsetsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kListOffsets;
  struct Partition {
    int32_t partition_index = 0;
    int64_t timestamp = -1;
    int32_t max_num_offsets = 1;  // v0 only
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int32_t replica_id = -1;
  int8_t isolation_level = 0;  // v2+
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, ListOffsetsRequest& m, int16_t v) {
  MESHD_TRY(io.Int32(m.replica_id));
  if (v >= 2) MESHD_TRY(io.Int8(m.isolation_level));
  MESHD_TRY(io.Array(m.topics, [v](Io& io, ListOffsetsRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, ListOffsetsRequest::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int64(p.timestamp));
      if (v == 0) MESHD_TRY(io.Int32(p.max_num_offsets));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

struct ListOffsetsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kListOffsets;
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
    std::vector<int64_t> old_style_offsets;  // v0 only
    int64_t timestamp = -1;                  // v1+
    int64_t offset = -1;                     // v1+
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int32_t throttle_time_ms = 0;  // v2+
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, ListOffsetsResponse& m, int16_t v) {
  if (v >= 2) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.topics, [v](Io& io, ListOffsetsResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, ListOffsetsResponse::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int16(p.error_code));
      if (v == 0) {
        MESHD_TRY(io.Int64Array(p.old_style_offsets));
      } else {
        MESHD_TRY(io.Int64(p.timestamp));
        MESHD_TRY(io.Int64(p.offset));
      }
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
