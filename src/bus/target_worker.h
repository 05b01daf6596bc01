#pragma once
// TargetWorker: the delivery loop of one (rule, target) pair.
//
// The bus router hands it matched events (partition, offset, event) in log
// order. It delivers them one at a time, so order holds per target per
// partition, retrying with RetryPolicy + backoff, and sends what cannot be
// delivered to the dead-letter topic. Its position is the consumer group
// `__bus.<bus>.<rule>.<target id>` on the bus topic: the committed offset
// advances past an event only once it is delivered or dead-lettered, and
// while an event is being retried the commit metadata holds the attempt count
// and first-attempt time (RetryState). After a crash the router starts again
// at the minimum committed offset of its targets; each worker skips what it
// has already finished and continues a retry where it left off. Delivery is
// therefore at-least-once.
//
// Thread-safety: Enqueue() from the router thread; Stop()/committed() from any
// thread. Delivery runs on the worker's own thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bus/model.h"
#include "bus/retry_policy.h"
#include "bus/target.h"
#include "metrics/metrics.h"
#include "storage/event_log.h"

namespace meshd::bus {

struct DeliveryItem {
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;  // ingest time (age limit and latency start here)
  std::string event_json;
  std::string event_id;
  std::string replay_name;
};

struct WorkerConfig {
  std::string bus;
  std::string rule;
  std::string region = "local";
  std::string topic;  // the bus topic
  int32_t partitions = 1;
  TargetSpec target;
  BackoffOptions backoff;
  size_t queue_capacity = 10000;
};

class TargetWorker {
 public:
  TargetWorker(storage::EventLog& log, WorkerConfig config, std::unique_ptr<Target> target);
  ~TargetWorker();
  TargetWorker(const TargetWorker&) = delete;
  TargetWorker& operator=(const TargetWorker&) = delete;

  static std::string GroupName(const std::string& bus, const std::string& rule,
                               const std::string& target_id);
  const std::string& group() const { return group_; }

  // Loads committed offsets; partitions without one (or all, with `reset`)
  // start at `start_offsets[p]` (the bus topic's end when the target is new).
  Status InitPositions(const std::vector<int64_t>& start_offsets, bool reset);
  // Next offset this worker needs per partition.
  std::vector<int64_t> committed() const;

  void Start();
  // Asks the worker to stop without waiting (safe under other locks).
  void RequestStop();
  // Stops after the attempt in progress; queued events stay uncommitted.
  void Stop();

  // Blocks while the queue is full. Returns false once stopping.
  bool Enqueue(DeliveryItem item);
  size_t queued() const;
  // Waits until the queue is empty and nothing is in flight (tests).
  bool WaitIdle(int64_t timeout_ms) const;

  const WorkerConfig& config() const { return config_; }

 private:
  void Run();
  void DeliverOne(DeliveryItem& item);
  Status Commit(int32_t partition, int64_t offset, const std::string& metadata);
  // False when stopping interrupted it (then the offset must not advance).
  bool DeadLetter(const DeliveryItem& item, const DeliveryOutcome& last, const std::string& condition,
                  int32_t attempts, int64_t first_attempt_ms);
  // Sleeps up to `ms`; false if stopping.
  bool SleepFor(int64_t ms);

  storage::EventLog& log_;
  WorkerConfig config_;
  std::unique_ptr<Target> target_;
  std::string group_;
  std::string rule_arn_;
  std::mt19937_64 rng_;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // queue changes, stop
  std::deque<DeliveryItem> queue_;
  std::vector<int64_t> committed_;
  std::vector<RetryState> retry_state_;  // per partition, from commit metadata
  bool stopping_ = false;
  bool busy_ = false;
  std::thread thread_;

  metrics::Counter* invocations_;
  metrics::Counter* failures_;
  metrics::Counter* retries_;
  metrics::Counter* dlq_;
  metrics::Counter* delivered_;
  metrics::Histogram* latency_;
};

}  // namespace meshd::bus
