#pragma once
// Produce (key 0), v0-7 (none flexible). v3+ adds TransactionalId; the
// response gains ThrottleTimeMs at v1, LogAppendTimeMs at v2, LogStartOffset
// at v5. `records` holds the RecordBatch v2 bytes as sent; it points into the
// decoded request (no copy of the ~1 MB batches), so it is valid only while
// that buffer is.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

struct ProduceRequest {
  static constexpr ApiKey kApiKey = ApiKey::kProduce;
  struct Partition {
    int32_t index = 0;
    std::optional<std::string_view> records;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::optional<std::string> transactional_id;  // v3+
  int16_t acks = -1;
  int32_t timeout_ms = 0;
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, ProduceRequest& m, int16_t v) {
  if (v >= 3) MESHD_TRY(io.NullableString(m.transactional_id));
  MESHD_TRY(io.Int16(m.acks));
  MESHD_TRY(io.Int32(m.timeout_ms));
  MESHD_TRY(io.Array(m.topics, [](Io& io, ProduceRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [](Io& io, ProduceRequest::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.index));
      MESHD_TRY(io.NullableBytes(p.records));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

struct ProduceResponse {
  static constexpr ApiKey kApiKey = ApiKey::kProduce;
  struct Partition {
    int32_t index = 0;
    int16_t error_code = 0;
    int64_t base_offset = -1;
    int64_t log_append_time_ms = -1;  // v2+
    int64_t log_start_offset = -1;    // v5+
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t throttle_time_ms = 0;  // v1+
};

template <class Io>
Status Serialize(Io& io, ProduceResponse& m, int16_t v) {
  MESHD_TRY(io.Array(m.topics, [v](Io& io, ProduceResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, ProduceResponse::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.index));
      MESHD_TRY(io.Int16(p.error_code));
      MESHD_TRY(io.Int64(p.base_offset));
      if (v >= 2) MESHD_TRY(io.Int64(p.log_append_time_ms));
      if (v >= 5) MESHD_TRY(io.Int64(p.log_start_offset));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
