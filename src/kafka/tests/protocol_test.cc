// Codec tests: hand-checked byte vectors for the versions real clients send
// (ApiVersions v0/v3, Metadata v0/v1, Produce v7, Fetch v11), round trips for
// every API at every advertised version, and malformed-input rejection.

#include <gtest/gtest.h>

#include <string>

#include "kafka/protocol/admin_messages.h"
#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/api_versions.h"
#include "kafka/protocol/error_codes.h"
#include "kafka/protocol/fetch.h"
#include "kafka/protocol/group_messages.h"
#include "kafka/protocol/header.h"
#include "kafka/protocol/list_offsets.h"
#include "kafka/protocol/metadata.h"
#include "kafka/protocol/produce.h"
#include "kafka/protocol/sasl_messages.h"

namespace meshd::kafka {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

TEST(ApiTable, MatchesBriefSection31) {
  auto r = [](ApiKey k) { return *FindApi(static_cast<int16_t>(k)); };
  EXPECT_EQ(r(ApiKey::kProduce).min_version, 0);
  EXPECT_EQ(r(ApiKey::kProduce).max_version, 7);
  EXPECT_EQ(r(ApiKey::kFetch).min_version, 4);
  EXPECT_EQ(r(ApiKey::kFetch).max_version, 11);
  EXPECT_EQ(r(ApiKey::kMetadata).max_version, 6);
  EXPECT_EQ(r(ApiKey::kFindCoordinator).min_version, 0);
  EXPECT_EQ(r(ApiKey::kOffsetFetch).max_version, 5);
  EXPECT_EQ(r(ApiKey::kInitProducerId).max_version, 1);
  EXPECT_EQ(r(ApiKey::kApiVersions).max_version, 3);
  EXPECT_EQ(r(ApiKey::kSaslHandshake).min_version, 0);
  EXPECT_TRUE(IsFlexible(18, 3));
  EXPECT_FALSE(IsFlexible(18, 2));
  EXPECT_FALSE(IsFlexible(0, 7));
  EXPECT_FALSE(IsFlexible(1, 11));
  EXPECT_EQ(ResponseHeaderVersion(18, 3), 0);
  EXPECT_EQ(RequestHeaderVersion(18, 3), 2);
}

TEST(Header, ApiVersionsV3RequestHeaderV2ClassicClientId) {
  // key 18, v3, corr 7, client_id "ab" (int16 length), empty tags, then the
  // compact body: "x" "1" and empty tags.
  std::string frame = Bytes({0, 18, 0, 3, 0, 0, 0, 7, 0, 2, 'a', 'b', 0,  //
                             2, 'x', 2, '1', 0});
  auto p = ParseRequest(frame);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->header.api_key, 18);
  EXPECT_EQ(p->header.api_version, 3);
  EXPECT_EQ(p->header.correlation_id, 7);
  EXPECT_EQ(*p->header.client_id, "ab");
  auto body = DecodeBody<ApiVersionsRequest>(p->body, 3);
  ASSERT_TRUE(body.ok()) << body.error().ToString();
  EXPECT_EQ(body->client_software_name, "x");
  EXPECT_EQ(body->client_software_version, "1");

  std::string again;
  EncodeRequestHeader(p->header, &again);
  EncodeBody(*body, 3, &again);
  EXPECT_EQ(again, frame);
}

TEST(Header, ResponseHeaders) {
  std::string out;
  EncodeResponseHeader(18, 3, 9, &out);  // ApiVersions: always v0
  EXPECT_EQ(out, Bytes({0, 0, 0, 9}));
  out.clear();
  EncodeResponseHeader(0, 7, 9, &out);  // Produce v7: not flexible
  EXPECT_EQ(out, Bytes({0, 0, 0, 9}));
}

TEST(ApiVersions, V0ResponseBytes) {
  ApiVersionsResponse r;
  r.api_keys = {{0, 0, 7}, {18, 0, 3}};
  EXPECT_EQ(EncodeBody(r, 0), Bytes({0, 0,  // error
                                     0, 0, 0, 2, 0, 0, 0, 0, 0, 7, 0, 18, 0, 0, 0, 3}));
}

