// Nexmark-style benchmark of meshd's stream processing (issue 7).
//
// Three variants per query; the first is the one comparable with the
// published Flink figures:
//   RunQueryDatagen     events generated inline by the Nexmark generator in
//                       the measured loop (Flink's datagen source, whose CPU
//                       Flink's per-core figure includes), the operator chain,
//                       state serialized every 20,000 events, outputs dropped
//                       (Flink's BLACKHOLE sink).
//   RunQuery            the same over pre-generated records (operators only,
//                       plus a record copy per event).
//   RunQueryThroughLog  end to end through a LocalLog topic, RocksDB
//                       checkpoints and the SQLite table sink.
//
// Each query is a pipeline definition in bench/nexmark/qN.yaml, run exactly
// as meshd would run it: the YAML is parsed, its OperatorChain built, and
// the generated events (src/stream/nexmark_generator.h, all three kinds in
// the 1:3:46 proportions, so every query sees persons and auctions too and
// filters them like nexmark-flink's views do) go through it one record at a
// time, single thread. Every 20,000 records the outputs are taken and
// dropped (the blackhole sink of the published runs) and the operators
// serialize their changed state as at a checkpoint (then dropped). The figure is events/s of
// this thread's CPU time, i.e. per core; like the published Flink figures
// it includes producing each input record (here a copy of a pre-generated
// record, the in-memory equivalent of the datagen source).
//
// The end-to-end variant (RunQueryThroughLog) runs the same pipeline as one
// PipelineTask over events pre-loaded into a topic of a LocalLog: fetch,
// record batch and JSON decoding, the chain, checkpoints (synced RocksDB
// state + offsets) and the SQLite table sink with its transactions. Its
// figure is the whole process's CPU time (storage threads included).
//
// Environment: NEXMARK_EVENTS (default 200000 per iteration),
// NEXMARK_DIR (default <source>/bench/nexmark).

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "record/record_batch.h"
#include "storage/local_log.h"
#include "stream/nexmark_generator.h"
#include "stream/operator_chain.h"
#include "stream/pipeline_spec.h"
#include "stream/pipeline_task.h"
#include "warehouse/sqlite_warehouse.h"

#include <unistd.h>

#include <filesystem>

