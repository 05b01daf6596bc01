#pragma once
// Pipeline metrics in Prometheus (GET /metrics), labelled by pipeline and,
// per task, by partition (bounded: the partitions of a pipeline this process
// runs, never keys). See README.md "Metrics" for the list.
//
// Why scrape-time callbacks rather than registry counters the tasks bump:
// the numbers already live in the tasks (they back GET /v1/pipelines/{name}),
// a task's late counts are operator state restored from its checkpoint, and
// a deleted pipeline's or a revoked partition's series must disappear,
// which they do by no longer being reported. Only the checkpoint duration
// histogram is a registry object (per pipeline); the service removes it when
// the pipeline is deleted.
//
// Thread-safety: PipelineMetricsSource may be collected from any thread;
// Detach() waits for a collection in progress.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/metrics.h"

namespace meshd::stream {

inline constexpr const char* kCheckpointSecondsMetric = "meshd_pipeline_checkpoint_seconds";

// One task's numbers at scrape time (PipelineTask::Metrics).
struct TaskMetrics {
  int32_t partition = 0;
  bool open = false;
  // Open, and neither its last Step nor its last Checkpoint failed (the
  // worker retries those; the error is last_error in the describe).
  bool healthy = false;
  int64_t records_in = 0, records_out = 0, decode_errors = 0, checkpoints = 0;
  std::map<std::string, int64_t> late_by_operator;  // operator kind (window, dedup) -> late records
  std::map<std::string, int64_t> input_lag;         // input topic -> end offset - next offset (open tasks only)
};

// One pipeline's numbers in this process (PipelineRunner::Metrics).
struct PipelineMetrics {
  std::string name;
  bool up = false;
  bool group = false;      // partitions from a consumer group (--pipeline-brokers)
  int64_t rebalances = 0;  // with `group`
  std::vector<TaskMetrics> tasks;
};

class PipelineMetricsSource {
 public:
  explicit PipelineMetricsSource(std::function<std::vector<PipelineMetrics>()> collect)
      : collect_(std::move(collect)) {}
  std::vector<PipelineMetrics> Collect();
  // After this returns, Collect() reports nothing and no longer calls the
  // function (its owner is going away).
  void Detach();

 private:
  std::mutex mu_;
  std::function<std::vector<PipelineMetrics>()> collect_;
};

// Registers the meshd_pipeline_* scrape-time families on `registry`; they
// read `source` while it is alive (a later registration replaces them).
void RegisterPipelineMetrics(metrics::Registry& registry, const std::shared_ptr<PipelineMetricsSource>& source);

// The per-pipeline checkpoint duration histogram (seconds).
metrics::Histogram& CheckpointSecondsHistogram(metrics::Registry& registry, const std::string& pipeline);

}  // namespace meshd::stream
