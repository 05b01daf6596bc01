#include "stream/pipeline_service.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/logging.h"
#include "stream/kafka_task_io.h"
#include "warehouse/postgres_sink.h"

namespace meshd::stream {

namespace json = boost::json;
namespace fs = std::filesystem;

std::vector<int32_t> AllPartitionsAssigner::Assign(const std::string&, int32_t partitions) {
  std::vector<int32_t> out;
  for (int32_t p = 0; p < partitions; ++p) out.push_back(p);
  return out;
}

std::vector<int32_t> StaticSplitAssigner::Assign(const std::string&, int32_t partitions) {
  std::vector<int32_t> out;
  for (int32_t p = 0; p < partitions; ++p)
    if (count_ <= 0 || p % count_ == index_) out.push_back(p);
  return out;
}

// ---------------------------------------------------------------- runner

PipelineRunner::PipelineRunner(std::shared_ptr<const PipelineSpec> spec, storage::EventLog& log,
                               warehouse::TableSink* sink, std::string state_root, int threads,
                               std::shared_ptr<PartitionAssigner> assigner,
                               std::unique_ptr<warehouse::TableSink> own_sink)
    : spec_(std::move(spec)),
      log_(log),
      own_sink_(std::move(own_sink)),
      sink_(sink),
      state_root_(std::move(state_root)),
      threads_(std::max(1, threads)),
      assigner_(assigner ? std::move(assigner) : std::make_shared<AllPartitionsAssigner>()) {}

PipelineRunner::~PipelineRunner() { Stop(); }

void PipelineRunner::Start() {
  control_ = std::thread([this] { Control(); });
  for (int i = 0; i < threads_; ++i) workers_.emplace_back([this, i] { Work(static_cast<size_t>(i)); });
}

void PipelineRunner::SetStatus(const std::string& s) {
  std::lock_guard<std::mutex> lock(mu_);
  status_ = s;
}

std::shared_ptr<PipelineTask> PipelineRunner::MakeTask(int32_t p) {
  TaskContext ctx;
  ctx.log = &log_;
  ctx.sink = sink_;
  ctx.state_dir = (fs::path(state_root_) / std::to_string(p)).string();
  if (!brokers_.empty()) {
    ctx.input = std::make_shared<KafkaTaskInput>(brokers_);
    ctx.topic_output = broker_output_;
    PipelineGroup* group = group_.get();
    ctx.commit_offsets = [group](const std::vector<storage::CommittedOffset>& offsets) { group->Commit(offsets); };
  }
  ctx.checkpoint_seconds = checkpoint_seconds_;
  return std::make_shared<PipelineTask>(spec_, p, std::move(ctx));
}

void PipelineRunner::OpenTasks(const std::vector<int32_t>& partitions) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int32_t p : partitions)
    if (!tasks_.count(p)) tasks_[p] = MakeTask(p);  // workers open it (RocksDB restore) on their next pass
}

void PipelineRunner::RetireTasks(const std::vector<int32_t>& partitions) {
  std::vector<std::shared_ptr<PipelineTask>> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int32_t p : partitions) {
      auto it = tasks_.find(p);
      if (it == tasks_.end()) continue;
      gone.push_back(std::move(it->second));
      tasks_.erase(it);
    }
  }
  // Outside mu_: Retire waits for a Step in progress, then checkpoints.
  for (auto& t : gone) t->Retire();
}

std::vector<int32_t> PipelineRunner::RunningPartitions() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int32_t> out;
  for (const auto& [p, t] : tasks_) out.push_back(p);
  return out;
}

void PipelineRunner::Control() {
  if (brokers_.empty()) RunStatic();
  else RunGroup();
  RetireTasks(RunningPartitions());  // final checkpoints
}

void PipelineRunner::RunStatic() {
  auto logger = logging::Get("stream");
  // Wait for the inputs to exist, then build one task per assigned partition.
  int32_t partitions = -1;
  while (!stop_) {
    int32_t n = -1;
    std::string missing;
    for (const auto& t : spec_->inputs) {
      auto d = log_.DescribeTopic(t);
      if (!d.ok()) {
        missing = t;
        break;
      }
      int32_t pn = static_cast<int32_t>(d->partitions.size());
      n = n < 0 ? pn : std::min(n, pn);
    }
    if (missing.empty()) {
      partitions = n;
      break;
    }
    SetStatus("waiting for input topic '" + missing + "'");
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_.load(); });
  }
  if (stop_) return;
  std::vector<int32_t> mine = assigner_->Assign(spec_->name, partitions);
  OpenTasks(mine);
  SetStatus("running");
  logger->info("pipeline={} started tasks={} partitions={}", spec_->name, mine.size(), partitions);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return stop_.load(); });
}