namespace {

using meshd::stream::NexmarkGenerator;
using meshd::stream::OperatorChain;
using meshd::stream::StreamRecord;

size_t EventCount() {
  const char* e = std::getenv("NEXMARK_EVENTS");
  return e ? static_cast<size_t>(std::strtoull(e, nullptr, 10)) : 200'000;
}

const std::vector<StreamRecord>& Events() {
  static const std::vector<StreamRecord> events = [] {
    std::vector<StreamRecord> v;
    size_t n = EventCount();
    v.reserve(n);
    NexmarkGenerator gen;
    for (size_t i = 0; i < n; ++i) v.push_back(gen.NextRecord());
    return v;
  }();
  return events;
}

std::string QueryYaml(const std::string& query) {
  const char* dir = std::getenv("NEXMARK_DIR");
  std::string path = std::string(dir ? dir : MESHD_SOURCE_DIR "/bench/nexmark") + "/" + query + ".yaml";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// q13's bounded side input: 10,000 rows {key, value}.
void LoadSideInput(OperatorChain& chain) {
  for (int64_t k = 0; k < 10'000; ++k) {
    StreamRecord r;
    r.topic = "nexmark_side_input";
    r.key = std::to_string(k);
    r.fields["key"] = k;
    r.fields["value"] = "side-" + std::to_string(k * 7919 % 10'000);
    (void)chain.OnTableRecord(r.topic, r);
  }
}

// Operator state serialized at each "checkpoint" (the changed entries only,
// as a task does), then dropped: the RocksDB write is the end-to-end
// variant's business.
class DiscardingStateWriter final : public meshd::stream::StateWriter {
 public:
  void Put(std::string_view key, std::string_view value) override { bytes_ += key.size() + value.size(); }
  void Delete(std::string_view key) override { bytes_ += key.size(); }
  size_t bytes_ = 0;
};

// Runs `query`'s operator chain over `n` events from `source`, made fresh for
// each iteration (`source()` returns a callable giving the next event). What
// a task does at a checkpoint, minus the I/O, happens every 20,000 events:
// the outputs go to a blackhole sink and the changed state is serialized.
template <typename MakeSource>
void RunChain(benchmark::State& state, const std::string& query, size_t n, MakeSource make_source) {
  auto spec = meshd::stream::ParsePipeline(QueryYaml(query));
  if (!spec.ok()) {
    state.SkipWithError(("pipeline " + query + ": " + spec.error().message()).c_str());
    return;
  }
  size_t outputs = 0;
  DiscardingStateWriter discard;
  for (auto _ : state) {
    state.PauseTiming();
    auto chain = OperatorChain::Build(*spec);
    if (!chain.ok()) {
      state.SkipWithError(chain.error().message().c_str());
      return;
    }
    if (!(*chain)->TableTopics().empty()) LoadSideInput(**chain);
    auto next = make_source();
    state.ResumeTiming();
    size_t since_take = 0;
    for (size_t i = 0; i < n; ++i) {
      auto s = (*chain)->Process(next(i));
      if (!s.ok()) {
        state.SkipWithError(s.message().c_str());
        return;
      }
      if (++since_take == 20'000) {
        outputs += (*chain)->TakeOutputs().size();
        (*chain)->SaveState(discard);
        since_take = 0;
      }
    }
    (*chain)->Flush();
    outputs += (*chain)->TakeOutputs().size();
    (*chain)->SaveState(discard);
    state.PauseTiming();
    chain->reset();  // tearing down state is not part of the figure
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.counters["outputs_per_run"] =
      benchmark::Counter(static_cast<double>(outputs) / static_cast<double>(state.iterations()));
}

// Over pre-generated records: each input is a copy of one, the in-memory
// equivalent of a source with no generation cost.
void RunQuery(benchmark::State& state, const std::string& query) {
  const auto& events = Events();
  RunChain(state, query, events.size(), [&events] {
    return [&events](size_t i) { return StreamRecord(events[i]); };
  });
}

// Flink-comparable: the generator runs inside the measured loop, one event
// at a time, exactly as a datagen source feeds Flink's operators.
void RunQueryDatagen(benchmark::State& state, const std::string& query) {
  RunChain(state, query, EventCount(), [] {
    // The same seed, so the same events as RunQuery's.
    return [gen = NexmarkGenerator()](size_t) mutable { return gen.NextRecord(); };
  });
}

// ---------------------------------------------------------------- end to end

namespace fs = std::filesystem;

fs::path BenchDir() {
  const char* d = std::getenv("MESHD_BENCH_DIR");
  return fs::path(d ? d : "/tmp") / ("nexmark-bench-" + std::to_string(::getpid()));
}

// A LocalLog holding the events in topic "nexmark" (1 partition) and q13's
// side input in "nexmark_side_input"; built once, shared by every query.
std::unique_ptr<meshd::storage::LocalLog>* preloaded_log = nullptr;

meshd::storage::LocalLog* PreloadedLogIfOpen() { return preloaded_log ? preloaded_log->get() : nullptr; }

meshd::storage::LocalLog* PreloadedLog() {
  static std::unique_ptr<meshd::storage::LocalLog> log = []() -> std::unique_ptr<meshd::storage::LocalLog> {
    fs::remove_all(BenchDir());
    meshd::storage::LocalLogOptions lo;
    lo.data_dir = (BenchDir() / "log").string();
    lo.maintenance_interval_ms = 0;
    auto l = meshd::storage::LocalLog::Open(lo);
    if (!l.ok()) return nullptr;
    auto& lg = *l;
    if (!lg->CreateTopic("nexmark", 1, meshd::storage::TopicConfig()).ok() ||
        !lg->CreateTopic("nexmark_side_input", 1, meshd::storage::TopicConfig()).ok())
      return nullptr;
    auto append = [&](const std::string& topic, const std::vector<StreamRecord>& recs) {
      for (size_t i = 0; i < recs.size(); i += 500) {
        meshd::record::RecordBatchBuilder b;
        std::vector<std::string> values;
        values.reserve(500);
        for (size_t j = i; j < std::min(recs.size(), i + 500); ++j) {
          values.push_back(boost::json::serialize(recs[j].fields));
          b.Add(recs[j].timestamp_ms, std::optional<std::string_view>(*recs[j].key),
                std::string_view(values.back()));
        }
        if (!lg->Append(topic, 0, b.Build()).ok()) return false;
      }
      return true;
    };
    std::vector<StreamRecord> side;
    for (int64_t k = 0; k < 10'000; ++k) {
      StreamRecord r;
      r.key = std::to_string(k);
      r.fields["key"] = k;
      r.fields["value"] = "side-" + std::to_string(k * 7919 % 10'000);
      side.push_back(std::move(r));
    }
    if (!append("nexmark", Events()) || !append("nexmark_side_input", side)) return nullptr;
    return std::move(lg);
  }();
  preloaded_log = &log;
  return log.get();
}

void RunQueryThroughLog(benchmark::State& state, const std::string& query) {
  auto parsed = meshd::stream::ParsePipeline(QueryYaml(query));
  if (!parsed.ok()) {
    state.SkipWithError(parsed.error().message().c_str());
    return;
  }
  auto spec = std::make_shared<const meshd::stream::PipelineSpec>(std::move(*parsed));
  auto* log = PreloadedLog();
  if (!log) {
    state.SkipWithError("could not pre-load the nexmark topic");
    return;
  }
  int run = 0;
  for (auto _ : state) {
    state.PauseTiming();
    fs::path dir = BenchDir() / (query + "-" + std::to_string(run++));
    fs::create_directories(dir);
    auto wh = meshd::warehouse::SqliteWarehouse::Open((dir / "warehouse.db").string());
    if (!wh.ok()) {
      state.SkipWithError(wh.error().message().c_str());
      return;
    }
    meshd::stream::TaskContext ctx;
    ctx.log = log;
    ctx.sink = wh->get();
    ctx.state_dir = (dir / "state").string();
    state.ResumeTiming();
    {
      meshd::stream::PipelineTask task(spec, 0, ctx);
      if (auto s = task.Open(); !s.ok()) {
        state.SkipWithError(s.message().c_str());
        return;
      }
      for (;;) {
        auto r = task.Step();
        if (!r.ok()) {
          state.SkipWithError(r.error().message().c_str());
          return;
        }
        if (task.CheckpointDue()) {
          if (auto s = task.Checkpoint(); !s.ok()) {
            state.SkipWithError(s.message().c_str());
            return;
          }
        }
        if (!*r) break;
      }
      task.Close();  // final checkpoint
    }
    state.PauseTiming();
    wh->reset();
    fs::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * Events().size()));
}

void BM_NexmarkGenerate(benchmark::State& state) {
  NexmarkGenerator gen;
  for (auto _ : state) benchmark::DoNotOptimize(gen.NextRecord());
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_NexmarkGenerate);
#define NEXMARK_DATAGEN(q) BENCHMARK_CAPTURE(RunQueryDatagen, q, std::string(#q))->Unit(benchmark::kMillisecond)
NEXMARK_DATAGEN(q1);
NEXMARK_DATAGEN(q2);
NEXMARK_DATAGEN(q5);
NEXMARK_DATAGEN(q7);
NEXMARK_DATAGEN(q8);
NEXMARK_DATAGEN(q13);
NEXMARK_DATAGEN(q18);
BENCHMARK_CAPTURE(RunQuery, q1, std::string("q1"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, q2, std::string("q2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, q5, std::string("q5"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, q7, std::string("q7"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, q8, std::string("q8"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, q13, std::string("q13"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(RunQuery, q18, std::string("q18"))->Unit(benchmark::kMillisecond);

// End to end: few iterations (each is a whole run with a fresh state dir and
// warehouse); process CPU time so storage threads count.
#define NEXMARK_E2E(q)                                                      \
  BENCHMARK_CAPTURE(RunQueryThroughLog, q, std::string(#q))                 \
      ->Unit(benchmark::kMillisecond)                                       \
      ->MeasureProcessCPUTime()                                             \
      ->Iterations(1)
NEXMARK_E2E(q1);
NEXMARK_E2E(q2);
NEXMARK_E2E(q5);
NEXMARK_E2E(q7);
NEXMARK_E2E(q8);
NEXMARK_E2E(q13);
NEXMARK_E2E(q18);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (auto* log = PreloadedLogIfOpen()) log->Close();
  std::filesystem::remove_all(BenchDir());
  return 0;
}
