// Handler-level tests against a real storage::LocalLog in a temp dir: the
// request is encoded, run through the handler (as the connection would) and
// the response decoded. Executor hooks run inline / on a helper thread, so
// long-poll timing is observable without sockets.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <thread>

#include "kafka/protocol/admin_messages.h"
#include "kafka/protocol/api_versions.h"
#include "kafka/protocol/fetch.h"
#include "kafka/protocol/group_messages.h"
#include "kafka/protocol/list_offsets.h"
#include "kafka/protocol/metadata.h"
#include "kafka/protocol/produce.h"
#include "kafka/server/handlers/handlers.h"
#include "record/record_batch.h"
#include "storage/local_log.h"

namespace meshd::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/meshd_kafka_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    storage::LocalLogOptions lo;
    lo.data_dir = dir_;
    lo.maintenance_interval_ms = 0;
    auto log = storage::LocalLog::Open(lo);
    ASSERT_TRUE(log.ok()) << log.error().ToString();
    log_ = std::move(*log);
    KafkaServerOptions opt;
    opt.advertised_host = "127.0.0.1";
    opt.advertised_port = 9092;
    opt.default_partitions = 2;
    broker_ = std::make_unique<BrokerState>(BrokerState{*log_, opt, nullptr, nullptr, nullptr});
    broker_->groups = std::make_unique<GroupCoordinator>(clock_, opt.groups);
    broker_->producer_ids = std::move(*ProducerIdAllocator::Open(dir_));
  }

  void TearDown() override {
    for (auto& t : timers_) t.join();
    log_->Close();
    std::filesystem::remove_all(dir_);
  }

  std::shared_ptr<RequestContext> Ctx(int16_t key, int16_t version) {
    RequestHeader h{key, version, 1, std::string("test")};
    return std::make_shared<RequestContext>(RequestContext{
        *broker_, nullptr, auth_, h, "127.0.0.1", [](std::function<void()> fn) { fn(); },
        [this](int64_t ms, std::function<void()> fn) -> std::function<void()> {
          auto cancelled = std::make_shared<std::atomic<bool>>(false);
          timers_.emplace_back([ms, fn, cancelled] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            if (!*cancelled) fn();
          });
          return [cancelled] { *cancelled = true; };
        }});
  }

  // Starts a request; the future yields the raw handler outcome.
  template <class Req>
  std::future<Result<std::optional<std::string>>> Start(const Req& req, int16_t version) {
    auto promise = std::make_shared<std::promise<Result<std::optional<std::string>>>>();
    auto fut = promise->get_future();
    std::string body = EncodeBody(req, version);
    Handler h = FindHandler(static_cast<int16_t>(Req::kApiKey));
    h(Ctx(static_cast<int16_t>(Req::kApiKey), version), body,
      [promise](Result<std::optional<std::string>> r) { promise->set_value(std::move(r)); });
    return fut;
  }

  template <class Resp, class Req>
  Resp Call(const Req& req, int16_t version) {
    auto fut = Start(req, version);
    EXPECT_EQ(fut.wait_for(10s), std::future_status::ready);
    auto r = fut.get();
    EXPECT_TRUE(r.ok() && r->has_value());
    auto resp = DecodeBody<Resp>(**r, version);
    EXPECT_TRUE(resp.ok()) << resp.error().ToString();
    return *resp;
  }

  static std::string Batch(int n, int64_t pid = -1, int32_t seq = -1) {
    record::RecordBatchBuilder b(record::Compression::kNone, pid, pid >= 0 ? 0 : -1, seq);
    for (int i = 0; i < n; ++i) b.Add(1000 + i, std::string("k"), "value-" + std::to_string(i));
    return b.Build();
  }

  ProduceRequest ProduceReq(const std::string& topic, int32_t partition, std::string batch,
                            int16_t acks = -1) {
    ProduceRequest req;
    req.acks = acks;
    req.timeout_ms = 1000;
    // The request's records are a view: keep the bytes alive for the test.
    batches_.push_back(std::move(batch));
    req.topics = {{topic, {{partition, std::string_view(batches_.back())}}}};
    return req;
  }

  FetchRequest FetchReq(const std::string& topic, int64_t offset, int32_t max_wait = 0) {
    FetchRequest f;
    f.max_wait_ms = max_wait;
    f.min_bytes = 1;
    f.max_bytes = 1 << 20;
    f.isolation_level = 1;
    f.topics = {{topic, {{0, -1, offset, -1, 1 << 20}}}};
    return f;
  }

  std::string dir_;
  ManualClock clock_{0};
  std::unique_ptr<storage::LocalLog> log_;
  std::unique_ptr<BrokerState> broker_;
  ConnectionAuth auth_{true};
  std::vector<std::thread> timers_;
  std::deque<std::string> batches_;  // records of ProduceReq requests
};