void PipelineRunner::RunGroup() {
  auto logger = logging::Get("stream");
  const std::string group_id = "__pipeline." + spec_->name;
  auto output = KafkaTopicOutput::Create(brokers_, "meshd-" + group_id);
  if (!output.ok()) {
    SetStatus("error: " + output.error().message());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    broker_output_ = std::move(*output);
  }
  PipelineGroup::Callbacks cb;
  cb.on_revoke = [this, logger](const std::vector<std::pair<std::string, int32_t>>& revoked) {
    TaskAssignment a = TasksFromAssignment(revoked, spec_->inputs);
    std::vector<int32_t> close = a.tasks;
    close.insert(close.end(), a.incomplete.begin(), a.incomplete.end());
    logger->info("pipeline={} group revoked tasks={}", spec_->name, close.size());
    RetireTasks(close);
    SetStatus("rebalancing");
  };
  cb.on_assign = [this, logger](const std::vector<std::pair<std::string, int32_t>>& assigned) {
    TaskAssignment a = TasksFromAssignment(assigned, spec_->inputs);
    for (int32_t p : a.incomplete)
      logger->warn("pipeline={} partition {} is assigned for only some inputs (inputs must have equal partition "
                   "counts); not run here",
                   spec_->name, p);
    TaskChanges c = DiffTasks(RunningPartitions(), a.tasks);
    RetireTasks(c.close);
    OpenTasks(c.open);
    std::string list;
    for (int32_t p : a.tasks) list += (list.empty() ? "" : ",") + std::to_string(p);
    logger->info("pipeline={} group assigned partitions=[{}]", spec_->name, list);
    SetStatus("running");
  };
  auto group = PipelineGroup::Join(brokers_, group_id, spec_->inputs, std::move(cb), session_timeout_ms_);
  if (!group.ok()) {
    SetStatus("error: " + group.error().message());
    return;
  }
  PipelineGroup* g = group->get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    group_ = std::move(*group);
    status_ = "joining group " + group_id;
  }
  while (!stop_) g->Poll(100);
  g->Leave();  // revoke callback: final checkpoints, then LeaveGroup
  RetireTasks(RunningPartitions());
  // Keep group_ (tasks' commit callbacks point at it) until the runner dies;
  // it no longer talks to the broker.
}

void PipelineRunner::Work(size_t worker) {
  auto logger = logging::Get("stream");
  std::map<PipelineTask*, std::chrono::steady_clock::time_point> retry_at;
  std::vector<std::shared_ptr<PipelineTask>> mine;
  while (!stop_) {
    // This worker's share of the current tasks (the set changes on rebalances).
    mine.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      size_t i = 0;
      for (const auto& [p, t] : tasks_) {
        if (i++ % static_cast<size_t>(threads_) == worker) mine.push_back(t);
      }
    }
    bool did = false;
    auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < mine.size() && !stop_; ++i) {
      PipelineTask* t = mine[i].get();
      auto& retry = retry_at[t];
      if (now < retry) continue;
      Status opened = t->Open();
      if (!opened.ok()) {
        // Missing topics resolve themselves; other errors are retried too,
        // slowly, and shown by GET /v1/pipelines/{name}.
        if (opened.code() != StatusCode::kUnavailable)
          logger->warn("pipeline={} partition={} open failed: {}", spec_->name, t->partition(), opened.ToString());
        retry = now + std::chrono::milliseconds(500);
        continue;
      }
      auto r = t->Step();
      if (!r.ok()) {
        if (r.error().code() != StatusCode::kUnavailable || r.error().message() != "task not open")
          logger->warn("pipeline={} partition={} step failed: {}", spec_->name, t->partition(), r.error().ToString());
        retry = now + std::chrono::milliseconds(500);
        continue;
      }
      did |= *r;
      if (t->CheckpointDue()) {
        Status s = t->Checkpoint();
        if (!s.ok()) {
          logger->warn("pipeline={} partition={} checkpoint failed: {}", spec_->name, t->partition(), s.ToString());
          retry = now + std::chrono::milliseconds(500);
        }
      }
    }
    if (retry_at.size() > 4 * (mine.size() + 8)) retry_at.clear();  // forget retired tasks
    mine.clear();
    if (!did) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stop_.load(); });
    }
  }
}

void PipelineRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  if (control_.joinable()) control_.join();  // final checkpoints (and LeaveGroup)
}