TEST(ApiVersions, V3ResponseBytesAreCompactWithTags) {
  ApiVersionsResponse r;
  r.api_keys = {{0, 0, 7}, {18, 0, 3}};
  r.throttle_time_ms = 0;
  EXPECT_EQ(EncodeBody(r, 3), Bytes({0, 0,  // error
                                     3,     // compact array: 2 + 1
                                     0, 0, 0, 0, 0, 7, 0,   // produce + tags
                                     0, 18, 0, 0, 0, 3, 0,  // api versions + tags
                                     0, 0, 0, 0,            // throttle
                                     0}));                  // top-level tags
  auto back = DecodeBody<ApiVersionsResponse>(EncodeBody(r, 3), 3);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->api_keys.size(), 2u);
  EXPECT_EQ(back->api_keys[1].max_version, 3);
}

TEST(Metadata, V0EmptyArrayMeansAll) {
  auto m = DecodeBody<MetadataRequest>(Bytes({0, 0, 0, 0}), 0);
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->topics.has_value());
  auto one = DecodeBody<MetadataRequest>(Bytes({0, 0, 0, 1, 0, 1, 't'}), 0);
  ASSERT_TRUE(one.ok());
  ASSERT_TRUE(one->topics.has_value());
  EXPECT_EQ((*one->topics)[0], "t");
}

TEST(Metadata, V1NullMeansAllEmptyMeansNone) {
  auto all = DecodeBody<MetadataRequest>(Bytes({0xff, 0xff, 0xff, 0xff}), 1);
  ASSERT_TRUE(all.ok());
  EXPECT_FALSE(all->topics.has_value());
  auto none = DecodeBody<MetadataRequest>(Bytes({0, 0, 0, 0}), 1);
  ASSERT_TRUE(none.ok());
  ASSERT_TRUE(none->topics.has_value());
  EXPECT_TRUE(none->topics->empty());
}

TEST(Metadata, V1ResponseBytes) {
  MetadataResponse r;
  r.brokers = {{0, "h", 9092, std::nullopt}};
  r.controller_id = 0;
  MetadataResponse::Topic t;
  t.name = "t";
  t.partitions = {{0, 0, 0, {0}, {0}, {}}};
  r.topics = {t};
  EXPECT_EQ(EncodeBody(r, 1),
            Bytes({0, 0, 0, 1,                     // brokers
                   0, 0, 0, 0, 0, 1, 'h', 0, 0, 0x23, 0x84, 0xff, 0xff,  // node, host, port, rack null
                   0, 0, 0, 0,                     // controller
                   0, 0, 0, 1,                     // topics
                   0, 0, 0, 1, 't', 0,             // error, name, internal
                   0, 0, 0, 1,                     // partitions
                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   // error, index, leader
                   0, 0, 0, 1, 0, 0, 0, 0,         // replicas
                   0, 0, 0, 1, 0, 0, 0, 0}));      // isr
  std::string v0 = EncodeBody(r, 0);  // no rack, no controller, no internal flag
  EXPECT_EQ(v0.size(), EncodeBody(r, 1).size() - 2 - 4 - 1);
}

TEST(Produce, V7RequestBytes) {
  std::string frame = Bytes({0, 0, 0, 7, 0, 0, 0, 1, 0, 3, 'c', 'l', 'i',  // header v1
                             0xff, 0xff,                                    // txn id null
                             0xff, 0xff,                                    // acks -1
                             0, 0, 0x75, 0x30,                              // timeout 30000
                             0, 0, 0, 1, 0, 1, 't',                         // topic "t"
                             0, 0, 0, 1, 0, 0, 0, 2,                        // partition 2
                             0, 0, 0, 3, 'a', 'b', 'c'});                   // records
  auto p = ParseRequest(frame);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->header.client_id, "cli");
  auto req = DecodeBody<ProduceRequest>(p->body, 7);
  ASSERT_TRUE(req.ok()) << req.error().ToString();
  EXPECT_FALSE(req->transactional_id.has_value());
  EXPECT_EQ(req->acks, -1);
  EXPECT_EQ(req->timeout_ms, 30000);
  ASSERT_EQ(req->topics.size(), 1u);
  EXPECT_EQ(req->topics[0].partitions[0].index, 2);
  EXPECT_EQ(*req->topics[0].partitions[0].records, "abc");
  std::string again;
  EncodeRequestHeader(p->header, &again);
  EncodeBody(*req, 7, &again);
  EXPECT_EQ(again, frame);
}

