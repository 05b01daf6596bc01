#pragma once
// Kafka wire error codes (the subset meshd can return) and the ONE mapping
// from meshd::StatusCode to them. Values are fixed by the Kafka protocol.

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace meshd::kafka {

enum class ErrorCode : int16_t {
  kUnknownServerError = -1,          // unexpected failure inside the broker
  kNone = 0,                         // success
  kOffsetOutOfRange = 1,             // fetch/list offset outside [log start, high watermark]
  kCorruptMessage = 2,               // CRC mismatch or malformed record batch
  kUnknownTopicOrPartition = 3,      // topic or partition does not exist
  kInvalidFetchSize = 4,             // negative fetch size
  kLeaderNotAvailable = 5,           // topic is being created
  kNotLeaderOrFollower = 6,          // not the leader (never on a single node)
  kRequestTimedOut = 7,              // the request did not finish in time
  kMessageTooLarge = 10,             // batch larger than max.message.bytes
  kCoordinatorLoadInProgress = 14,   // group state still loading
  kCoordinatorNotAvailable = 15,     // no coordinator for this group
  kNotCoordinator = 16,              // this broker is not the group's coordinator
  kInvalidTopicException = 17,       // illegal topic name
  kRecordListTooLarge = 18,          // produce request too large
  kNotEnoughReplicas = 19,           // cannot satisfy acks=all
  kInvalidRequiredAcks = 21,         // acks not in {-1, 0, 1}
  kIllegalGeneration = 22,           // group generation does not match
  kInconsistentGroupProtocol = 23,   // protocol type/names do not overlap the group's
  kInvalidGroupId = 24,              // empty or illegal group id
  kUnknownMemberId = 25,             // member id unknown to the group
  kInvalidSessionTimeout = 26,       // session timeout outside the broker's bounds
  kRebalanceInProgress = 27,         // the group is rebalancing: rejoin
  kInvalidCommitOffsetSize = 28,     // offset metadata too large
  kTopicAuthorizationFailed = 29,    // principal may not access the topic
  kGroupAuthorizationFailed = 30,    // principal may not access the group
  kClusterAuthorizationFailed = 31,  // principal may not perform cluster actions
  kInvalidTimestamp = 32,            // timestamp out of acceptable range
  kUnsupportedSaslMechanism = 33,    // SaslHandshake asked for a disabled mechanism
  kIllegalSaslState = 34,            // SASL request out of sequence
  kUnsupportedVersion = 35,          // API version not supported (ApiVersions reply)
  kTopicAlreadyExists = 36,          // CreateTopics of an existing topic
  kInvalidPartitions = 37,           // partition count < 1 or too many
  kInvalidReplicationFactor = 38,    // replication factor not satisfiable on one node
  kInvalidReplicaAssignment = 39,    // manual assignment not supported
  kInvalidConfig = 40,               // unknown config key or bad value
  kNotController = 41,               // this broker is not the controller
  kInvalidRequest = 42,              // request is malformed or inconsistent
  kUnsupportedForMessageFormat = 43, // legacy magic 0/1 message sets
  kPolicyViolation = 44,             // rejected by a policy (contracts, governance)
  kOutOfOrderSequenceNumber = 45,    // idempotent producer sequence gap
  kDuplicateSequenceNumber = 46,     // (unused: duplicates are answered with success)
  kInvalidProducerEpoch = 47,        // producer fenced by a newer epoch
  kInvalidTxnState = 48,             // transactional state violation
  kInvalidProducerIdMapping = 49,    // transactional id unknown
  kTransactionalIdAuthorizationFailed = 53,  // transactions not allowed
  kSecurityDisabled = 54,            // security features disabled
  kSaslAuthenticationFailed = 58,    // bad credentials
  kUnknownProducerId = 59,           // producer state unknown (expired or never seen)
  kKafkaStorageError = 56,           // disk error
  kOperationNotAttempted = 55,       // earlier error in the same batch
  kNonEmptyGroup = 68,               // delete of a group that has members
  kGroupIdNotFound = 69,             // group does not exist
  kGroupMaxSizeReached = 81,         // too many members
  kMemberIdRequired = 79,            // first JoinGroup (v4+): rejoin with this member id
  kFencedInstanceId = 82,            // another member took over this static instance id
  kThrottlingQuotaExceeded = 89,     // quota exceeded
  kUnstableOffsetCommit = 88,        // pending transactional offsets
  kInvalidRecord = 87,               // a record failed broker-side validation (schema)
};

// Stable human name ("UNKNOWN_TOPIC_OR_PARTITION") for logs and tests.
std::string_view ErrorCodeName(ErrorCode code);

inline int16_t Wire(ErrorCode code) { return static_cast<int16_t>(code); }

// The one place a meshd::StatusCode becomes a Kafka error code. Context-free;
// handlers that need a more specific code (e.g. TOPIC_ALREADY_EXISTS for
// kAlreadyExists in CreateTopics) use this table too, it is the default.
ErrorCode ErrorFromStatus(const Status& status);

}  // namespace meshd::kafka