TEST_F(KafkaHandlerTest, ProduceAutoCreatesThenFetchReturnsBatchAndWatermarks) {
  auto p = Call<ProduceResponse>(ProduceReq("orders", 0, Batch(3)), 7);
  ASSERT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(p.topics[0].partitions[0].base_offset, 0);
  p = Call<ProduceResponse>(ProduceReq("orders", 0, Batch(2)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].base_offset, 3);
  EXPECT_EQ(log_->DescribeTopic("orders")->partitions.size(), 2u) << "default partitions";

  auto f = Call<FetchResponse>(FetchReq("orders", 3), 11);
  const auto& fp = f.topics[0].partitions[0];
  EXPECT_EQ(fp.error_code, 0);
  EXPECT_EQ(fp.high_watermark, 5);
  EXPECT_EQ(fp.last_stable_offset, 5) << "read_committed consumers need LSO = HWM";
  EXPECT_EQ(f.session_id, 0);
  auto batches = record::SplitBatches(*fp.records);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 1u);
  EXPECT_EQ(record::ParseHeader((*batches)[0])->base_offset, 3);
  // Fetch v4 (kafka-python) sees the same data.
  auto f4 = Call<FetchResponse>(FetchReq("orders", 0), 4);
  EXPECT_EQ(record::SplitBatches(*f4.topics[0].partitions[0].records)->size(), 2u);
}

TEST_F(KafkaHandlerTest, ProduceAcksZeroHasNoResponseButAppends) {
  auto fut = Start(ProduceReq("quiet", 0, Batch(1), /*acks=*/0), 7);
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  auto r = fut.get();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  ASSERT_TRUE(log_->GetOffsets("quiet", 0).ok());
  EXPECT_EQ(log_->GetOffsets("quiet", 0)->end_offset, 1);
}

TEST_F(KafkaHandlerTest, ProduceErrors) {
  ASSERT_TRUE(log_->CreateTopic("t", 1, storage::TopicConfig()).ok());
  auto p = Call<ProduceResponse>(ProduceReq("t", 5, Batch(1)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kUnknownTopicOrPartition));
  std::string legacy = Batch(1);
  legacy[16] = 1;  // magic 1 message set
  p = Call<ProduceResponse>(ProduceReq("t", 0, legacy), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kUnsupportedForMessageFormat));
  std::string corrupt = Batch(1);
  corrupt.back() ^= 0x5a;  // CRC no longer matches
  p = Call<ProduceResponse>(ProduceReq("t", 0, corrupt), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kCorruptMessage));
  p = Call<ProduceResponse>(ProduceReq("t", 0, Batch(1) + Batch(1)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kCorruptMessage))
      << "v3+ carries exactly one batch per partition";
  p = Call<ProduceResponse>(ProduceReq("bad/name", 0, Batch(1)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kInvalidTopicException));
}

// Stands in for the registry-backed validator: enabled by the topic configs
// schema.validation (values) and schema.key.validation (keys), rejects
// values and keys containing "bad".
class FakeRecordValidator final : public RecordValidator {
 public:
  bool Enabled(const std::string& topic, const storage::TopicConfig& config) const override {
    return config.raw.count("schema.validation") > 0 || KeysEnabled(topic, config);
  }
  bool KeysEnabled(const std::string&, const storage::TopicConfig& config) const override {
    return config.raw.count("schema.key.validation") > 0;
  }
  Status ValidateKeyBatch(const std::string& topic, const storage::TopicConfig&,
                          std::span<const std::string_view> keys, size_t* failed_index) override {
    for (size_t i = 0; i < keys.size(); ++i) {
      ++key_calls;
      if (keys[i].find("bad") != std::string_view::npos) {
        *failed_index = i;
        return Status::InvalidArgument("key of a record for topic '" + topic + "' is bad");
      }
    }
    return Status::Ok();
  }
  std::atomic<int> key_calls{0};
  Status Validate(const std::string& topic, const storage::TopicConfig& config,
                  std::string_view value) override {
    if (config.raw.count("schema.validation") == 0) return Status::Ok();  // as the registry's: mode none
    ++calls;
    if (value.find("bad") != std::string_view::npos) {
      return Status::InvalidArgument("value of a record for topic '" + topic + "' is bad");
    }
    return Status::Ok();
  }
  std::atomic<int> calls{0};
};