TEST(Produce, ResponseFieldsPerVersion) {
  ProduceResponse r;
  r.topics = {{"t", {{0, 0, 5, -1, 0}}}};
  EXPECT_EQ(EncodeBody(r, 0).size(), 4 + 3 + 4 + 4 + 2 + 8u);
  EXPECT_EQ(EncodeBody(r, 1).size(), EncodeBody(r, 0).size() + 4);
  EXPECT_EQ(EncodeBody(r, 2).size(), EncodeBody(r, 1).size() + 8);
  EXPECT_EQ(EncodeBody(r, 5).size(), EncodeBody(r, 2).size() + 8);
  EXPECT_EQ(EncodeBody(r, 7), EncodeBody(r, 5));
}

TEST(Fetch, V11RequestBytes) {
  std::string body = Bytes({0xff, 0xff, 0xff, 0xff,  // replica -1
                            0, 0, 1, 0xf4,           // max wait 500
                            0, 0, 0, 1,              // min bytes
                            0, 0x10, 0, 0,           // max bytes
                            1,                       // read_committed
                            0, 0, 0, 0,              // session id
                            0xff, 0xff, 0xff, 0xff,  // session epoch -1
                            0, 0, 0, 1, 0, 1, 't',   // topics
                            0, 0, 0, 1,              // partitions
                            0, 0, 0, 0,              // partition 0
                            0xff, 0xff, 0xff, 0xff,  // current leader epoch
                            0, 0, 0, 0, 0, 0, 0, 42,  // fetch offset
                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // log start
                            0, 0x10, 0, 0,           // partition max bytes
                            0, 0, 0, 0,              // forgotten
                            0, 0});                  // rack ""
  auto req = DecodeBody<FetchRequest>(body, 11);
  ASSERT_TRUE(req.ok()) << req.error().ToString();
  EXPECT_EQ(req->max_wait_ms, 500);
  EXPECT_EQ(req->isolation_level, 1);
  EXPECT_EQ(req->session_epoch, -1);
  EXPECT_EQ(req->topics[0].partitions[0].fetch_offset, 42);
  EXPECT_EQ(EncodeBody(*req, 11), body);
}

TEST(Fetch, V11ResponseHeaderFields) {
  FetchResponse r;
  FetchResponse::Partition p;
  p.high_watermark = 10;
  p.last_stable_offset = 10;
  p.log_start_offset = 0;
  p.records = "xy";
  r.topics = {{"t", {p}}};
  std::string b = EncodeBody(r, 11);
  EXPECT_EQ(b.substr(0, 10), Bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));  // throttle, error, session 0
  auto back = DecodeBody<FetchResponse>(b, 11);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->topics[0].partitions[0].high_watermark, 10);
  EXPECT_EQ(back->topics[0].partitions[0].preferred_read_replica, -1);
  EXPECT_FALSE(back->topics[0].partitions[0].aborted_transactions.has_value());
  EXPECT_EQ(*back->topics[0].partitions[0].records, "xy");
  // v4 lacks throttle? no: v1+ has it; v4 lacks error/session (6 bytes),
  // log start (8) and preferred replica (4).
  EXPECT_EQ(EncodeBody(r, 4).size() + 6 + 8 + 4, b.size());
}

// Round trip: encode, decode, encode again gives identical bytes.
template <class Msg>
void RoundTrip(const Msg& m, int16_t v) {
  std::string a = EncodeBody(m, v);
  auto back = DecodeBody<Msg>(a, v);
  ASSERT_TRUE(back.ok()) << ApiName(static_cast<int16_t>(Msg::kApiKey)) << " v" << v << ": "
                         << back.error().ToString();
  EXPECT_EQ(EncodeBody(*back, v), a) << ApiName(static_cast<int16_t>(Msg::kApiKey)) << " v" << v;
  // Every strict prefix must fail to decode or decode to something that
  // re-encodes shorter (never crash).
  for (size_t cut = 0; cut < a.size(); ++cut) {
    auto t = DecodeBody<Msg>(std::string_view(a).substr(0, cut), v);
    if (t.ok()) {
      EXPECT_LE(EncodeBody(*t, v).size(), cut);
    }
  }
}