json::object PipelineRunner::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  json::object o;
  o["name"] = spec_->name;
  o["status"] = stop_ ? "stopped" : status_;
  json::array inputs;
  for (const auto& t : spec_->inputs) inputs.emplace_back(t);
  o["inputs"] = std::move(inputs);
  json::array outputs;
  for (const auto& out : spec_->outputs) {
    const char* kind = out.kind == OutputSpec::Kind::kTable ? "table" : out.kind == OutputSpec::Kind::kTopic ? "topic" : "bus";
    outputs.push_back(json::object{{kind, out.name}});
  }
  o["outputs"] = std::move(outputs);
  json::array tasks;
  json::array partitions;
  for (const auto& [p, t] : tasks_) {
    tasks.push_back(t->Describe());
    partitions.push_back(p);
  }
  // The partitions this process runs; with brokers, its share of the group.
  o["partitions"] = std::move(partitions);
  if (!brokers_.empty()) {
    json::object g{{"id", "__pipeline." + spec_->name}, {"brokers", brokers_}, {"assignor", "range"}};
    if (group_) {
      g["rebalances"] = group_->rebalances();
      std::string err = group_->last_error();
      if (!err.empty()) g["last_error"] = err;
    }
    o["group"] = std::move(g);
  }
  o["tasks"] = std::move(tasks);
  return o;
}

PipelineMetrics PipelineRunner::Metrics() const {
  std::vector<std::shared_ptr<PipelineTask>> tasks;
  PipelineMetrics m;
  m.name = spec_->name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [p, t] : tasks_) tasks.push_back(t);
    m.up = !stop_ && (status_ == "running");
    m.group = !brokers_.empty();
    if (group_) m.rebalances = group_->rebalances();
  }
  // Outside mu_: a task's lock may be held for a whole Step or Checkpoint.
  for (const auto& t : tasks) {
    m.tasks.push_back(t->Metrics());
    m.up = m.up && m.tasks.back().healthy;
  }
  return m;
}

// ---------------------------------------------------------------- service

PipelineService::PipelineService(storage::EventLog& log, PipelineServiceOptions options)
    : log_(log),
      options_(std::move(options)),
      metrics_(options_.metrics ? *options_.metrics : metrics::Registry::Default()) {
  metrics_source_ = std::make_shared<PipelineMetricsSource>([this] { return CollectMetrics(); });
  RegisterPipelineMetrics(metrics_, metrics_source_);
}

PipelineService::~PipelineService() {
  metrics_source_->Detach();  // a scrape in progress finishes first
  Stop();
}

std::vector<PipelineMetrics> PipelineService::CollectMetrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PipelineMetrics> out;
  for (const auto& [name, r] : runners_) out.push_back(r->Metrics());
  return out;
}

std::string PipelineService::DefinitionPath(const std::string& name) const {
  return (fs::path(options_.data_dir) / "stream" / "_definitions" / (name + ".yaml")).string();
}

std::string PipelineService::StateRoot(const std::string& name) const {
  return (fs::path(options_.data_dir) / "stream" / name).string();
}

std::string PipelineService::warehouse_path() const {
  return (fs::path(options_.data_dir) / "warehouse.db").string();
}