TEST_F(KafkaHandlerTest, ProduceRejectsBatchWithInvalidRecordWhenTopicValidates) {
  auto validator = std::make_shared<FakeRecordValidator>();
  broker_->options.record_validator = validator;
  auto cfg = storage::TopicConfig::FromMap({{"schema.validation", "strict"}});
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(log_->CreateTopic("checked", 1, *cfg).ok());
  ASSERT_TRUE(log_->CreateTopic("plain", 1, storage::TopicConfig()).ok());

  auto p = Call<ProduceResponse>(ProduceReq("checked", 0, Batch(2)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(validator->calls.load(), 2);

  record::RecordBatchBuilder b;
  b.Add(1000, std::string("k"), std::string("good"));
  b.Add(1001, std::string("k"), std::string("bad"));
  std::string mixed = b.Build();
  p = Call<ProduceResponse>(ProduceReq("checked", 0, mixed), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kInvalidRecord));
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 87);
  auto d = log_->DescribeTopic("checked");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->partitions[0].end_offset, 2) << "the whole batch was rejected";

  const int before = validator->calls.load();
  p = Call<ProduceResponse>(ProduceReq("plain", 0, mixed), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 0) << "no policy, no validation";
  EXPECT_EQ(validator->calls.load(), before);
}

TEST_F(KafkaHandlerTest, ProduceValidatesKeysWhenTopicValidatesKeys) {
  auto validator = std::make_shared<FakeRecordValidator>();
  broker_->options.record_validator = validator;
  auto cfg = storage::TopicConfig::FromMap({{"schema.key.validation", "strict"}});
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(log_->CreateTopic("keyed", 1, *cfg).ok());
  auto end_offset = [&] { return log_->DescribeTopic("keyed")->partitions[0].end_offset; };

  record::RecordBatchBuilder good;
  good.Add(1000, std::string("good-key"), std::string("bad value, but values are not validated here"));
  good.Add(1001, std::nullopt, std::string("no key: nothing to validate"));
  auto p = Call<ProduceResponse>(ProduceReq("keyed", 0, good.Build()), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(validator->key_calls.load(), 1) << "one non-null key";
  EXPECT_EQ(validator->calls.load(), 0) << "values are not validated on this topic";
  EXPECT_EQ(end_offset(), 2);

  record::RecordBatchBuilder bad;
  bad.Add(1002, std::string("good-key"), std::string("v"));
  bad.Add(1003, std::string("bad-key"), std::string("v"));
  p = Call<ProduceResponse>(ProduceReq("keyed", 0, bad.Build()), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, Wire(ErrorCode::kInvalidRecord));
  EXPECT_EQ(end_offset(), 2) << "the whole batch was rejected";
}

TEST_F(KafkaHandlerTest, IdempotentRetryGetsOriginalOffsetAndGapIsRejected) {
  auto init = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1);
  ASSERT_EQ(init.error_code, 0);
  int64_t pid = init.producer_id;
  auto b0 = Batch(2, pid, 0);
  auto first = Call<ProduceResponse>(ProduceReq("idem", 0, b0), 7);
  ASSERT_EQ(first.topics[0].partitions[0].error_code, 0);
  auto retry = Call<ProduceResponse>(ProduceReq("idem", 0, b0), 7);
  EXPECT_EQ(retry.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(retry.topics[0].partitions[0].base_offset, first.topics[0].partitions[0].base_offset);
  auto gap = Call<ProduceResponse>(ProduceReq("idem", 0, Batch(1, pid, 7)), 7);
  EXPECT_EQ(gap.topics[0].partitions[0].error_code,
            Wire(ErrorCode::kOutOfOrderSequenceNumber));
  EXPECT_EQ(log_->GetOffsets("idem", 0)->end_offset, 2);
  auto next = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1);
  EXPECT_NE(next.producer_id, pid);
}

