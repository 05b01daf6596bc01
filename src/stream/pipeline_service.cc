#include "stream/pipeline_service.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/logging.h"
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

void PipelineRunner::Start() { control_ = std::thread([this] { Control(); }); }

void PipelineRunner::Control() {
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
    {
      std::lock_guard<std::mutex> lock(mu_);
      status_ = "waiting for input topic '" + missing + "'";
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_.load(); });
  }
  if (stop_) return;
  std::vector<int32_t> mine = assigner_->Assign(spec_->name, partitions);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int32_t p : mine) {
      TaskContext ctx;
      ctx.log = &log_;
      ctx.sink = sink_;
      ctx.state_dir = (fs::path(state_root_) / std::to_string(p)).string();
      tasks_.push_back(std::make_unique<PipelineTask>(spec_, p, ctx));
    }
    status_ = "running";
  }
  logger->info("pipeline={} started tasks={} partitions={}", spec_->name, mine.size(), partitions);
  size_t n = std::min(tasks_.size(), static_cast<size_t>(threads_));
  for (size_t i = 1; i < n; ++i) workers_.emplace_back([this, i] { Work(i); });
  if (n > 0) Work(0);
}

void PipelineRunner::Work(size_t worker) {
  auto logger = logging::Get("stream");
  size_t nworkers = std::min(tasks_.size(), static_cast<size_t>(threads_));
  std::vector<PipelineTask*> mine;
  for (size_t i = worker; i < tasks_.size(); i += nworkers) mine.push_back(tasks_[i].get());
  std::vector<std::chrono::steady_clock::time_point> retry_at(mine.size());
  while (!stop_) {
    bool did = false;
    auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < mine.size() && !stop_; ++i) {
      PipelineTask* t = mine[i];
      if (now < retry_at[i]) continue;
      Status opened = t->Open();
      if (!opened.ok()) {
        // Missing topics resolve themselves; other errors are retried too,
        // slowly, and shown by GET /v1/pipelines/{name}.
        if (opened.code() != StatusCode::kUnavailable)
          logger->warn("pipeline={} partition={} open failed: {}", spec_->name, t->partition(), opened.ToString());
        retry_at[i] = now + std::chrono::milliseconds(500);
        continue;
      }
      auto r = t->Step();
      if (!r.ok()) {
        logger->warn("pipeline={} partition={} step failed: {}", spec_->name, t->partition(), r.error().ToString());
        retry_at[i] = now + std::chrono::milliseconds(500);
        continue;
      }
      did |= *r;
      if (t->CheckpointDue()) {
        Status s = t->Checkpoint();
        if (!s.ok()) {
          logger->warn("pipeline={} partition={} checkpoint failed: {}", spec_->name, t->partition(), s.ToString());
          retry_at[i] = now + std::chrono::milliseconds(500);
        }
      }
    }
    if (!did) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(10), [this] { return stop_.load(); });
    }
  }
  for (PipelineTask* t : mine) t->Close();
}

void PipelineRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (control_.joinable()) control_.join();
  for (auto& w : workers_) w.join();
  workers_.clear();
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
  for (const auto& t : tasks_) tasks.push_back(t->Describe());
  o["tasks"] = std::move(tasks);
  return o;
}

// ---------------------------------------------------------------- service

PipelineService::PipelineService(storage::EventLog& log, PipelineServiceOptions options)
    : log_(log), options_(std::move(options)) {}

PipelineService::~PipelineService() { Stop(); }

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
