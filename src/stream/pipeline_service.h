#pragma once
// PipelineService: the pipelines of one meshd process.
//
// - Definitions are persisted as <data-dir>/stream/_definitions/<name>.yaml
//   and restarted by Start(); `meshd serve --pipeline FILE` definitions are
//   (re)applied at Start() too. Re-applying an identical definition keeps the
//   pipeline's state; a changed definition replaces the pipeline and
//   discards its state (operator state would not match the new operators),
//   so it recomputes from its inputs; its warehouse rows are upserted again.
// - Each pipeline runs as N tasks, one per partition of its inputs, on a
//   small pool of worker threads (PipelineRunner).
// - Which partitions this process runs comes from a PartitionAssigner. The
//   default runs all of them. With `brokers` set (`meshd serve
//   --pipeline-brokers HOST:PORT`) the pipeline instead reads and writes
//   topics on that Kafka-protocol broker and its partitions come from the
//   consumer group `__pipeline.<name>` (range assignor): several processes
//   running the same pipeline split its partitions, and a rebalance closes
//   revoked tasks (final checkpoint) before opening the assigned ones. See
//   kafka_task_io.h and README.md "Parallelism and scaling out".
//
// HTTP (RegisterRoutes): POST /v1/pipelines (YAML or JSON body; 201,
// 409 ALREADY_EXISTS unless ?replace=true), GET /v1/pipelines,
// GET /v1/pipelines/{name} (definition + per-task status),
// DELETE /v1/pipelines/{name}; and GET /v1/query (warehouse/query_service.h).
//
// Metrics: the meshd_pipeline_* families on GET /metrics (pipeline_metrics.h).
//
// Thread-safety: all public methods are safe from any thread.

#include <boost/json.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "storage/event_log.h"
#include "stream/pipeline_metrics.h"
#include "stream/pipeline_spec.h"
#include "stream/pipeline_task.h"
#include "warehouse/sqlite_warehouse.h"

namespace meshd::http {
class Router;
}

namespace meshd::stream {

class PartitionAssigner {
 public:
  virtual ~PartitionAssigner() = default;
  // The partitions of `pipeline` (out of `partitions`) this process runs.
  virtual std::vector<int32_t> Assign(const std::string& pipeline, int32_t partitions) = 0;
};

// Runs every partition (single process).
class AllPartitionsAssigner final : public PartitionAssigner {
 public:
  std::vector<int32_t> Assign(const std::string& pipeline, int32_t partitions) override;
};

// Member `index` of `count` processes runs partitions p with p % count ==
// index (a static split; the group-based assigner replaces it).
class StaticSplitAssigner final : public PartitionAssigner {
 public:
  StaticSplitAssigner(int32_t index, int32_t count) : index_(index), count_(count) {}
  std::vector<int32_t> Assign(const std::string& pipeline, int32_t partitions) override;