// Diverts records whose value contains "bad" (what the contract quarantine does).
class FakeRecordGate final : public RecordGate {
 public:
  bool Enabled(const std::string& topic) override { return topic == "gated"; }
  Verdict Check(const std::string&, std::string_view value) override {
    Verdict v;
    if (value.find("bad") != std::string_view::npos) {
      v.divert = true;
      v.rule = "value.pattern";
      v.reason = "bad value";
    }
    return v;
  }
  Status Divert(const std::string&, int32_t, const std::vector<const record::Record*>& records,
                const std::vector<Verdict>&) override {
    for (const auto* r : records) diverted.push_back(*r->value);
    return Status::Ok();
  }
  std::vector<std::string> diverted;
};

std::string ValuesBatch(const std::vector<std::string>& values, int64_t pid, int32_t seq) {
  record::RecordBatchBuilder b(record::Compression::kNone, pid, pid >= 0 ? 0 : -1, seq);
  for (const auto& v : values) b.Add(1000, std::string("k"), v);
  return b.Build();
}

TEST_F(KafkaHandlerTest, GateDivertsRecordsAndKeepsTheIdempotentSequence) {
  auto gate = std::make_shared<FakeRecordGate>();
  broker_->options.record_gate = gate;
  ASSERT_TRUE(log_->CreateTopic("gated", 1, storage::TopicConfig()).ok());
  int64_t pid = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1).producer_id;

  // good, bad, good: stored without the bad one; its offset stays unused.
  auto b0 = ValuesBatch({"good-0", "bad-1", "good-2"}, pid, 0);
  auto p = Call<ProduceResponse>(ProduceReq("gated", 0, b0), 7);
  ASSERT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(p.topics[0].partitions[0].base_offset, 0);
  EXPECT_EQ(gate->diverted, std::vector<std::string>{"bad-1"});
  EXPECT_EQ(log_->GetOffsets("gated", 0)->end_offset, 3);
  auto f = Call<FetchResponse>(FetchReq("gated", 0), 11);
  auto batches = record::SplitBatches(*f.topics[0].partitions[0].records);
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ(batches->size(), 1u);
  auto recs = record::DecodeRecords((*batches)[0]);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ(*(*recs)[0].value, "good-0");
  EXPECT_EQ((*recs)[1].offset, 2);
  EXPECT_EQ(*(*recs)[1].value, "good-2");

  // A retry is still recognised as the same batch, and its bad record is
  // not quarantined a second time.
  p = Call<ProduceResponse>(ProduceReq("gated", 0, b0), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(p.topics[0].partitions[0].base_offset, 0);
  EXPECT_EQ(log_->GetOffsets("gated", 0)->end_offset, 3);
  EXPECT_EQ(gate->diverted, std::vector<std::string>{"bad-1"}) << "the retry diverted nothing";

  // Every record diverted: an empty batch keeps the sequence moving ...
  p = Call<ProduceResponse>(ProduceReq("gated", 0, ValuesBatch({"bad-3", "bad-4"}, pid, 3)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 0);
  // ... so the producer's next sequence is accepted.
  p = Call<ProduceResponse>(ProduceReq("gated", 0, ValuesBatch({"good-5"}, pid, 5)), 7);
  ASSERT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(p.topics[0].partitions[0].base_offset, 5);

  // Not idempotent and every record diverted: nothing stored.
  const int64_t end = log_->GetOffsets("gated", 0)->end_offset;
  p = Call<ProduceResponse>(ProduceReq("gated", 0, ValuesBatch({"bad-6"}, -1, -1)), 7);
  EXPECT_EQ(p.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(p.topics[0].partitions[0].base_offset, -1);
  EXPECT_EQ(log_->GetOffsets("gated", 0)->end_offset, end);
  EXPECT_EQ(gate->diverted.back(), "bad-6");
}

TEST_F(KafkaHandlerTest, FetchLongPollWakesOnAppend) {
  ASSERT_TRUE(log_->CreateTopic("lp", 1, storage::TopicConfig()).ok());
  auto start = std::chrono::steady_clock::now();
  auto fut = Start(FetchReq("lp", 0, /*max_wait=*/5000), 11);
  EXPECT_EQ(fut.wait_for(200ms), std::future_status::timeout) << "must wait for data";
  ASSERT_TRUE(log_->Append("lp", 0, Batch(1)).ok());
  ASSERT_EQ(fut.wait_for(3s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  auto r = fut.get();
  auto f = DecodeBody<FetchResponse>(**r, 11);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->topics[0].partitions[0].high_watermark, 1);
  EXPECT_FALSE(f->topics[0].partitions[0].records->empty());
}

TEST_F(KafkaHandlerTest, FetchLongPollTimesOutEmpty) {
  ASSERT_TRUE(log_->CreateTopic("idle", 1, storage::TopicConfig()).ok());
  auto start = std::chrono::steady_clock::now();
  auto fut = Start(FetchReq("idle", 0, /*max_wait=*/300), 11);
  ASSERT_EQ(fut.wait_for(5s), std::future_status::ready);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
  auto f = DecodeBody<FetchResponse>(**fut.get(), 11);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->topics[0].partitions[0].records->empty());
}

TEST_F(KafkaHandlerTest, FetchUnknownTopic) {
  auto f = Call<FetchResponse>(FetchReq("nope", 0), 11);
  EXPECT_EQ(f.topics[0].partitions[0].error_code, Wire(ErrorCode::kUnknownTopicOrPartition));
}

TEST_F(KafkaHandlerTest, MetadataAllNamedAndAutoCreatePolicy) {
  ASSERT_TRUE(log_->CreateTopic("a", 3, storage::TopicConfig()).ok());
  MetadataRequest all;
  auto m = Call<MetadataResponse>(all, 1);
  ASSERT_EQ(m.brokers.size(), 1u);
  EXPECT_EQ(m.brokers[0].port, 9092);
  bool found = false;
  for (auto& t : m.topics) {
    if (t.name == "a") {
      found = true;
      EXPECT_EQ(t.partitions.size(), 3u);
      EXPECT_EQ(t.partitions[0].leader_id, 0);
    }
  }
  EXPECT_TRUE(found);
  MetadataRequest none;
  none.topics = std::vector<std::string>{};
  EXPECT_TRUE(Call<MetadataResponse>(none, 1).topics.empty()) << "v1 empty list = no topics";
  MetadataRequest no_create;
  no_create.topics = std::vector<std::string>{"fresh"};
  no_create.allow_auto_topic_creation = false;
  auto r = Call<MetadataResponse>(no_create, 4);
  EXPECT_EQ(r.topics[0].error_code, Wire(ErrorCode::kUnknownTopicOrPartition));
  no_create.allow_auto_topic_creation = true;
  r = Call<MetadataResponse>(no_create, 4);
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].partitions.size(), 2u);
}