template <class Req, class Resp>
void RoundTripAllVersions(const Req& req, const Resp& resp) {
  auto api = *FindApi(static_cast<int16_t>(Req::kApiKey));
  for (int16_t v = api.min_version; v <= api.max_version; ++v) {
    RoundTrip(req, v);
    RoundTrip(resp, v);
  }
}

TEST(RoundTrip, EveryApiEveryVersion) {
  {
    ApiVersionsRequest q{"meshd-test", "1.0"};
    ApiVersionsResponse r;
    r.api_keys = {{1, 4, 11}};
    RoundTripAllVersions(q, r);
  }
  {
    ProduceRequest q;
    q.transactional_id = "tx";
    q.topics = {{"t", {{0, std::string_view("batch")}, {1, std::nullopt}}}};
    ProduceResponse r;
    r.topics = {{"t", {{0, 0, 1, 2, 3}}}};
    RoundTripAllVersions(q, r);
  }
  {
    FetchRequest q;
    q.topics = {{"t", {{0, 1, 2, 3, 4}}}};
    q.forgotten_topics = {{"f", {1, 2}}};
    q.rack_id = "r";
    FetchResponse r;
    FetchResponse::Partition p;
    p.aborted_transactions = std::vector<FetchResponse::Aborted>{{1, 2}};
    p.records = "rec";
    r.topics = {{"t", {p}}};
    RoundTripAllVersions(q, r);
  }
  {
    ListOffsetsRequest q;
    q.topics = {{"t", {{0, -1, 1}}}};
    ListOffsetsResponse r;
    r.topics = {{"t", {{0, 0, {5}, -1, 5}}}};
    RoundTripAllVersions(q, r);
  }
  {
    MetadataRequest q;
    q.topics = std::vector<std::string>{"a", "b"};
    MetadataResponse r;
    r.brokers = {{0, "h", 1, "rack"}};
    r.cluster_id = "c";
    r.topics = {{0, "t", false, {{0, 0, 0, {0}, {0}, {}}}}};
    RoundTripAllVersions(q, r);
  }
  {
    OffsetCommitRequest q;
    q.group_id = "g";
    q.member_id = "m";
    q.group_instance_id = "i";
    q.topics = {{"t", {{0, 5, -1, -1, std::string("md")}}}};
    OffsetCommitResponse r;
    r.topics = {{"t", {{0, 0}}}};
    RoundTripAllVersions(q, r);
  }
  {
    OffsetFetchRequest q;
    q.group_id = "g";
    q.topics = std::vector<OffsetFetchRequest::Topic>{{"t", {0, 1}}};
    OffsetFetchResponse r;
    r.topics = {{"t", {{0, 5, -1, std::string(""), 0}}}};
    RoundTripAllVersions(q, r);
  }
  {
    FindCoordinatorRequest q{"g", 0};
    FindCoordinatorResponse r;
    r.host = "h";
    RoundTripAllVersions(q, r);
  }
  {
    JoinGroupRequest q;
    q.group_id = "g";
    q.protocol_type = "consumer";
    q.protocols = {{"range", "meta"}};
    JoinGroupResponse r;
    r.members = {{"m", std::nullopt, "meta"}};
    RoundTripAllVersions(q, r);
  }
  {
    HeartbeatRequest q{"g", 1, "m", std::nullopt};
    HeartbeatResponse r;
    RoundTripAllVersions(q, r);
  }
  {
    LeaveGroupRequest q;
    q.group_id = "g";
    q.members = {{"m", std::nullopt}};
    LeaveGroupResponse r;
    r.members = {{"m", std::nullopt, 0}};
    RoundTripAllVersions(q, r);
  }
  {
    SyncGroupRequest q;
    q.group_id = "g";
    q.assignments = {{"m", "a"}};
    SyncGroupResponse r;
    r.assignment = "a";
    RoundTripAllVersions(q, r);
  }
  {
    DescribeGroupsRequest q{{"g"}, false};
    DescribeGroupsResponse r;
    r.groups = {{0, "g", "Stable", "consumer", "range", {{"m", std::nullopt, "c", "h", "x", "y"}}}};
    RoundTripAllVersions(q, r);
  }
  {
    ListGroupsRequest q;
    ListGroupsResponse r;
    r.groups = {{"g", "consumer"}};
    RoundTripAllVersions(q, r);
  }
  {
    SaslHandshakeRequest q{"PLAIN"};
    SaslHandshakeResponse r{0, {"PLAIN", "SCRAM-SHA-256"}};
    RoundTripAllVersions(q, r);
  }
  {
    SaslAuthenticateRequest q{std::string("\0u\0p", 4)};
    SaslAuthenticateResponse r;
    RoundTripAllVersions(q, r);
  }
  {
    CreateTopicsRequest q;
    q.topics = {{"t", -1, -1, {}, {{"retention.ms", std::string("1")}}}};
    CreateTopicsResponse r;
    r.topics = {{"t", 0, std::nullopt}};
    RoundTripAllVersions(q, r);
  }
  {
    DeleteTopicsRequest q{{"t"}, 1000};
    DeleteTopicsResponse r;
    r.responses = {{"t", 3}};
    RoundTripAllVersions(q, r);
  }
  {
    DeleteRecordsRequest q;
    q.topics = {{"t", {{0, 5}}}};
    DeleteRecordsResponse r;
    r.topics = {{"t", {{0, 5, 0}}}};
    RoundTripAllVersions(q, r);
  }
  {
    InitProducerIdRequest q;
    InitProducerIdResponse r;
    r.producer_id = 1000;
    r.producer_epoch = 0;
    RoundTripAllVersions(q, r);
  }
  {
    DescribeConfigsRequest q;
    q.resources = {{2, "t", std::nullopt}};
    DescribeConfigsResponse r;
    r.results = {{0, std::nullopt, 2, "t", {{"retention.ms", std::string("1")}}}};
    RoundTripAllVersions(q, r);
  }
}

