#pragma once
// Admin APIs: CreateTopics 0-4, DeleteTopics 0-3, DeleteRecords 0-1,
// InitProducerId 0-1, DescribeConfigs 0-3 (all non-flexible).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

// --------------------------------------------------------------- CreateTopics
struct CreateTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kCreateTopics;
  struct Assignment {
    int32_t partition_index = 0;
    std::vector<int32_t> broker_ids;
  };
  struct Config {
    std::string name;
    std::optional<std::string> value;
  };
  struct Topic {
    std::string name;
    int32_t num_partitions = -1;       // -1 = broker default (v4+)
    int16_t replication_factor = -1;   // -1 = broker default (v4+)
    std::vector<Assignment> assignments;
    std::vector<Config> configs;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
  bool validate_only = false;  // v1+
};

template <class Io>
Status Serialize(Io& io, CreateTopicsRequest& m, int16_t v) {
  MESHD_TRY(io.Array(m.topics, [](Io& io, CreateTopicsRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Int32(t.num_partitions));
    MESHD_TRY(io.Int16(t.replication_factor));
    MESHD_TRY(io.Array(t.assignments, [](Io& io, CreateTopicsRequest::Assignment& a) -> Status {
      MESHD_TRY(io.Int32(a.partition_index));
      MESHD_TRY(io.Int32Array(a.broker_ids));
      return io.TaggedFields();
    }));
    MESHD_TRY(io.Array(t.configs, [](Io& io, CreateTopicsRequest::Config& c) -> Status {
      MESHD_TRY(io.String(c.name));
      MESHD_TRY(io.NullableString(c.value));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  MESHD_TRY(io.Int32(m.timeout_ms));
  if (v >= 1) MESHD_TRY(io.Bool(m.validate_only));
  return io.TaggedFields();
}

struct CreateTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kCreateTopics;
  struct Topic {
    std::string name;
    int16_t error_code = 0;
    std::optional<std::string> error_message;  // v1+
  };
  int32_t throttle_time_ms = 0;  // v2+
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, CreateTopicsResponse& m, int16_t v) {
  if (v >= 2) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.topics, [v](Io& io, CreateTopicsResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Int16(t.error_code));
    if (v >= 1) MESHD_TRY(io.NullableString(t.error_message));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// --------------------------------------------------------------- DeleteTopics
struct DeleteTopicsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kDeleteTopics;
  std::vector<std::string> topic_names;
  int32_t timeout_ms = 0;
};

template <class Io>
Status Serialize(Io& io, DeleteTopicsRequest& m, int16_t) {
  MESHD_TRY(io.StringArray(m.topic_names));
  MESHD_TRY(io.Int32(m.timeout_ms));
  return io.TaggedFields();
}

struct DeleteTopicsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kDeleteTopics;
  struct Topic {
    std::string name;
    int16_t error_code = 0;
  };
  int32_t throttle_time_ms = 0;  // v1+
  std::vector<Topic> responses;
};

template <class Io>
Status Serialize(Io& io, DeleteTopicsResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.responses, [](Io& io, DeleteTopicsResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Int16(t.error_code));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// -------------------------------------------------------------- DeleteRecords
struct DeleteRecordsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kDeleteRecords;
  struct Partition {
    int32_t partition_index = 0;
    int64_t offset = 0;  // -1 = high watermark
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::vector<Topic> topics;
  int32_t timeout_ms = 0;
};

template <class Io>
Status Serialize(Io& io, DeleteRecordsRequest& m, int16_t) {
  MESHD_TRY(io.Array(m.topics, [](Io& io, DeleteRecordsRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [](Io& io, DeleteRecordsRequest::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int64(p.offset));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  MESHD_TRY(io.Int32(m.timeout_ms));
  return io.TaggedFields();
}

struct DeleteRecordsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kDeleteRecords;
  struct Partition {
    int32_t partition_index = 0;
    int64_t low_watermark = -1;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int32_t throttle_time_ms = 0;
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, DeleteRecordsResponse& m, int16_t) {
  MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.topics, [](Io& io, DeleteRecordsResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [](Io& io, DeleteRecordsResponse::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int64(p.low_watermark));
      MESHD_TRY(io.Int16(p.error_code));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// ------------------------------------------------------------- InitProducerId
struct InitProducerIdRequest {
  static constexpr ApiKey kApiKey = ApiKey::kInitProducerId;
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
};

template <class Io>
Status Serialize(Io& io, InitProducerIdRequest& m, int16_t) {
  MESHD_TRY(io.NullableString(m.transactional_id));
  MESHD_TRY(io.Int32(m.transaction_timeout_ms));
  return io.TaggedFields();
}

struct InitProducerIdResponse {
  static constexpr ApiKey kApiKey = ApiKey::kInitProducerId;
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

template <class Io>
Status Serialize(Io& io, InitProducerIdResponse& m, int16_t) {
  MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  MESHD_TRY(io.Int64(m.producer_id));
  MESHD_TRY(io.Int16(m.producer_epoch));
  return io.TaggedFields();
}

// ------------------------------------------------------------ DescribeConfigs
struct DescribeConfigsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kDescribeConfigs;
  struct Resource {
    int8_t resource_type = 0;  // 2 = topic, 4 = broker
    std::string resource_name;
    std::optional<std::vector<std::string>> configuration_keys;  // null = all
  };
  std::vector<Resource> resources;
  bool include_synonyms = false;       // v1+
  bool include_documentation = false;  // v3+
};

template <class Io>
Status Serialize(Io& io, DescribeConfigsRequest& m, int16_t v) {
  MESHD_TRY(io.Array(m.resources, [](Io& io, DescribeConfigsRequest::Resource& r) -> Status {
    MESHD_TRY(io.Int8(r.resource_type));
    MESHD_TRY(io.String(r.resource_name));
    MESHD_TRY(io.NullableArray(r.configuration_keys, [](Io& io, std::string& s) -> Status {
      return io.String(s);
    }));
    return io.TaggedFields();
  }));
  if (v >= 1) MESHD_TRY(io.Bool(m.include_synonyms));
  if (v >= 3) MESHD_TRY(io.Bool(m.include_documentation));
  return io.TaggedFields();
}

struct DescribeConfigsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kDescribeConfigs;
  struct Config {
    std::string name;
    std::optional<std::string> value;
    bool read_only = false;
    bool is_default = false;  // v0 only
    int8_t config_source = 5; // v1+: 1 dynamic topic, 5 default
    bool is_sensitive = false;
    int8_t config_type = 0;   // v3+
  };
  struct Result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int8_t resource_type = 0;
    std::string resource_name;
    std::vector<Config> configs;
  };
  int32_t throttle_time_ms = 0;
  std::vector<Result> results;
};

template <class Io>
Status Serialize(Io& io, DescribeConfigsResponse& m, int16_t v) {
  MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.results, [v](Io& io, DescribeConfigsResponse::Result& r) -> Status {
    MESHD_TRY(io.Int16(r.error_code));
    MESHD_TRY(io.NullableString(r.error_message));
    MESHD_TRY(io.Int8(r.resource_type));
    MESHD_TRY(io.String(r.resource_name));
    MESHD_TRY(io.Array(r.configs, [v](Io& io, DescribeConfigsResponse::Config& c) -> Status {
      MESHD_TRY(io.String(c.name));
      MESHD_TRY(io.NullableString(c.value));
      MESHD_TRY(io.Bool(c.read_only));
      if (v == 0) MESHD_TRY(io.Bool(c.is_default));
      if (v >= 1) MESHD_TRY(io.Int8(c.config_source));
      MESHD_TRY(io.Bool(c.is_sensitive));
      if (v >= 1) {
        // Synonyms: always empty.
        std::vector<int8_t> none;
        MESHD_TRY(io.Array(none, [](Io&, int8_t&) -> Status { return Status::Ok(); }));
      }
      if (v >= 3) {
        MESHD_TRY(io.Int8(c.config_type));
        std::optional<std::string> doc;
        MESHD_TRY(io.NullableString(doc));
      }
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