TEST_F(KafkaHandlerTest, CreateTopicsDefaultsAndErrors) {
  CreateTopicsRequest req;
  req.topics = {{"dflt", -1, -1, {}, {}},
                {"three", 3, 1, {}, {{"retention.ms", std::string("60000")}}},
                {"rf3", 1, 3, {}, {}},
                {"badcfg", 1, 1, {}, {{"no.such.key", std::string("1")}}}};
  auto r = Call<CreateTopicsResponse>(req, 4);
  ASSERT_EQ(r.topics.size(), 4u);
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(log_->DescribeTopic("dflt")->partitions.size(), 2u);
  EXPECT_EQ(r.topics[1].error_code, 0);
  EXPECT_EQ(log_->DescribeTopic("three")->config.retention_ms, 60000);
  EXPECT_EQ(r.topics[2].error_code, Wire(ErrorCode::kInvalidReplicationFactor));
  EXPECT_EQ(r.topics[3].error_code, Wire(ErrorCode::kInvalidConfig));
  r = Call<CreateTopicsResponse>(req, 4);
  EXPECT_EQ(r.topics[0].error_code, Wire(ErrorCode::kTopicAlreadyExists));

  DescribeConfigsRequest dc;
  dc.resources = {{2, "three", std::vector<std::string>{"retention.ms"}}};
  auto d = Call<DescribeConfigsResponse>(dc, 1);
  ASSERT_EQ(d.results[0].configs.size(), 1u);
  EXPECT_EQ(*d.results[0].configs[0].value, "60000");
  EXPECT_EQ(d.results[0].configs[0].config_source, 1);

  DeleteTopicsRequest del{{"dflt", "ghost"}, 1000};
  auto dr = Call<DeleteTopicsResponse>(del, 3);
  EXPECT_EQ(dr.responses[0].error_code, 0);
  EXPECT_EQ(dr.responses[1].error_code, Wire(ErrorCode::kUnknownTopicOrPartition));
}

