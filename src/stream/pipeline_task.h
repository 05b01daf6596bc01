#pragma once
// PipelineTask: one pipeline on one input partition. Reads its partition of
// every input topic and all partitions of the join tables, runs the operator
// chain, and at each checkpoint makes the effects durable in this order:
//
//   1. topic and bus outputs are appended (durable per the topic's policy);
//   2. table rows AND the task's input offsets + checkpoint id are written in
//      ONE warehouse transaction (TableSink::Commit);
//   3. operator state + the same offsets + checkpoint id go into ONE RocksDB
//      WriteBatch (synced) under <data-dir>/stream/<pipeline>/<partition>.
//
// A crash between any two steps leaves RocksDB at checkpoint k-1 and the
// warehouse at k-1 or k. On restart the task restores the RocksDB state and
// replays its input from the RocksDB offsets; operators are deterministic and
// table rows are upserts by key, so rows re-emitted for (k-1, k] overwrite
// themselves with the same values and the tables end up equal to an
// uninterrupted run. The warehouse's progress row is authoritative for
// detecting the impossible order: if it is missing or older than RocksDB
// (warehouse.db deleted or restored from backup), the task discards its state
// and rebuilds from the beginning of the input. Topic/bus outputs of (k-1, k]
// are appended again on replay with the same deterministic CloudEvent ids
// (at-least-once; consumers dedup by id).
//
// Thread-safety: Step/Checkpoint/Close from one worker thread; Describe and
// Metrics from any thread (one mutex).

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/event_log.h"
#include "stream/operator_chain.h"
#include "stream/pipeline_metrics.h"
#include "stream/pipeline_spec.h"
#include "stream/task_input.h"
#include "warehouse/table_sink.h"

namespace rocksdb {
class DB;
}

namespace meshd::stream {

struct TaskContext {
  storage::EventLog* log = nullptr;      // bus outputs; inputs/outputs/commits unless set below
  warehouse::TableSink* sink = nullptr;  // required when the pipeline has table outputs
  std::string state_dir;                 // <data-dir>/stream/<pipeline>/<partition>
  size_t max_pending_outputs = 20000;    // checkpoint early past this many outputs
  // Where inputs and join tables are read and topic outputs appended;
  // null = this process's log (LocalLogInput / LocalLogOutput).
  std::shared_ptr<TaskInput> input;
  std::shared_ptr<TopicOutput> topic_output;
  // Group offsets after each checkpoint (visibility for lag tools); null =
  // EventLog::CommitOffsets on group `__pipeline.<name>`.
  std::function<void(const std::vector<storage::CommittedOffset>&)> commit_offsets;
  // Observes each completed checkpoint's duration (seconds); may be null.
  metrics::Histogram* checkpoint_seconds = nullptr;
};

class PipelineTask {
 public:
  PipelineTask(std::shared_ptr<const PipelineSpec> spec, int32_t partition, TaskContext ctx);
  ~PipelineTask();
  PipelineTask(const PipelineTask&) = delete;
  PipelineTask& operator=(const PipelineTask&) = delete;

  // Opens RocksDB, restores state and offsets, reconciles with the sink.
  // Unavailable while an input topic does not exist yet.
  Status Open();
  // Reads and processes up to `max_records` stream records (after catching
  // up the join tables). Returns whether anything was read.
  Result<bool> Step(size_t max_records = 2000);
  bool CheckpointDue() const;
  Status Checkpoint();
  // Final checkpoint and close.
  void Close();
  // Close() for good: the partition moved to another process (rebalance) or
  // the pipeline stops; Open() fails from now on, so a worker still holding
  // the task cannot reopen it.
  void Retire();

  int32_t partition() const { return partition_; }
  boost::json::object Describe() const;
  // The numbers behind the meshd_pipeline_* metrics (pipeline_metrics.h);
  // input lag from the input's known end offsets (no network wait).
  TaskMetrics Metrics() const;

  // Test hook: Checkpoint() stops right after the warehouse commit, as if the
  // process died before the RocksDB write.
  void set_crash_after_sink_commit_for_test(bool v) { crash_after_sink_ = v; }
  // Test hook: end of input — fire every window, release every buffered join.
  void FlushForTest();

 private:
  using Offsets = std::map<std::pair<std::string, int32_t>, int64_t>;
  Status CatchUpTables();
  // Moves the chain's outputs into pending_ (topic and bus outputs) and
  // pending_rows_ (table outputs).
  void TakePending();
  Status WriteOutputs(const std::vector<EmittedRecord>& outputs);
  std::string OffsetsJson() const;
  Status ResetState(const std::string& why);
  Status OpenDb();

  std::shared_ptr<const PipelineSpec> spec_;
  int32_t partition_;
  TaskContext ctx_;
  std::shared_ptr<TaskInput> input_;
  std::shared_ptr<TopicOutput> topic_output_;
  std::unique_ptr<OperatorChain> chain_;
  std::vector<std::string> table_topics_;
  bool has_table_output_ = false;

  mutable std::mutex mu_;
  rocksdb::DB* db_ = nullptr;
  Offsets offsets_;             // stream inputs and table partitions: next offset to read
  int64_t next_checkpoint_ = 1;
  int64_t last_checkpoint_ = 0;
  std::vector<EmittedRecord> pending_;  // topic/bus outputs taken from the chain, not yet durable
  std::vector<warehouse::SinkRow> pending_rows_;  // table outputs, likewise (kept for a retried commit)
  bool topics_written_ = false;         // step 1 done for pending_ (retry skips it)
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_checkpoint_time_;
  bool crash_after_sink_ = false;
  bool open_ = false;
  bool retired_ = false;
  bool step_failing_ = false;        // the last Step returned an error
  bool checkpoint_failing_ = false;  // the last Checkpoint returned an error

  // Counters for Describe.
  int64_t records_in_ = 0, records_out_ = 0, table_records_ = 0, decode_errors_ = 0, bus_errors_ = 0;
  int64_t checkpoints_ = 0;
  double last_checkpoint_ms_ = 0;
  std::string last_error_;
  std::string restored_from_;
};

}  // namespace meshd::stream
