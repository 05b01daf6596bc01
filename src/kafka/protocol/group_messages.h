#pragma once
// Consumer-group APIs (none flexible in the advertised ranges):
// OffsetCommit 0-7, OffsetFetch 0-5, FindCoordinator 0-2, JoinGroup 0-5,
// Heartbeat 0-3, LeaveGroup 0-3, SyncGroup 0-3, DescribeGroups 0-4,
// ListGroups 0-2. Field presence per version follows Kafka's message specs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/wire.h"

namespace meshd::kafka {

// ---------------------------------------------------------------- OffsetCommit
struct OffsetCommitRequest {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetCommit;
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = 0;
    int32_t committed_leader_epoch = -1;  // v6+
    int64_t commit_timestamp = -1;        // v1 only
    std::optional<std::string> committed_metadata;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  std::string group_id;
  int32_t generation_id = -1;                      // v1+
  std::string member_id;                           // v1+
  std::optional<std::string> group_instance_id;    // v7+
  int64_t retention_time_ms = -1;                  // v2-4
  std::vector<Topic> topics;
};

template <class Io>
Status Serialize(Io& io, OffsetCommitRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.group_id));
  if (v >= 1) {
    MESHD_TRY(io.Int32(m.generation_id));
    MESHD_TRY(io.String(m.member_id));
  }
  if (v >= 7) MESHD_TRY(io.NullableString(m.group_instance_id));
  if (v >= 2 && v <= 4) MESHD_TRY(io.Int64(m.retention_time_ms));
  MESHD_TRY(io.Array(m.topics, [v](Io& io, OffsetCommitRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, OffsetCommitRequest::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int64(p.committed_offset));
      if (v >= 6) MESHD_TRY(io.Int32(p.committed_leader_epoch));
      if (v == 1) MESHD_TRY(io.Int64(p.commit_timestamp));
      MESHD_TRY(io.NullableString(p.committed_metadata));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// Shared response shape: (topic, [(partition, error)]).
struct PartitionErrors {
  struct Partition {
    int32_t partition_index = 0;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
};

struct OffsetCommitResponse {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetCommit;
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<PartitionErrors::Topic> topics;
};

template <class Io>
Status Serialize(Io& io, OffsetCommitResponse& m, int16_t v) {
  if (v >= 3) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.topics, [](Io& io, PartitionErrors::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [](Io& io, PartitionErrors::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int16(p.error_code));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// ---------------------------------------------------------------- OffsetFetch
struct OffsetFetchRequest {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetFetch;
  struct Topic {
    std::string name;
    std::vector<int32_t> partition_indexes;
  };
  std::string group_id;
  std::optional<std::vector<Topic>> topics;  // null (v2+) = all committed partitions
};

template <class Io>
Status Serialize(Io& io, OffsetFetchRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.group_id));
  auto topic = [](Io& io, OffsetFetchRequest::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Int32Array(t.partition_indexes));
    return io.TaggedFields();
  };
  if (v >= 2) {
    MESHD_TRY(io.NullableArray(m.topics, topic));
  } else if constexpr (Io::kReading) {
    m.topics.emplace();
    MESHD_TRY(io.Array(*m.topics, topic));
  } else {
    static const std::vector<OffsetFetchRequest::Topic> kNone;
    MESHD_TRY(io.Array(m.topics ? *m.topics : kNone, topic));
  }
  return io.TaggedFields();
}

struct OffsetFetchResponse {
  static constexpr ApiKey kApiKey = ApiKey::kOffsetFetch;
  struct Partition {
    int32_t partition_index = 0;
    int64_t committed_offset = -1;
    int32_t committed_leader_epoch = -1;  // v5+
    std::optional<std::string> metadata;
    int16_t error_code = 0;
  };
  struct Topic {
    std::string name;
    std::vector<Partition> partitions;
  };
  int32_t throttle_time_ms = 0;  // v3+
  std::vector<Topic> topics;
  int16_t error_code = 0;  // v2+
};

template <class Io>
Status Serialize(Io& io, OffsetFetchResponse& m, int16_t v) {
  if (v >= 3) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.topics, [v](Io& io, OffsetFetchResponse::Topic& t) -> Status {
    MESHD_TRY(io.String(t.name));
    MESHD_TRY(io.Array(t.partitions, [v](Io& io, OffsetFetchResponse::Partition& p) -> Status {
      MESHD_TRY(io.Int32(p.partition_index));
      MESHD_TRY(io.Int64(p.committed_offset));
      if (v >= 5) MESHD_TRY(io.Int32(p.committed_leader_epoch));
      MESHD_TRY(io.NullableString(p.metadata));
      MESHD_TRY(io.Int16(p.error_code));
      return io.TaggedFields();
    }));
    return io.TaggedFields();
  }));
  if (v >= 2) MESHD_TRY(io.Int16(m.error_code));
  return io.TaggedFields();
}