 private:
  int32_t index_, count_;
};

struct PipelineServiceOptions {
  std::string data_dir = ".";
  int threads = 2;                          // worker threads per pipeline (capped by its tasks)
  std::vector<std::string> pipeline_files;  // --pipeline FILE
  std::shared_ptr<PartitionAssigner> assigner;  // null = all partitions (ignored with `brokers`)
  // Kafka-protocol bootstrap servers (HOST:PORT[,...]) for inputs, join
  // tables and topic outputs, with group-based assignment; "" = this
  // process's log. Tables and buses stay local either way.
  std::string brokers;
  int group_session_timeout_ms = 6000;
  // Called after a pipeline starts (created, replaced or restarted) and after
  // it is deleted (`removed`), so the catalog can keep its lineage edges.
  std::function<void(const PipelineSpec& spec, bool removed)> on_change;
  // Where the meshd_pipeline_* metrics are registered (pipeline_metrics.h);
  // null = metrics::Registry::Default(). One service per registry: a second
  // one replaces the first's scrape-time families.
  metrics::Registry* metrics = nullptr;
};

// One pipeline's tasks and worker threads.
class PipelineGroup;
class TopicOutput;

class PipelineRunner {
 public:
  // `own_sink` (optional) is kept alive as long as the runner: a
  // pipeline-specific warehouse (PostgreSQL); `sink` points at it or at the
  // shared SQLite warehouse.
  PipelineRunner(std::shared_ptr<const PipelineSpec> spec, storage::EventLog& log, warehouse::TableSink* sink,
                 std::string state_root, int threads, std::shared_ptr<PartitionAssigner> assigner,
                 std::unique_ptr<warehouse::TableSink> own_sink = nullptr);
  ~PipelineRunner();
  // Read and write topics on these brokers and take partitions from the
  // pipeline's consumer group (call before Start).
  void UseBrokers(std::string brokers, int session_timeout_ms) {
    brokers_ = std::move(brokers);
    session_timeout_ms_ = session_timeout_ms;
  }
  // Tasks observe their checkpoint durations here (call before Start).
  void ObserveCheckpointsInto(metrics::Histogram* h) { checkpoint_seconds_ = h; }
  void Start();
  void Stop();  // final checkpoints; idempotent
  boost::json::object Describe() const;
  PipelineMetrics Metrics() const;
  const PipelineSpec& spec() const { return *spec_; }
  // Removes this pipeline's progress rows from its own warehouse (if any).
  Status ForgetOwnProgress() { return own_sink_ ? own_sink_->ForgetPipeline(spec_->name) : Status::Ok(); }

 private:
  void Control();
  void RunStatic();
  void RunGroup();
  void Work(size_t worker);
  std::shared_ptr<PipelineTask> MakeTask(int32_t partition);
  void OpenTasks(const std::vector<int32_t>& partitions);
  // Final checkpoint of each, then forgotten; returns after all are closed.
  void RetireTasks(const std::vector<int32_t>& partitions);
  std::vector<int32_t> RunningPartitions() const;
  void SetStatus(const std::string& s);

  std::shared_ptr<const PipelineSpec> spec_;
  storage::EventLog& log_;
  std::unique_ptr<warehouse::TableSink> own_sink_;
  warehouse::TableSink* sink_;
  std::string state_root_;
  int threads_;
  std::shared_ptr<PartitionAssigner> assigner_;
  std::string brokers_;
  int session_timeout_ms_ = 6000;
  metrics::Histogram* checkpoint_seconds_ = nullptr;
  std::shared_ptr<TopicOutput> broker_output_;  // with brokers_: one producer for all tasks
  std::unique_ptr<PipelineGroup> group_;        // with brokers_: owned by the control thread

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::string status_ = "starting";
  std::map<int32_t, std::shared_ptr<PipelineTask>> tasks_;  // by partition: the tasks this process runs
  std::thread control_;
  std::vector<std::thread> workers_;
};

class PipelineService {
 public:
  PipelineService(storage::EventLog& log, PipelineServiceOptions options);
  ~PipelineService();

  Status Start();
  void Stop();

  // Creates (or with `replace`, replaces) a pipeline from its YAML text.
  Result<boost::json::object> Create(const std::string& yaml_text, bool replace);
  Status Delete(const std::string& name);
  boost::json::array List() const;
  Result<boost::json::object> Get(const std::string& name) const;

  void RegisterRoutes(http::Router& router);
  std::string warehouse_path() const;
  warehouse::SqliteWarehouse* warehouse() { return warehouse_.get(); }

 private:
  Result<boost::json::object> Apply(PipelineSpec spec, bool replace, bool persist);
  std::vector<PipelineMetrics> CollectMetrics() const;
  std::string DefinitionPath(const std::string& name) const;
  std::string StateRoot(const std::string& name) const;

  storage::EventLog& log_;
  PipelineServiceOptions options_;
  std::unique_ptr<warehouse::SqliteWarehouse> warehouse_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<PipelineRunner>> runners_;
  metrics::Registry& metrics_;
  std::shared_ptr<PipelineMetricsSource> metrics_source_;  // read by the registry at scrape time
};

}  // namespace meshd::stream
