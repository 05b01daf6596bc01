#pragma once
// Where a PipelineTask reads its inputs and join tables (TaskInput) and
// appends its topic outputs (TopicOutput). Two implementations each:
//
// - the embedded log of this process (LocalLogInput / LocalLogOutput, here):
//   the default; reads are file slices of whole batches decoded in place;
// - a Kafka-protocol broker through librdkafka (kafka_task_io.h), used with
//   `meshd serve --pipeline-brokers HOST:PORT`, so that several meshd
//   processes can split one pipeline's partitions.
//
// Both produce the same StreamRecord values for the same record
// (DecodeStreamRecord), so operators and their checkpoints do not know which
// one feeds them. Bus outputs and group offsets are not here: buses are
// always local (the task writes `_bus.<name>` in its own log) and group
// offsets go through TaskContext::commit_offsets.
//
// Thread-safety: an input belongs to one task (one thread at a time); a
// TopicOutput may be shared by the tasks of a pipeline (thread-safe).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "cloudevents/kafka_binding.h"
#include "record/record_batch.h"
#include "storage/event_log.h"
#include "stream/stream_record.h"

namespace meshd::stream {

struct PartitionBounds {
  int64_t start_offset = 0;  // first retained offset
  int64_t end_offset = 0;    // next offset to be written (high watermark)
};

class TaskInput {
 public:
  virtual ~TaskInput() = default;
  // Partitions of `topic`; Unavailable while it does not exist.
  virtual Result<int32_t> PartitionCount(const std::string& topic) = 0;
  virtual Result<PartitionBounds> Bounds(const std::string& topic, int32_t partition) = 0;
  // (partition, end offset) of every partition of a join table topic, as
  // far as this input knows them now; used to catch tables up before each
  // batch. Unavailable while the topic does not exist.
  virtual Status TableEnds(const std::string& topic, std::vector<std::pair<int32_t, int64_t>>* ends) = 0;
  // Decodes up to `max_records` records of topic/partition at offsets >=
  // `from` into *out (appending). *next = the offset to read next, which may
  // be past the last record returned (control batches, compacted gaps) or
  // past `from` with no record (retention moved the start).
  virtual Status Read(const std::string& topic, int32_t partition, int64_t from, size_t max_records,
                      std::vector<StreamRecord>* out, int64_t* next) = 0;
  // A short name for GET /v1/pipelines/{name} ("local log", "kafka HOST:PORT").
  virtual std::string Describe() const = 0;
  // The end offset of topic/partition as known now, for the lag metric at
  // scrape time: must not wait on the network (Unavailable when unknown).
  virtual Result<int64_t> KnownEndOffset(const std::string& topic, int32_t partition) {
    MESHD_ASSIGN_OR_RETURN(auto b, Bounds(topic, partition));
    return b.end_offset;
  }
};

class TopicOutput {
 public:
  virtual ~TopicOutput() = default;
  // Partitions of output `topic`, created with `create_partitions` if it is
  // missing (the Kafka output relies on the broker's auto-creation instead).
  virtual Result<int32_t> PartitionsFor(const std::string& topic, int32_t create_partitions) = 0;
  // Appends `msgs` (timestamps `ts`, same length) to topic/partition, in order.
  virtual Status Append(const std::string& topic, int32_t partition,
                        const std::vector<cloudevents::KafkaMessage>& msgs, const std::vector<int64_t>& ts) = 0;
  // Everything appended so far is durable (acknowledged) when this returns Ok.
  virtual Status Flush() = 0;
};

// One Kafka record as the pipeline sees it: the CloudEvent data object (or
// {"value": ...}), id/source/type, timestamp (the CloudEvent time when
// present). Plain records without headers take a fast path (one JSON parse).
void DecodeStreamRecord(const record::Record& r, const std::string& topic, int32_t partition, StreamRecord* sr);

class LocalLogInput final : public TaskInput {
 public:
  explicit LocalLogInput(storage::EventLog& log) : log_(log) {}
  Result<int32_t> PartitionCount(const std::string& topic) override;
  Result<PartitionBounds> Bounds(const std::string& topic, int32_t partition) override;
  Status TableEnds(const std::string& topic, std::vector<std::pair<int32_t, int64_t>>* ends) override;
  Status Read(const std::string& topic, int32_t partition, int64_t from, size_t max_records,
              std::vector<StreamRecord>* out, int64_t* next) override;
  std::string Describe() const override { return "local log"; }

 private:
  storage::EventLog& log_;
};

class LocalLogOutput final : public TopicOutput {
 public:
  explicit LocalLogOutput(storage::EventLog& log) : log_(log) {}
  Result<int32_t> PartitionsFor(const std::string& topic, int32_t create_partitions) override;
  Status Append(const std::string& topic, int32_t partition, const std::vector<cloudevents::KafkaMessage>& msgs,
                const std::vector<int64_t>& ts) override;
  Status Flush() override { return Status::Ok(); }  // Append is durable per the topic's policy

 private:
  storage::EventLog& log_;
};

}  // namespace meshd::stream