Status PipelineService::Start() {
  std::error_code ec;
  fs::create_directories(fs::path(options_.data_dir) / "stream" / "_definitions", ec);
  if (ec) return Status::IOError("cannot create " + options_.data_dir + "/stream: " + ec.message());
  MESHD_ASSIGN_OR_RETURN(warehouse_, warehouse::SqliteWarehouse::Open(warehouse_path()));
  // Persisted definitions first, then --pipeline files (which win).
  std::map<std::string, PipelineSpec> specs;
  for (const auto& entry : fs::directory_iterator(fs::path(options_.data_dir) / "stream" / "_definitions", ec)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    auto spec = ParsePipeline(ss.str());
    if (!spec.ok()) {
      logging::Get("stream")->error("skipping stored pipeline {}: {}", entry.path().string(), spec.error().ToString());
      continue;
    }
    specs[spec->name] = std::move(*spec);
  }
  for (const auto& [name, spec] : specs) {
    auto r = Apply(spec, /*replace=*/true, /*persist=*/false);
    if (!r.ok()) return r.error();
  }
  for (const auto& file : options_.pipeline_files) {
    std::ifstream in(file);
    if (!in) return Status::InvalidArgument("--pipeline " + file + ": cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    auto spec = ParsePipeline(ss.str());
    if (!spec.ok()) return Status::InvalidArgument("--pipeline " + file + ": " + spec.error().message());
    auto r = Apply(std::move(*spec), /*replace=*/true, /*persist=*/true);
    if (!r.ok()) return Status(r.error().code(), "--pipeline " + file + ": " + r.error().message());
  }
  return Status::Ok();
}

void PipelineService::Stop() {
  std::map<std::string, std::unique_ptr<PipelineRunner>> runners;
  {
    std::lock_guard<std::mutex> lock(mu_);
    runners.swap(runners_);
  }
  for (auto& [name, r] : runners) r->Stop();
}

Result<json::object> PipelineService::Apply(PipelineSpec spec, bool replace, bool persist) {
  std::unique_ptr<PipelineRunner> old;
  std::unique_ptr<warehouse::TableSink> own_sink;
  bool has_tables = false;
  for (const auto& o : spec.outputs) has_tables |= o.kind == OutputSpec::Kind::kTable;
  if (!spec.warehouse.empty() && has_tables) {
    auto pg = warehouse::PostgresSink::Open(spec.warehouse);
    if (!pg.ok()) return Status(pg.error().code(), "pipeline '" + spec.name + "' warehouse: " + pg.error().message());
    own_sink = std::move(*pg);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runners_.find(spec.name);
  if (it != runners_.end()) {
    if (it->second->spec().source_text == spec.source_text) return it->second->Describe();  // unchanged
    if (!replace) return Status::AlreadyExists("pipeline '" + spec.name + "' already exists");
    old = std::move(it->second);
    runners_.erase(it);
  }
  if (old) old->Stop();
  // A changed definition may not match the stored state: start over.
  std::string existing;
  {
    std::ifstream in(DefinitionPath(spec.name));
    std::stringstream ss;
    ss << in.rdbuf();
    existing = ss.str();
  }
  if (existing != spec.source_text) {
    std::error_code ec;
    fs::remove_all(StateRoot(spec.name), ec);
    MESHD_TRY(warehouse_->ForgetPipeline(spec.name));
    if (own_sink) MESHD_TRY(own_sink->ForgetPipeline(spec.name));
  }
  if (persist || existing != spec.source_text) {
    std::string path = DefinitionPath(spec.name);
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << spec.source_text;
      if (!out) return Status::IOError("cannot write " + tmp);
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) return Status::IOError("cannot write " + path + ": " + ec.message());
  }
  auto shared = std::make_shared<const PipelineSpec>(std::move(spec));
  warehouse::TableSink* sink = own_sink ? own_sink.get() : warehouse_.get();
  auto runner = std::make_unique<PipelineRunner>(shared, log_, sink, StateRoot(shared->name), options_.threads,
                                                 options_.assigner, std::move(own_sink));
  if (!options_.brokers.empty()) runner->UseBrokers(options_.brokers, options_.group_session_timeout_ms);
  runner->ObserveCheckpointsInto(&CheckpointSecondsHistogram(metrics_, shared->name));
  runner->Start();
  json::object d = runner->Describe();
  runners_[shared->name] = std::move(runner);
  logging::Get("stream")->info("pipeline={} applied", shared->name);
  if (options_.on_change) options_.on_change(*shared, /*removed=*/false);
  return d;
}

Result<json::object> PipelineService::Create(const std::string& yaml_text, bool replace) {
  MESHD_ASSIGN_OR_RETURN(auto spec, ParsePipeline(yaml_text));
  if (spec.name.rfind("_", 0) == 0)
    return Status::InvalidArgument("pipeline names starting with '_' are reserved");
  return Apply(std::move(spec), replace, /*persist=*/true);
}

Status PipelineService::Delete(const std::string& name) {
  std::unique_ptr<PipelineRunner> r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = runners_.find(name);
    if (it == runners_.end()) return Status::NotFound("pipeline '" + name + "' does not exist");
    r = std::move(it->second);
    runners_.erase(it);
  }
  r->Stop();
  {
    // The stopped tasks no longer observe it; unless a new pipeline of
    // this name was created meanwhile (it shares the histogram), drop it.
    std::lock_guard<std::mutex> lock(mu_);
    if (!runners_.count(name)) metrics_.RemoveSeries(kCheckpointSecondsMetric, {{"pipeline", name}});
  }
  if (options_.on_change) options_.on_change(r->spec(), /*removed=*/true);
  MESHD_TRY(r->ForgetOwnProgress());
  std::error_code ec;
  fs::remove(DefinitionPath(name), ec);
  fs::remove_all(StateRoot(name), ec);
  return warehouse_->ForgetPipeline(name);
}

json::array PipelineService::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  json::array a;
  for (const auto& [name, r] : runners_) {
    json::object d = r->Describe();
    d.erase("tasks");
    a.push_back(std::move(d));
  }
  return a;
}

Result<json::object> PipelineService::Get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = runners_.find(name);
  if (it == runners_.end()) return Status::NotFound("pipeline '" + name + "' does not exist");
  json::object d = it->second->Describe();
  d["definition"] = it->second->spec().source_text;
  return d;
}

}  // namespace meshd::stream
