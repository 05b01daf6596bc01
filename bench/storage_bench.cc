// In-process storage benchmarks: append of 1 KiB records in batches of 100
// under each fsync policy, and sequential read. Data goes to a temp dir under
// $MESHD_BENCH_DIR (default /tmp), removed afterwards.
//
//   build/release/bench/storage_bench --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "record/record_batch.h"
#include "storage/local_log.h"

namespace {

using meshd::storage::LocalLog;
using meshd::storage::LocalLogOptions;
using meshd::storage::TopicConfig;

constexpr int kRecordsPerBatch = 100;
constexpr size_t kRecordSize = 1024;

class BenchDir {
 public:
  BenchDir() {
    const char* base = std::getenv("MESHD_BENCH_DIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/meshd-storage-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string MakeBatch() {
  meshd::record::RecordBatchBuilder b;
  std::string value(kRecordSize, 'v');
  for (int i = 0; i < kRecordsPerBatch; ++i) {
    value[0] = static_cast<char>('a' + i % 26);
    b.Add(meshd::WallMillis(), "key-" + std::to_string(i), value);
  }
  return b.Build();
}

std::unique_ptr<LocalLog> OpenLog(const BenchDir& dir) {
  LocalLogOptions o;
  o.data_dir = dir.path();
  o.maintenance_interval_ms = 0;
  auto r = LocalLog::Open(o);
  if (!r.ok()) std::abort();
  return std::move(r).value();
}

// Arg: 0 = fsync never, 1 = interval:100, 2 = always.
void BM_Append(benchmark::State& state) {
  static const char* kModes[] = {"never", "interval:100", "always"};
  const char* mode = kModes[state.range(0)];
  state.SetLabel(std::string("fsync=") + mode);
  BenchDir dir;
  auto log = OpenLog(dir);
  // Retention keeps the disk footprint bounded however long the run.
  auto config = TopicConfig::FromMap({{"fsync", mode},
                                      {"segment.bytes", std::to_string(64 << 20)},
                                      {"retention.bytes", std::to_string(256 << 20)}});
  if (!config.ok() || !log->CreateTopic("bench", 1, *config).ok()) {
    state.SkipWithError("create topic failed");
    return;
  }
  const std::string batch = MakeBatch();
  std::vector<double> latencies_us;
  int64_t n = 0;
  for (auto _ : state) {
    int64_t t0 = meshd::MonoMicros();
    auto r = log->Append("bench", 0, batch);
    latencies_us.push_back(static_cast<double>(meshd::MonoMicros() - t0));
    if (!r.ok()) {
      state.SkipWithError(r.error().ToString().c_str());
      break;
    }
    if (++n % 1000 == 0) {
      state.PauseTiming();
      (void)log->RunRetentionNow();
      state.ResumeTiming();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kRecordsPerBatch);
  if (!latencies_us.empty()) {
    std::sort(latencies_us.begin(), latencies_us.end());
    auto q = [&](double p) {
      return latencies_us[std::min(latencies_us.size() - 1,
                                   static_cast<size_t>(p * static_cast<double>(latencies_us.size())))];
    };
    state.counters["p50_us"] = q(0.50);
    state.counters["p99_us"] = q(0.99);
  }
  log->Close();
}
BENCHMARK(BM_Append)->Arg(0)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Baseline for the numbers above, measured in the same run: append one
// batch-sized write (100 KiB) to a plain file and fdatasync it.
void BM_RawWriteFdatasync(benchmark::State& state) {
  BenchDir dir;
  std::string path = dir.path() + "/raw";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    state.SkipWithError("open failed");
    return;
  }
  const std::string chunk(kRecordsPerBatch * kRecordSize, 'x');
  std::vector<double> latencies_us;
  for (auto _ : state) {
    int64_t t0 = meshd::MonoMicros();
    if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size()) ||
        ::fdatasync(fd) != 0) {
      state.SkipWithError("write/fdatasync failed");
      break;
    }
    latencies_us.push_back(static_cast<double>(meshd::MonoMicros() - t0));
  }
  ::close(fd);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunk.size()));
  if (!latencies_us.empty()) {
    std::sort(latencies_us.begin(), latencies_us.end());
    state.counters["p50_us"] = latencies_us[latencies_us.size() / 2];
    state.counters["p99_us"] =
        latencies_us[std::min(latencies_us.size() - 1, latencies_us.size() * 99 / 100)];
  }
}
BENCHMARK(BM_RawWriteFdatasync)->UseRealTime()->Unit(benchmark::kMicrosecond);

// Sequential read of ~128 MiB through Fetch (1 MiB per call) + pread.
void BM_SequentialRead(benchmark::State& state) {
  BenchDir dir;
  auto log = OpenLog(dir);
  auto config = TopicConfig::FromMap({{"fsync", "never"}});
  if (!config.ok() || !log->CreateTopic("bench", 1, *config).ok()) {
    state.SkipWithError("create topic failed");
    return;
  }
  const std::string batch = MakeBatch();
  for (int i = 0; i < 1300; ++i) {
    if (!log->Append("bench", 0, batch).ok()) {
      state.SkipWithError("append failed");
      return;
    }
  }
  const int64_t end = log->GetOffsets("bench", 0)->end_offset;
  int64_t offset = 0;
  int64_t bytes = 0;
  std::string buf;
  for (auto _ : state) {
    auto f = log->Fetch("bench", 0, offset, 1 << 20);
    if (!f.ok() || f->slices.empty()) {
      state.SkipWithError("fetch failed");
      break;
    }
    buf.clear();
    if (!f->ReadInto(&buf).ok()) {
      state.SkipWithError("read failed");
      break;
    }
    bytes += static_cast<int64_t>(buf.size());
    // Next offset: after the last whole batch returned.
    auto batches = meshd::record::SplitBatches(buf);
    offset = meshd::record::ParseHeader(batches->back())->last_offset() + 1;
    if (offset >= end) offset = 0;
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(bytes / static_cast<int64_t>(batch.size()) * kRecordsPerBatch);
  log->Close();
}
BENCHMARK(BM_SequentialRead)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