// ------------------------------------------------------------- FindCoordinator
struct FindCoordinatorRequest {
  static constexpr ApiKey kApiKey = ApiKey::kFindCoordinator;
  std::string key;
  int8_t key_type = 0;  // v1+: 0 group, 1 transaction
};

template <class Io>
Status Serialize(Io& io, FindCoordinatorRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.key));
  if (v >= 1) MESHD_TRY(io.Int8(m.key_type));
  return io.TaggedFields();
}

struct FindCoordinatorResponse {
  static constexpr ApiKey kApiKey = ApiKey::kFindCoordinator;
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::optional<std::string> error_message;  // v1+
  int32_t node_id = 0;
  std::string host;
  int32_t port = 0;
};

template <class Io>
Status Serialize(Io& io, FindCoordinatorResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  if (v >= 1) MESHD_TRY(io.NullableString(m.error_message));
  MESHD_TRY(io.Int32(m.node_id));
  MESHD_TRY(io.String(m.host));
  MESHD_TRY(io.Int32(m.port));
  return io.TaggedFields();
}

// ------------------------------------------------------------------ JoinGroup
struct JoinGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::kJoinGroup;
  struct Protocol {
    std::string name;
    std::string metadata;
  };
  std::string group_id;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // v1+ (v0: = session timeout)
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v5+
  std::string protocol_type;
  std::vector<Protocol> protocols;
};

template <class Io>
Status Serialize(Io& io, JoinGroupRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.group_id));
  MESHD_TRY(io.Int32(m.session_timeout_ms));
  if (v >= 1) MESHD_TRY(io.Int32(m.rebalance_timeout_ms));
  MESHD_TRY(io.String(m.member_id));
  if (v >= 5) MESHD_TRY(io.NullableString(m.group_instance_id));
  MESHD_TRY(io.String(m.protocol_type));
  MESHD_TRY(io.Array(m.protocols, [](Io& io, JoinGroupRequest::Protocol& p) -> Status {
    MESHD_TRY(io.String(p.name));
    MESHD_TRY(io.Bytes(p.metadata));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

struct JoinGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::kJoinGroup;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v5+
    std::string metadata;
  };
  int32_t throttle_time_ms = 0;  // v2+
  int16_t error_code = 0;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  std::vector<Member> members;
};

template <class Io>
Status Serialize(Io& io, JoinGroupResponse& m, int16_t v) {
  if (v >= 2) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  MESHD_TRY(io.Int32(m.generation_id));
  MESHD_TRY(io.String(m.protocol_name));
  MESHD_TRY(io.String(m.leader));
  MESHD_TRY(io.String(m.member_id));
  MESHD_TRY(io.Array(m.members, [v](Io& io, JoinGroupResponse::Member& mm) -> Status {
    MESHD_TRY(io.String(mm.member_id));
    if (v >= 5) MESHD_TRY(io.NullableString(mm.group_instance_id));
    MESHD_TRY(io.Bytes(mm.metadata));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// ------------------------------------------------------------------ Heartbeat
struct HeartbeatRequest {
  static constexpr ApiKey kApiKey = ApiKey::kHeartbeat;
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
};

template <class Io>
Status Serialize(Io& io, HeartbeatRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.group_id));
  MESHD_TRY(io.Int32(m.generation_id));
  MESHD_TRY(io.String(m.member_id));
  if (v >= 3) MESHD_TRY(io.NullableString(m.group_instance_id));
  return io.TaggedFields();
}

// Heartbeat and the v0-2 LeaveGroup share this shape.
struct HeartbeatResponse {
  static constexpr ApiKey kApiKey = ApiKey::kHeartbeat;
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
};

template <class Io>
Status Serialize(Io& io, HeartbeatResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  return io.TaggedFields();
}

// ----------------------------------------------------------------- LeaveGroup
struct LeaveGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::kLeaveGroup;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
  };
  std::string group_id;
  // v0-2 carry one MemberId; v3+ a Members[] array. Decoding v0-2 yields a
  // one-element vector, so handlers see one shape.
  std::vector<Member> members;
};

template <class Io>
Status Serialize(Io& io, LeaveGroupRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.group_id));
  if (v <= 2) {
    if constexpr (Io::kReading) {
      m.members.emplace_back();
      MESHD_TRY(io.String(m.members[0].member_id));
    } else {
      MESHD_TRY(io.String(m.members.empty() ? std::string() : m.members[0].member_id));
    }
  } else {
    MESHD_TRY(io.Array(m.members, [](Io& io, LeaveGroupRequest::Member& mm) -> Status {
      MESHD_TRY(io.String(mm.member_id));
      MESHD_TRY(io.NullableString(mm.group_instance_id));
      return io.TaggedFields();
    }));
  }
  return io.TaggedFields();
}

struct LeaveGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::kLeaveGroup;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int16_t error_code = 0;
  };
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::vector<Member> members;  // v3+
};