TEST(Malformed, RejectedWithStatus) {
  // Truncated header.
  EXPECT_FALSE(ParseRequest(Bytes({0, 0, 0})).ok());
  // Client id longer than the frame.
  EXPECT_FALSE(ParseRequest(Bytes({0, 3, 0, 1, 0, 0, 0, 1, 0, 9, 'a'})).ok());
  // Negative (non-null) string length.
  EXPECT_FALSE(DecodeBody<FindCoordinatorRequest>(Bytes({0xff, 0xfe}), 0).ok());
  // Null where a string is required.
  EXPECT_FALSE(DecodeBody<FindCoordinatorRequest>(Bytes({0xff, 0xff}), 0).ok());
  // Absurd array count must not allocate: 2^31-1 elements in 4 bytes.
  EXPECT_FALSE(DecodeBody<MetadataRequest>(Bytes({0x7f, 0xff, 0xff, 0xff}), 1).ok());
  // Compact length overflow (10-byte varint).
  EXPECT_FALSE(DecodeBody<ApiVersionsRequest>(
                   Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), 3)
                   .ok());
  // Tagged field larger than the rest.
  EXPECT_FALSE(DecodeBody<ApiVersionsRequest>(Bytes({1, 1, 1, 5, 9, 1}), 3).ok());
}

TEST(Malformed, UnknownTaggedFieldsAreSkipped) {
  // name "a", version "b", one tagged field (tag 7, size 2).
  auto m = DecodeBody<ApiVersionsRequest>(Bytes({2, 'a', 2, 'b', 1, 7, 2, 'x', 'y'}), 3);
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->client_software_name, "a");
}

TEST(ErrorCodes, StatusMapping) {
  EXPECT_EQ(ErrorFromStatus(Status::Ok()), ErrorCode::kNone);
  EXPECT_EQ(ErrorFromStatus(Status::NotFound("x")), ErrorCode::kUnknownTopicOrPartition);
  EXPECT_EQ(ErrorFromStatus(Status(StatusCode::kOutOfOrderSequence, "x")),
            ErrorCode::kOutOfOrderSequenceNumber);
  EXPECT_EQ(ErrorFromStatus(Status(StatusCode::kInvalidProducerEpoch, "x")),
            ErrorCode::kInvalidProducerEpoch);
  EXPECT_EQ(ErrorFromStatus(Status(StatusCode::kUnknownProducerId, "x")),
            ErrorCode::kUnknownProducerId);
  EXPECT_EQ(ErrorFromStatus(Status::Corruption("x")), ErrorCode::kCorruptMessage);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kMemberIdRequired), "MEMBER_ID_REQUIRED");
}

}  // namespace
}  // namespace meshd::kafka
