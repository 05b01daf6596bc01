// Produce: each partition's RecordBatch v2 goes to EventLog::AppendAsync
// as received (the log validates CRC and idempotent sequences and assigns
// offsets). acks=0 gets no response; otherwise the response is sent when
// every partition's append is durable per the topic's fsync policy, without
// blocking an I/O thread.
//
// Topics whose `schema.validation` policy is warn/strict (see
// RecordValidator) have their batch decoded and every record value checked
// before the append (and every non-null key, under `schema.key.validation`);
// a failing record rejects the whole partition batch with INVALID_RECORD
// (Produce v8+ record_errors are not served: we answer <= v7).
//
// Topics that are data-product output ports with a contract (RecordGate)
// have every record value checked; records an on_violation=quarantine rule
// diverts go to `<topic>.quarantine` and the batch is stored without them.
#include "kafka/protocol/produce.h"

#include <atomic>
#include <mutex>
#include <span>

#include "base/endian.h"
#include "base/logging.h"
#include "kafka/server/handlers/handler_util.h"
#include "kafka/server/handlers/handlers.h"
#include "kafka/server/topic_helpers.h"
#include "record/record_batch.h"

namespace meshd::kafka {
namespace {

// Cheap checks before handing bytes to the log: exactly one v2 batch.
ErrorCode CheckRecords(const std::optional<std::string_view>& records) {
  if (!records || records->size() < record::kBatchHeaderSize) return ErrorCode::kCorruptMessage;
  int8_t magic = static_cast<int8_t>((*records)[16]);
  if (magic == 0 || magic == 1) return ErrorCode::kUnsupportedForMessageFormat;
  if (magic != record::kMagicV2) return ErrorCode::kCorruptMessage;
  int32_t batch_length = LoadBE<int32_t>(records->data() + 8);
  if (batch_length < 0 ||
      static_cast<size_t>(batch_length) + record::kLogOverhead != records->size()) {
    return ErrorCode::kCorruptMessage;  // not exactly one batch (Kafka: v3+ rule)
  }
  return ErrorCode::kNone;
}

// Runs the schema validator over every data record of `batch`: the values,
// and the keys when the topic validates keys too. kNone when every one
// passes. Null values (tombstones: they delete, and carry no payload to
// check) and null keys (no key: the partitioner's choice) are not validated.
ErrorCode ValidateRecords(RecordValidator& validator, const std::string& topic,
                          int32_t partition, const storage::TopicConfig& config,
                          std::string_view batch) {
  auto header = record::ParseHeader(batch);
  if (!header.ok()) return ErrorCode::kCorruptMessage;
  if (header->control()) return ErrorCode::kNone;
  // Views into the request buffer (or one decompression buffer): a valid
  // record costs no allocation or copy here. Reused per I/O thread.
  thread_local std::string decompressed;
  thread_local std::vector<record::RecordView> records;
  thread_local std::vector<std::string_view> fields;
  thread_local std::vector<size_t> record_index;
  if (Status d = record::DecodeRecordViews(batch, &decompressed, &records); !d.ok()) {
    logging::Get("kafka")->warn("produce rejected topic={} partition={}: {}", topic, partition, d.message());
    return ErrorCode::kCorruptMessage;
  }
  // One side of the records (values, or keys) through its check.
  auto check = [&](bool keys) {
    fields.clear();
    record_index.clear();
    for (size_t i = 0; i < records.size(); ++i) {
      const auto& field = keys ? records[i].key : records[i].value;
      if (!field) continue;
      fields.push_back(*field);
      record_index.push_back(i);
    }
    size_t failed = 0;
    Status s = keys ? validator.ValidateKeyBatch(topic, config, fields, &failed)
                    : validator.ValidateBatch(topic, config, fields, &failed);
    if (s.ok()) return true;
    logging::Get("kafka")->warn(
        "produce rejected (INVALID_RECORD) topic={} partition={} record_index={}: {}", topic,
        partition, failed < record_index.size() ? record_index[failed] : failed, s.message());
    return false;
  };
  const bool ok = check(/*keys=*/false) && (!validator.KeysEnabled(topic, config) || check(/*keys=*/true));
  if (decompressed.capacity() > (1u << 20)) std::string().swap(decompressed);  // keep no huge buffer
  return ok ? ErrorCode::kNone : ErrorCode::kInvalidRecord;
}

// An idempotent producer's retry of a batch the log already holds: the
// append answers it with the original offsets and stores nothing, so the
// gate must not divert its records to quarantine a second time.
bool IsRetriedBatch(const storage::EventLog& log, const std::string& topic, int32_t partition,
                    std::string_view batch) {
  auto header = record::ParseHeader(batch);
  return header.ok() && header->producer_id >= 0 && log.IsDuplicateBatch(topic, partition, *header);
}

// Runs the contract gate over the data records of `batch`. When some are
// diverted, *rebuilt receives the batch without them (see record_gate.h for
// what stays the same, and why) and *skip is set when nothing is left to
// append. Divert errors fail the partition.
ErrorCode GateRecords(RecordGate& gate, const std::string& topic, int32_t partition, std::string_view batch,
                      std::string* rebuilt, bool* skip) {
  auto header = record::ParseHeader(batch);
  if (!header.ok()) return ErrorCode::kCorruptMessage;
  if (header->control()) return ErrorCode::kNone;
  auto records = record::DecodeRecords(batch);
  if (!records.ok()) return ErrorCode::kCorruptMessage;
  std::vector<const record::Record*> diverted;
  std::vector<RecordGate::Verdict> why;
  std::vector<bool> keep(records->size(), true);
  for (size_t i = 0; i < records->size(); ++i) {
    const auto& value = (*records)[i].value;
    if (!value) continue;
    RecordGate::Verdict v = gate.Check(topic, *value);
    if (!v.divert) continue;
    keep[i] = false;
    diverted.push_back(&(*records)[i]);
    why.push_back(std::move(v));
  }
  if (diverted.empty()) return ErrorCode::kNone;
  if (Status s = gate.Divert(topic, partition, diverted, why); !s.ok()) {
    logging::Get("kafka")->error("produce topic={} partition={}: quarantine failed: {}", topic, partition,
                                 s.ToString());
    return ErrorFromStatus(s);
  }
  const record::BatchHeader& h = *header;
  if (diverted.size() == records->size() && h.producer_id < 0) {
    *skip = true;
    return ErrorCode::kNone;
  }
  record::RecordBatchBuilder builder(h.compression(), h.producer_id, h.producer_epoch, h.base_sequence);
  for (size_t i = 0; i < records->size(); ++i) {
    if (!keep[i]) continue;
    const record::Record& r = (*records)[i];
    std::optional<std::string_view> key, value;
    if (r.key) key = *r.key;
    if (r.value) value = *r.value;
    builder.AddWithOffsetDelta(static_cast<int32_t>(r.offset - h.base_offset), r.timestamp, key, value, r.headers);
  }
  builder.SetLastOffsetDelta(h.last_offset_delta);
  *rebuilt = builder.Build();
  return ErrorCode::kNone;
}

struct PendingProduce {
  std::mutex mu;
  ProduceResponse resp;
  std::atomic<int> outstanding{0};
  std::shared_ptr<RequestContext> ctx;
  HandlerDone done;

