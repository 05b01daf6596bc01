#include "stream/pipeline_metrics.h"

namespace meshd::stream {

namespace {

using Series = std::vector<std::pair<metrics::Labels, double>>;

metrics::Labels TaskLabels(const PipelineMetrics& p, const TaskMetrics& t) {
  return {{"pipeline", p.name}, {"partition", std::to_string(t.partition)}};
}

// A counter family with one series per task, read by `value`.
std::function<Series()> PerTask(std::weak_ptr<PipelineMetricsSource> weak,
                                std::function<int64_t(const TaskMetrics&)> value) {
  return [weak = std::move(weak), value = std::move(value)] {
    Series out;
    auto source = weak.lock();
    if (!source) return out;
    for (const auto& p : source->Collect())
      for (const auto& t : p.tasks) out.emplace_back(TaskLabels(p, t), static_cast<double>(value(t)));
    return out;
  };
}

// A family with one series per task and per entry of a map the task reports
// (late records per operator kind, lag per input topic); the entry's key
// becomes the label `label`.
std::function<Series()> PerTaskEntry(std::weak_ptr<PipelineMetricsSource> weak, std::string label,
                                     const std::map<std::string, int64_t> TaskMetrics::*entries) {
  return [weak = std::move(weak), label = std::move(label), entries] {
    Series out;
    auto source = weak.lock();
    if (!source) return out;
    for (const auto& p : source->Collect())
      for (const auto& t : p.tasks)
        for (const auto& [key, value] : t.*entries) {
          auto labels = TaskLabels(p, t);
          labels[label] = key;
          out.emplace_back(std::move(labels), static_cast<double>(value));
        }
    return out;
  };
}

// A family with one series per pipeline; `value` returns false to skip one.
std::function<Series()> PerPipeline(std::weak_ptr<PipelineMetricsSource> weak,
                                    std::function<bool(const PipelineMetrics&, double*)> value) {
  return [weak = std::move(weak), value = std::move(value)] {
    Series out;
    auto source = weak.lock();
    if (!source) return out;
    for (const auto& p : source->Collect()) {
      double v = 0;
      if (value(p, &v)) out.emplace_back(metrics::Labels{{"pipeline", p.name}}, v);
    }
    return out;
  };
}

}  // namespace

std::vector<PipelineMetrics> PipelineMetricsSource::Collect() {
  std::lock_guard<std::mutex> lock(mu_);
  return collect_ ? collect_() : std::vector<PipelineMetrics>{};
}

void PipelineMetricsSource::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  collect_ = nullptr;
}

void RegisterPipelineMetrics(metrics::Registry& registry, const std::shared_ptr<PipelineMetricsSource>& source) {
  std::weak_ptr<PipelineMetricsSource> weak = source;
  registry.SetCallbackCounter("meshd_pipeline_records_in_total",
                              "Input records a pipeline task has processed (per pipeline and input partition)",
                              PerTask(weak, [](const TaskMetrics& t) { return t.records_in; }));
  registry.SetCallbackCounter("meshd_pipeline_records_out_total",
                              "Records a pipeline task has emitted to its outputs (counted at each checkpoint)",
                              PerTask(weak, [](const TaskMetrics& t) { return t.records_out; }));
  registry.SetCallbackCounter("meshd_pipeline_decode_errors_total",
                              "Input records a pipeline task could not process (operator error); see last_error "
                              "in GET /v1/pipelines/{name}",
                              PerTask(weak, [](const TaskMetrics& t) { return t.decode_errors; }));
  registry.SetCallbackCounter("meshd_pipeline_checkpoints_total", "Checkpoints a pipeline task has completed",
                              PerTask(weak, [](const TaskMetrics& t) { return t.checkpoints; }));
  registry.SetCallbackCounter(
      "meshd_pipeline_late_events_total",
      "Records a window or dedup operator received after its watermark passed (per operator kind)",
      PerTaskEntry(weak, "operator", &TaskMetrics::late_by_operator));
  registry.SetCallbackGauge(
      "meshd_pipeline_input_lag_records",
      "Records of a stream input partition not yet read by its task: end offset minus next offset",
      PerTaskEntry(weak, "topic", &TaskMetrics::input_lag));
  registry.SetCallbackGauge("meshd_pipeline_tasks",
                            "Tasks (input partitions) of a pipeline this process runs",
                            PerPipeline(weak, [](const PipelineMetrics& p, double* v) {
                              *v = static_cast<double>(p.tasks.size());
                              return true;
                            }));
  registry.SetCallbackGauge("meshd_pipeline_up",
                            "1 when a pipeline is running and each of its tasks is open with its last read and "
                            "checkpoint succeeded; 0 while it waits, rebalances, fails or is stopped (the reason "
                            "is in GET /v1/pipelines/{name})",
                            PerPipeline(weak, [](const PipelineMetrics& p, double* v) {
                              *v = p.up ? 1 : 0;
                              return true;
                            }));
  registry.SetCallbackCounter("meshd_pipeline_rebalances_total",
                              "Consumer group rebalances of a pipeline's group __pipeline.<name> seen by this "
                              "process (--pipeline-brokers only)",
                              PerPipeline(weak, [](const PipelineMetrics& p, double* v) {
                                *v = static_cast<double>(p.rebalances);
                                return p.group;
                              }));
}

metrics::Histogram& CheckpointSecondsHistogram(metrics::Registry& registry, const std::string& pipeline) {
  return registry.GetHistogram(kCheckpointSecondsMetric,
                               "Duration of a pipeline task's checkpoint (outputs, warehouse commit, state write)",
                               {{"pipeline", pipeline}});
}

}  // namespace meshd::stream
