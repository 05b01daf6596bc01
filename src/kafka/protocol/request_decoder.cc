#include "kafka/protocol/request_decoder.h"

#include "kafka/protocol/admin_messages.h"
#include "kafka/protocol/api_versions.h"
#include "kafka/protocol/fetch.h"
#include "kafka/protocol/group_messages.h"
#include "kafka/protocol/list_offsets.h"
#include "kafka/protocol/metadata.h"
#include "kafka/protocol/produce.h"
#include "kafka/protocol/sasl_messages.h"

namespace meshd::kafka {
namespace {

template <class Msg>
Status Try(std::string_view body, int16_t version) {
  auto m = DecodeBody<Msg>(body, version);
  if (!m.ok()) return m.error();
  // Re-encoding must not crash either (the encoder is fuzzed too).
  std::string again = EncodeBody(*m, version);
  (void)again;
  return Status::Ok();
}

}  // namespace

Result<std::string> DecodeAnyRequest(std::string_view frame) {
  auto p = ParseRequest(frame);
  if (!p.ok()) return p.error();
  const int16_t key = p->header.api_key;
  const int16_t v = p->header.api_version;
  if (!IsSupported(key, v)) {
    return Status::Unsupported(std::string("unsupported ") + ApiName(key) + " v" +
                               std::to_string(v));
  }
  Status s;
  switch (static_cast<ApiKey>(key)) {
    case ApiKey::kProduce: s = Try<ProduceRequest>(p->body, v); break;
    case ApiKey::kFetch: s = Try<FetchRequest>(p->body, v); break;
    case ApiKey::kListOffsets: s = Try<ListOffsetsRequest>(p->body, v); break;
    case ApiKey::kMetadata: s = Try<MetadataRequest>(p->body, v); break;
    case ApiKey::kOffsetCommit: s = Try<OffsetCommitRequest>(p->body, v); break;
    case ApiKey::kOffsetFetch: s = Try<OffsetFetchRequest>(p->body, v); break;
    case ApiKey::kFindCoordinator: s = Try<FindCoordinatorRequest>(p->body, v); break;
    case ApiKey::kJoinGroup: s = Try<JoinGroupRequest>(p->body, v); break;
    case ApiKey::kHeartbeat: s = Try<HeartbeatRequest>(p->body, v); break;
    case ApiKey::kLeaveGroup: s = Try<LeaveGroupRequest>(p->body, v); break;
    case ApiKey::kSyncGroup: s = Try<SyncGroupRequest>(p->body, v); break;
    case ApiKey::kDescribeGroups: s = Try<DescribeGroupsRequest>(p->body, v); break;
    case ApiKey::kListGroups: s = Try<ListGroupsRequest>(p->body, v); break;
    case ApiKey::kSaslHandshake: s = Try<SaslHandshakeRequest>(p->body, v); break;
    case ApiKey::kApiVersions: s = Try<ApiVersionsRequest>(p->body, v); break;
    case ApiKey::kCreateTopics: s = Try<CreateTopicsRequest>(p->body, v); break;
    case ApiKey::kDeleteTopics: s = Try<DeleteTopicsRequest>(p->body, v); break;
    case ApiKey::kDeleteRecords: s = Try<DeleteRecordsRequest>(p->body, v); break;
    case ApiKey::kInitProducerId: s = Try<InitProducerIdRequest>(p->body, v); break;
    case ApiKey::kDescribeConfigs: s = Try<DescribeConfigsRequest>(p->body, v); break;
    case ApiKey::kSaslAuthenticate: s = Try<SaslAuthenticateRequest>(p->body, v); break;
  }
  if (!s.ok()) return s;
  return std::string(ApiName(key)) + " v" + std::to_string(v);
}

}  // namespace meshd::kafka
