#pragma once
// Pipelines over a Kafka-protocol broker (`meshd serve --pipeline-brokers
// HOST:PORT`: another meshd's Kafka listener or a Kafka cluster), through
// librdkafka:
//
// - KafkaTaskInput: one librdkafka consumer PER TASK, without a group, that
//   assign()s the task's input partition and every join-table partition at
//   the offsets the task restored from its RocksDB checkpoint (re-assigning
//   when the task asks for another position: reset, retention).
//   Why per-task consumers rather than per-partition queues of the group
//   consumer: a task's offsets are its own (its join-table positions differ
//   from every other task's, so tables cannot be shared), a task opens and
//   closes independently on a rebalance, and a reset/replay is a plain
//   re-assign of one consumer without touching the group's assignment. The
//   cost is one broker connection per task, fine for tens of partitions.
// - KafkaTopicOutput: one idempotent producer per pipeline, shared by its
//   tasks; Flush() (checkpoint step 1) waits for every acknowledgement.
// - PipelineGroup: the pipeline's group membership, group.id
//   `__pipeline.<name>`, subscribed to the input topics with the range
//   assignor. It never reads records: the rebalance callback (run inside
//   Poll) tells the runner which partitions to close (before the revoke
//   returns, so final checkpoints and commits happen while this member still
//   owns them) and which to open; the assigned partitions are paused so the
//   group consumer does not fetch. It also commits the tasks' offsets at
//   each checkpoint (for lag tools; tasks restart from RocksDB, not from
//   these).
//
// Thread-safety: KafkaTaskInput belongs to one task; KafkaTopicOutput and
// PipelineGroup::Commit may be called from any thread; PipelineGroup::Poll
// from one thread (the runner's control thread).

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "storage/event_log.h"
#include "stream/task_input.h"

struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_topic_partition_list_s;

namespace meshd::stream {

class KafkaTaskInput final : public TaskInput {
 public:
  explicit KafkaTaskInput(std::string brokers) : brokers_(std::move(brokers)) {}
  ~KafkaTaskInput() override;
  Result<int32_t> PartitionCount(const std::string& topic) override;
  Result<PartitionBounds> Bounds(const std::string& topic, int32_t partition) override;
  Status TableEnds(const std::string& topic, std::vector<std::pair<int32_t, int64_t>>* ends) override;
  Status Read(const std::string& topic, int32_t partition, int64_t from, size_t max_records,
              std::vector<StreamRecord>* out, int64_t* next) override;
  std::string Describe() const override { return "kafka " + brokers_; }
  // The high watermark cached from fetch responses (no broker round trip).
  Result<int64_t> KnownEndOffset(const std::string& topic, int32_t partition) override;

 private:
  using Key = std::pair<std::string, int32_t>;
  struct Part {
    int64_t expected = 0;              // next offset the task will ask for
    std::deque<record::Record> buffered;  // fetched, not yet returned
  };
  Status EnsureClient();
  Status Reassign();
  // Moves fetched messages into the per-partition buffers until `want` has
  // `max` records or nothing more is ready (never blocks).
  Status Drain(const Key& want, size_t max);

  std::string brokers_;
  rd_kafka_s* rk_ = nullptr;
  std::map<Key, Part> parts_;
  std::map<std::string, int32_t> partition_counts_;
};

class KafkaTopicOutput final : public TopicOutput {
 public:
  static Result<std::shared_ptr<KafkaTopicOutput>> Create(const std::string& brokers, const std::string& client_id);
  ~KafkaTopicOutput() override;
  Result<int32_t> PartitionsFor(const std::string& topic, int32_t create_partitions) override;
  Status Append(const std::string& topic, int32_t partition, const std::vector<cloudevents::KafkaMessage>& msgs,
                const std::vector<int64_t>& ts) override;
  Status Flush() override;

 private:
  KafkaTopicOutput() = default;
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
  rd_kafka_s* rk_ = nullptr;
  std::mutex mu_;
  std::map<std::string, int32_t> partition_counts_;
  std::atomic<int64_t> failures_{0};
  std::string last_failure_;  // under mu_
};

// Partitions the range assignor gave this member, turned into tasks.
// A task p runs when partition p of EVERY input is assigned (inputs are
// co-partitioned, and the range assignor gives the same partition numbers of
// equally sized topics to the same member); partitions assigned for only
// some inputs are reported in `incomplete`.
struct TaskAssignment {
  std::vector<int32_t> tasks;       // sorted
  std::vector<int32_t> incomplete;  // sorted
};
TaskAssignment TasksFromAssignment(const std::vector<std::pair<std::string, int32_t>>& assigned,
                                   const std::vector<std::string>& inputs);
// Which tasks to close and open when the running set becomes `next`.
struct TaskChanges {
  std::vector<int32_t> close, open;
};
TaskChanges DiffTasks(const std::vector<int32_t>& running, const std::vector<int32_t>& next);

class PipelineGroup {
 public:
  struct Callbacks {
    // Called inside Poll(): close these tasks (final checkpoint) before returning.
    std::function<void(const std::vector<std::pair<std::string, int32_t>>& revoked)> on_revoke;
    std::function<void(const std::vector<std::pair<std::string, int32_t>>& assigned)> on_assign;
  };
  static Result<std::unique_ptr<PipelineGroup>> Join(const std::string& brokers, const std::string& group_id,
                                                     const std::vector<std::string>& topics, Callbacks cb,
                                                     int session_timeout_ms);
  ~PipelineGroup();
  // Serves the group protocol (heartbeats, rebalance callbacks) for up to timeout_ms.
  void Poll(int timeout_ms);
  // Leaves the group (the revoke callback runs first). Idempotent.
  void Leave();
  // Commits the tasks' next offsets to the group (asynchronous; errors are
  // only logged: these offsets are for lag tools).
  void Commit(const std::vector<storage::CommittedOffset>& offsets);
  const std::string& group_id() const { return group_id_; }
  int64_t rebalances() const { return rebalances_.load(); }
  std::string last_error() const;
  // The librdkafka rebalance callback (kafka_task_io.cc) forwards here.
  void HandleRebalance(bool assign, rd_kafka_topic_partition_list_s* partitions);
  void SetError(const std::string& e);

 private:
  PipelineGroup() = default;
  rd_kafka_s* rk_ = nullptr;
  std::string group_id_;
  Callbacks cb_;
  std::atomic<int64_t> rebalances_{0};
  std::atomic<bool> closed_{false};
  mutable std::mutex mu_;
  std::string last_error_;
};

}  // namespace meshd::stream