  void Finish() {
    if (--outstanding == 0) {
      std::lock_guard lock(mu);
      Reply(*ctx, done, resp);
    }
  }
};

}  // namespace

MESHD_KAFKA_HANDLER(Produce) {
  KAFKA_DECODE_OR_FAIL(ProduceRequest, req);
  auto state = std::make_shared<PendingProduce>();
  state->ctx = ctx;
  state->done = done;
  const bool no_response = req.acks == 0;
  ErrorCode request_error = ErrorCode::kNone;
  if (req.acks != 0 && req.acks != 1 && req.acks != -1) {
    request_error = ErrorCode::kInvalidRequiredAcks;
  } else if (req.transactional_id && !req.transactional_id->empty()) {
    request_error = ErrorCode::kTransactionalIdAuthorizationFailed;  // no transactions yet
  }

  struct Job {
    size_t t, p;
    std::string topic;
    int32_t partition;
    // Points into the request frame, which the connection lets us modify in
    // place until this handler returns: the log appends from it without a
    // copy (AppendAsyncInPlace rewrites BaseOffset there).
    std::span<char> records;
    // The batch without contract-diverted records, when the gate removed
    // some (appended instead of `records`).
    std::string rebuilt;
    std::span<char> bytes() { return rebuilt.empty() ? records : std::span<char>(rebuilt.data(), rebuilt.size()); }
  };
  std::vector<Job> jobs;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    auto& t = req.topics[ti];
    ProduceResponse::Topic rt;
    rt.name = t.name;
    std::optional<storage::TopicDescription> desc;
    ErrorCode topic_error = request_error;
    // Checked before DescribeOrCreate so a refused principal cannot
    // auto-create the topic either.
    if (AccessHook* access = ctx->broker.options.access.get();
        topic_error == ErrorCode::kNone && access != nullptr &&
        !access->Authorize(ctx->auth.principal, AccessHook::Operation::kWrite, t.name)) {
      topic_error = ErrorCode::kTopicAuthorizationFailed;
    }
    if (topic_error == ErrorCode::kNone) {
      auto d = DescribeOrCreate(ctx->broker, t.name, /*may_create=*/true);
      if (d.ok()) {
        desc = std::move(*d);
      } else {
        topic_error = d.error().IsNotFound() ? ErrorCode::kUnknownTopicOrPartition
                                             : ErrorFromStatus(d.error());
        if (!ValidTopicName(t.name)) topic_error = ErrorCode::kInvalidTopicException;
      }
    }
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      auto& p = t.partitions[pi];
      ProduceResponse::Partition rp;
      rp.index = p.index;
      rp.error_code = Wire(topic_error);
      if (topic_error == ErrorCode::kNone) {
        if (p.index < 0 || p.index >= static_cast<int32_t>(desc->partitions.size())) {
          rp.error_code = Wire(ErrorCode::kUnknownTopicOrPartition);
        } else if (ErrorCode e = CheckRecords(p.records); e != ErrorCode::kNone) {
          rp.error_code = Wire(e);
        } else if (RecordValidator* v = ctx->broker.options.record_validator.get();
                   v != nullptr && v->Enabled(t.name, desc->config) &&
                   (e = ValidateRecords(*v, t.name, p.index, desc->config, *p.records)) !=
                       ErrorCode::kNone) {
          rp.error_code = Wire(e);
        } else {
          std::string rebuilt;
          bool skip = false;
          if (RecordGate* g = ctx->broker.options.record_gate.get();
              g != nullptr && g->Enabled(t.name) &&
              !IsRetriedBatch(ctx->broker.log, t.name, p.index, *p.records) &&
              (e = GateRecords(*g, t.name, p.index, *p.records, &rebuilt, &skip)) != ErrorCode::kNone) {
            rp.error_code = Wire(e);
          } else if (skip) {
            rp.base_offset = -1;  // every record went to quarantine: nothing to store
          } else {
            jobs.push_back({ti, pi, t.name, p.index,
                            std::span<char>(const_cast<char*>(p.records->data()), p.records->size()),
                            std::move(rebuilt)});
          }
        }
      }
      rt.partitions.push_back(rp);
    }
    state->resp.topics.push_back(std::move(rt));
  }

  if (no_response) {
    for (auto& j : jobs) {
      ctx->broker.log.AppendAsyncInPlace(j.topic, j.partition, j.bytes(),
                                         [](Result<storage::AppendResult>) {});
    }
    done(std::optional<std::string>());
    return;
  }
  // +1 guards against completing before every append has been issued.
  state->outstanding = static_cast<int>(jobs.size()) + 1;
  for (auto& j : jobs) {
    size_t t = j.t, p = j.p;
    ctx->broker.log.AppendAsyncInPlace(
        j.topic, j.partition, j.bytes(),
        [state, t, p](Result<storage::AppendResult> r) {
          {
            std::lock_guard lock(state->mu);
            auto& rp = state->resp.topics[t].partitions[p];
            if (r.ok()) {
              rp.base_offset = r->base_offset;
              rp.log_append_time_ms = r->log_append_time_ms;
              rp.log_start_offset = r->log_start_offset;
            } else {
              rp.error_code = Wire(ErrorFromStatus(r.error()));
            }
          }
          state->Finish();
        });
  }
  state->Finish();
}

}  // namespace meshd::kafka