template <class Io>
Status Serialize(Io& io, LeaveGroupResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  if (v >= 3) {
    MESHD_TRY(io.Array(m.members, [](Io& io, LeaveGroupResponse::Member& mm) -> Status {
      MESHD_TRY(io.String(mm.member_id));
      MESHD_TRY(io.NullableString(mm.group_instance_id));
      MESHD_TRY(io.Int16(mm.error_code));
      return io.TaggedFields();
    }));
  }
  return io.TaggedFields();
}

// ------------------------------------------------------------------ SyncGroup
struct SyncGroupRequest {
  static constexpr ApiKey kApiKey = ApiKey::kSyncGroup;
  struct Assignment {
    std::string member_id;
    std::string assignment;
  };
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;  // v3+
  std::vector<Assignment> assignments;
};

template <class Io>
Status Serialize(Io& io, SyncGroupRequest& m, int16_t v) {
  MESHD_TRY(io.String(m.group_id));
  MESHD_TRY(io.Int32(m.generation_id));
  MESHD_TRY(io.String(m.member_id));
  if (v >= 3) MESHD_TRY(io.NullableString(m.group_instance_id));
  MESHD_TRY(io.Array(m.assignments, [](Io& io, SyncGroupRequest::Assignment& a) -> Status {
    MESHD_TRY(io.String(a.member_id));
    MESHD_TRY(io.Bytes(a.assignment));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

struct SyncGroupResponse {
  static constexpr ApiKey kApiKey = ApiKey::kSyncGroup;
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::string assignment;
};

template <class Io>
Status Serialize(Io& io, SyncGroupResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  MESHD_TRY(io.Bytes(m.assignment));
  return io.TaggedFields();
}

// ------------------------------------------------------------- DescribeGroups
struct DescribeGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kDescribeGroups;
  std::vector<std::string> groups;
  bool include_authorized_operations = false;  // v3+
};

template <class Io>
Status Serialize(Io& io, DescribeGroupsRequest& m, int16_t v) {
  MESHD_TRY(io.StringArray(m.groups));
  if (v >= 3) MESHD_TRY(io.Bool(m.include_authorized_operations));
  return io.TaggedFields();
}

struct DescribeGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kDescribeGroups;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;  // v4+
    std::string client_id;
    std::string client_host;
    std::string member_metadata;
    std::string member_assignment;
  };
  struct Group {
    int16_t error_code = 0;
    std::string group_id;
    std::string group_state;
    std::string protocol_type;
    std::string protocol_data;
    std::vector<Member> members;
    int32_t authorized_operations = INT32_MIN;  // v3+
  };
  int32_t throttle_time_ms = 0;  // v1+
  std::vector<Group> groups;
};

template <class Io>
Status Serialize(Io& io, DescribeGroupsResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Array(m.groups, [v](Io& io, DescribeGroupsResponse::Group& g) -> Status {
    MESHD_TRY(io.Int16(g.error_code));
    MESHD_TRY(io.String(g.group_id));
    MESHD_TRY(io.String(g.group_state));
    MESHD_TRY(io.String(g.protocol_type));
    MESHD_TRY(io.String(g.protocol_data));
    MESHD_TRY(io.Array(g.members, [v](Io& io, DescribeGroupsResponse::Member& mm) -> Status {
      MESHD_TRY(io.String(mm.member_id));
      if (v >= 4) MESHD_TRY(io.NullableString(mm.group_instance_id));
      MESHD_TRY(io.String(mm.client_id));
      MESHD_TRY(io.String(mm.client_host));
      MESHD_TRY(io.Bytes(mm.member_metadata));
      MESHD_TRY(io.Bytes(mm.member_assignment));
      return io.TaggedFields();
    }));
    if (v >= 3) MESHD_TRY(io.Int32(g.authorized_operations));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

// ----------------------------------------------------------------- ListGroups
struct ListGroupsRequest {
  static constexpr ApiKey kApiKey = ApiKey::kListGroups;
};

template <class Io>
Status Serialize(Io& io, ListGroupsRequest&, int16_t) {
  return io.TaggedFields();
}

struct ListGroupsResponse {
  static constexpr ApiKey kApiKey = ApiKey::kListGroups;
  struct Group {
    std::string group_id;
    std::string protocol_type;
  };
  int32_t throttle_time_ms = 0;  // v1+
  int16_t error_code = 0;
  std::vector<Group> groups;
};

template <class Io>
Status Serialize(Io& io, ListGroupsResponse& m, int16_t v) {
  if (v >= 1) MESHD_TRY(io.Int32(m.throttle_time_ms));
  MESHD_TRY(io.Int16(m.error_code));
  MESHD_TRY(io.Array(m.groups, [](Io& io, ListGroupsResponse::Group& g) -> Status {
    MESHD_TRY(io.String(g.group_id));
    MESHD_TRY(io.String(g.protocol_type));
    return io.TaggedFields();
  }));
  return io.TaggedFields();
}

}  // namespace meshd::kafka