TEST_F(KafkaHandlerTest, ListOffsetsEarliestLatestAndV0) {
  ASSERT_TRUE(log_->CreateTopic("lo", 1, storage::TopicConfig()).ok());
  ASSERT_TRUE(log_->Append("lo", 0, Batch(4)).ok());
  ListOffsetsRequest req;
  req.isolation_level = 1;
  req.topics = {{"lo", {{0, -1, 1}}}};
  EXPECT_EQ(Call<ListOffsetsResponse>(req, 2).topics[0].partitions[0].offset, 4);
  req.topics[0].partitions[0].timestamp = -2;
  EXPECT_EQ(Call<ListOffsetsResponse>(req, 3).topics[0].partitions[0].offset, 0);
  req.topics[0].partitions[0].timestamp = -1;
  auto v0 = Call<ListOffsetsResponse>(req, 0);
  EXPECT_EQ(v0.topics[0].partitions[0].old_style_offsets, std::vector<int64_t>{4});
}

TEST_F(KafkaHandlerTest, OffsetCommitAndFetchShareTheLogNamespace) {
  OffsetCommitRequest oc;
  oc.group_id = "g";
  oc.topics = {{"t", {{0, 17, -1, -1, std::string("md")}}}};
  auto c = Call<OffsetCommitResponse>(oc, 2);
  EXPECT_EQ(c.topics[0].partitions[0].error_code, 0);
  EXPECT_EQ(log_->FetchCommitted("g", "t", 0)->offset, 17);
  OffsetFetchRequest of;
  of.group_id = "g";
  auto all = Call<OffsetFetchResponse>(of, 5);  // null topics = everything
  ASSERT_EQ(all.topics.size(), 1u);
  EXPECT_EQ(all.topics[0].partitions[0].committed_offset, 17);
  EXPECT_EQ(*all.topics[0].partitions[0].metadata, "md");
  of.topics = std::vector<OffsetFetchRequest::Topic>{{"t", {0, 1}}};
  auto some = Call<OffsetFetchResponse>(of, 1);
  EXPECT_EQ(some.topics[0].partitions[1].committed_offset, -1);
  // A member-style commit for a group with no such member is refused.
  oc.generation_id = 3;
  oc.member_id = "ghost";
  c = Call<OffsetCommitResponse>(oc, 7);
  EXPECT_EQ(c.topics[0].partitions[0].error_code, Wire(ErrorCode::kUnknownMemberId));
}

TEST_F(KafkaHandlerTest, ApiVersionsUnsupportedVersionAnswersV0WithError) {
  auto fut = Start(ApiVersionsRequest{}, 9);
  auto r = fut.get();
  ASSERT_TRUE(r.ok() && r->has_value());
  auto v0 = DecodeBody<ApiVersionsResponse>(**r, 0);
  ASSERT_TRUE(v0.ok());
  EXPECT_EQ(v0->error_code, Wire(ErrorCode::kUnsupportedVersion));
  EXPECT_EQ(v0->api_keys.size(), SupportedApis().size());
  auto v3 = Call<ApiVersionsResponse>(ApiVersionsRequest{"confluent-kafka-python",
                                                        "1.7.0-rdkafka-2.0.2"}, 3);
  EXPECT_EQ(v3.error_code, 0);
  EXPECT_EQ(v3.api_keys.size(), SupportedApis().size());
  auto bad = Call<ApiVersionsResponse>(ApiVersionsRequest{"bad name!", "1"}, 3);
  EXPECT_EQ(bad.error_code, Wire(ErrorCode::kInvalidRequest));
}

TEST_F(KafkaHandlerTest, UndecodableBodyFailsTheRequest) {
  Handler h = FindHandler(static_cast<int16_t>(ApiKey::kProduce));
  std::promise<Result<std::optional<std::string>>> p;
  h(Ctx(0, 7), std::string("\x00\x01", 2),
    [&](Result<std::optional<std::string>> r) { p.set_value(std::move(r)); });
  EXPECT_FALSE(p.get_future().get().ok());
}

}  // namespace
}  // namespace meshd::kafka
