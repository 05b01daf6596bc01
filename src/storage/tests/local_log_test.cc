#include "storage/local_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <thread>

#include "base/clock.h"
#include "metrics/metrics.h"
#include "record/record_batch.h"
#include "storage/file_util.h"

namespace meshd::storage {
namespace {

namespace fs = std::filesystem;
using record::Record;
using record::RecordBatchBuilder;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "meshd-storage-test-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Batch(int n, int64_t ts, const std::string& prefix = "k", int64_t pid = -1,
                  int16_t epoch = -1, int32_t seq = -1, size_t value_size = 20) {
  RecordBatchBuilder b(record::Compression::kNone, pid, epoch, seq);
  for (int i = 0; i < n; ++i) {
    b.Add(ts, prefix + std::to_string(i), std::string(value_size, static_cast<char>('a' + i % 26)));
  }
  return b.Build();
}

TopicConfig Config(std::map<std::string, std::string> m) {
  auto c = TopicConfig::FromMap(m);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return *c;
}

class LocalLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override { log_.reset(); }

  void Reopen() {
    log_.reset();
    LocalLogOptions o;
    o.data_dir = dir_.path();
    o.clock = &clock_;
    o.maintenance_interval_ms = 0;
    auto r = LocalLog::Open(o);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    log_ = std::move(r).value();
  }

  // Every record at or after `from`, read through Fetch the way a consumer does.
  std::vector<Record> ReadAll(const std::string& topic, int32_t partition, int64_t from,
                              int32_t max_bytes = 1 << 20) {
    std::vector<Record> out;
    int64_t offset = from;
    for (int guard = 0; guard < 100000; ++guard) {
      auto f = log_->Fetch(topic, partition, offset, max_bytes);
      EXPECT_TRUE(f.ok()) << f.error().ToString();
      if (!f.ok() || f->slices.empty()) break;
      std::string bytes;
      EXPECT_TRUE(f->ReadInto(&bytes).ok());
      auto batches = record::SplitBatches(bytes);
      EXPECT_TRUE(batches.ok());
      for (auto b : *batches) {
        EXPECT_TRUE(record::ValidateBatch(b).ok());
        auto recs = record::DecodeRecords(b);
        EXPECT_TRUE(recs.ok());
        for (auto& r : *recs) {
          if (r.offset >= offset) out.push_back(r);
        }
        offset = record::ParseHeader(b)->last_offset() + 1;
      }
    }
    return out;
  }

  std::string PartitionDir(const std::string& topic, int32_t p) {
    return dir_.path() + "/topics/" + topic + "/" + std::to_string(p);
  }
  std::vector<std::string> SegmentFiles(const std::string& topic, int32_t p) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(PartitionDir(topic, p))) {
      if (e.path().extension() == ".log") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<LocalLog> log_;
};

TEST_F(LocalLogTest, AppendAndFetch) {
  ASSERT_TRUE(log_->CreateTopic("orders", 2, Config({{"fsync", "never"}})).ok());
  for (int i = 0; i < 10; ++i) {
    auto r = log_->Append("orders", 1, Batch(3, 1000 + i));
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->base_offset, i * 3);
    EXPECT_EQ(r->last_offset, i * 3 + 2);
    EXPECT_FALSE(r->duplicate);
  }
  auto info = log_->GetOffsets("orders", 1);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->start_offset, 0);
  EXPECT_EQ(info->end_offset, 30);
  EXPECT_EQ(log_->GetOffsets("orders", 0)->end_offset, 0);

  auto all = ReadAll("orders", 1, 0);
  ASSERT_EQ(all.size(), 30u);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(all[i].offset, i);
  EXPECT_EQ(*all[4].key, "k1");

  // Fetch from the middle of a batch returns that whole batch first.
  auto f = log_->Fetch("orders", 1, 7, 1);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->slices.size(), 1u);
  std::string bytes;
  ASSERT_TRUE(f->ReadInto(&bytes).ok());
  auto batches = record::SplitBatches(bytes);
  ASSERT_EQ(batches->size(), 1u) << "max_bytes=1 still yields one whole batch (KIP-74)";
  EXPECT_EQ(record::ParseHeader((*batches)[0])->base_offset, 6);
  EXPECT_EQ(f->high_watermark, 30);

  // A budget of two batches gives exactly two.
  int64_t batch_size = static_cast<int64_t>(Batch(3, 0).size());
  f = log_->Fetch("orders", 1, 0, static_cast<int32_t>(2 * batch_size + 5));
  EXPECT_EQ(f->total_bytes(), 2 * batch_size);

  EXPECT_TRUE(log_->Fetch("orders", 1, 30, 100)->slices.empty());
  EXPECT_EQ(log_->Fetch("orders", 1, 31, 100).error().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(log_->Fetch("orders", 2, 0, 100).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->Fetch("nope", 0, 0, 100).error().code(), StatusCode::kNotFound);

  // Data and offsets survive a reopen, and appends continue densely.
  Reopen();
  EXPECT_EQ(log_->GetOffsets("orders", 1)->end_offset, 30);
  EXPECT_EQ(log_->Append("orders", 1, Batch(1, 5000))->base_offset, 30);
  EXPECT_EQ(ReadAll("orders", 1, 0).size(), 31u);
}

// page_cache_keep_bytes = 0: once synced (in >= 8 MiB steps, after the
// acknowledgement), a segment's pages are dropped from the page cache; the
// data stays readable (from disk) and Fetch marks the slice so ReadInto
// drops what it reads again. AppendAsyncInPlace appends from the caller's
// buffer and writes the assigned BaseOffset into it.
TEST_F(LocalLogTest, SyncedBytesLeaveThePageCacheAndStayReadable) {
  log_.reset();
  LocalLogOptions o;
  o.data_dir = dir_.path();
  o.clock = &clock_;
  o.maintenance_interval_ms = 0;
  o.page_cache_keep_bytes = 0;
  auto opened = LocalLog::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  log_ = std::move(opened).value();
  ASSERT_TRUE(log_->CreateTopic("pc", 1, Config({{"fsync", "always"}})).ok());

  const std::string value(100'000, 'v');
  for (int i = 0; i < 10; ++i) {  // 10 batches of ~1 MB: past the 8 MiB step
    RecordBatchBuilder b(record::Compression::kNone, -1, -1, -1);
    for (int r = 0; r < 10; ++r) b.Add(1000 + i, std::string("k") + std::to_string(r), value);
    std::string bytes = b.Build();
    std::promise<Result<AppendResult>> done;
    auto fut = done.get_future();
    log_->AppendAsyncInPlace("pc", 0, std::span<char>(bytes.data(), bytes.size()),
                             [&done](Result<AppendResult> r) { done.set_value(std::move(r)); });
    auto r = fut.get();
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(r->base_offset, i * 10);
    EXPECT_EQ(record::ParseHeader(bytes)->base_offset, i * 10) << "BaseOffset written in place";
  }
  int64_t dropped = 0;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
       dropped == 0 && std::chrono::steady_clock::now() < deadline;) {
    auto f = log_->Fetch("pc", 0, 0, 1 << 20);
    ASSERT_TRUE(f.ok());
    ASSERT_FALSE(f->slices.empty());
    dropped = f->slices[0].drop_cache_below;
    if (dropped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(dropped, 8 << 20);
  auto all = ReadAll("pc", 0, 0);
  ASSERT_EQ(all.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(all[i].offset, i);
    EXPECT_EQ(all[i].value, value);
  }
}

TEST_F(LocalLogTest, RejectsBadBatches) {
  ASSERT_TRUE(log_->CreateTopic("t", 1, Config({{"max.message.bytes", "500"}})).ok());
  std::string b = Batch(1, 1);
  b[b.size() - 1] ^= 0x40;
  EXPECT_EQ(log_->Append("t", 0, b).error().code(), StatusCode::kCorruption);
  EXPECT_EQ(log_->Append("t", 0, Batch(5, 1, "k", -1, -1, -1, 200)).error().code(),
            StatusCode::kTooLarge);
  EXPECT_EQ(log_->Append("t", 0, "").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log_->Append("t", 0, Batch(1, 1).substr(0, 40)).error().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(log_->GetOffsets("t", 0)->end_offset, 0);
  // Two batches in one append get consecutive offsets.
  auto r = log_->Append("t", 0, Batch(2, 1) + Batch(3, 2));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_offset, 0);
  EXPECT_EQ(r->last_offset, 4);
}

TEST_F(LocalLogTest, IndexLookupByOffsetAndTime) {
  ASSERT_TRUE(log_->CreateTopic("idx", 1, Config({{"index.interval.bytes", "256"},
                                                  {"fsync", "never"}})).ok());
  // 200 batches of 2 records; timestamps rise by 10 per batch.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(log_->Append("idx", 0, Batch(2, 10'000 + 10 * i)).ok());
  for (int64_t off : {0, 1, 2, 57, 198, 301, 399}) {
    auto f = log_->Fetch("idx", 0, off, 1);
    ASSERT_TRUE(f.ok());
    std::string bytes;
    ASSERT_TRUE(f->ReadInto(&bytes).ok());
    auto h = record::ParseHeader(bytes);
    ASSERT_TRUE(h.ok());
    EXPECT_LE(h->base_offset, off);
    EXPECT_GE(h->last_offset(), off);
  }
  EXPECT_EQ(*log_->OffsetForTimestamp("idx", 0, 0), 0);
  EXPECT_EQ(*log_->OffsetForTimestamp("idx", 0, 10'000), 0);
  EXPECT_EQ(*log_->OffsetForTimestamp("idx", 0, 10'001), 2);
  EXPECT_EQ(*log_->OffsetForTimestamp("idx", 0, 10'500), 100);
  EXPECT_EQ(*log_->OffsetForTimestamp("idx", 0, 11'990), 398);
  EXPECT_EQ(*log_->OffsetForTimestamp("idx", 0, 99'999), 400) << "none: the end offset";

  // The index files are written on close and hold 8- and 12-byte entries.
  log_->Close();
  auto idx = ReadWholeFile(PartitionDir("idx", 0) + "/00000000000000000000.index");
  auto tix = ReadWholeFile(PartitionDir("idx", 0) + "/00000000000000000000.timeindex");
  ASSERT_TRUE(idx.ok());
  ASSERT_TRUE(tix.ok());
  EXPECT_GT(idx->size(), 8u * 10);
  EXPECT_EQ(idx->size() % 8, 0u);
  EXPECT_EQ(tix->size() % 12, 0u);
  EXPECT_GT(tix->size(), 0u);
}

TEST_F(LocalLogTest, RollsBySizeAndAge) {
  ASSERT_TRUE(log_->CreateTopic("roll", 1, Config({{"segment.bytes", "1000"},
                                                   {"segment.ms", "60000"}})).ok());
  size_t batch = Batch(2, 0).size();
  ASSERT_LT(batch, 500u);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(log_->Append("roll", 0, Batch(2, 1)).ok());
  auto d = log_->DescribeTopic("roll");
  int32_t by_size = d->partitions[0].segments;
  EXPECT_GE(by_size, static_cast<int32_t>(20 * batch / 1000));
  EXPECT_EQ(SegmentFiles("roll", 0).size(), static_cast<size_t>(by_size));
  // Segment names are base offsets.
  EXPECT_EQ(fs::path(SegmentFiles("roll", 0)[1]).filename().string().size(), 24u);

  clock_.Advance(61'000);
  ASSERT_TRUE(log_->Append("roll", 0, Batch(1, 1)).ok());
  EXPECT_EQ(log_->DescribeTopic("roll")->partitions[0].segments, by_size + 1);
  ASSERT_TRUE(log_->Append("roll", 0, Batch(1, 1)).ok());
  EXPECT_EQ(log_->DescribeTopic("roll")->partitions[0].segments, by_size + 1);
  EXPECT_EQ(ReadAll("roll", 0, 0).size(), 42u);
}

TEST_F(LocalLogTest, RetentionByTime) {
  ASSERT_TRUE(log_->CreateTopic("ret", 1, Config({{"segment.bytes", "1000"},
                                                  {"retention.ms", "60000"}})).ok());
  const int64_t t0 = clock_.NowMillis();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log_->Append("ret", 0, Batch(2, t0)).ok());
  ASSERT_TRUE(log_->RunRetentionNow().ok());
  EXPECT_EQ(log_->GetOffsets("ret", 0)->start_offset, 0) << "nothing expired yet";
  clock_.Advance(30'000);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log_->Append("ret", 0, Batch(2, clock_.NowMillis())).ok());
  clock_.Advance(40'000);  // the first half is now 70 s old, the second 40 s
  ASSERT_TRUE(log_->RunRetentionNow().ok());
  auto info = log_->GetOffsets("ret", 0);
  EXPECT_GT(info->start_offset, 0);
  EXPECT_LE(info->start_offset, 20);
  EXPECT_EQ(info->end_offset, 40);
  EXPECT_EQ(log_->Fetch("ret", 0, 0, 100).error().code(), StatusCode::kOutOfRange);
  auto rest = ReadAll("ret", 0, info->start_offset);
  EXPECT_EQ(rest.size(), static_cast<size_t>(40 - info->start_offset));
  // The log start offset survives a reopen.
  Reopen();
  EXPECT_EQ(log_->GetOffsets("ret", 0)->start_offset, info->start_offset);
  // Never the active segment, however old.
  clock_.Advance(10'000'000);
  ASSERT_TRUE(log_->RunRetentionNow().ok());
  auto d = log_->DescribeTopic("ret");
  EXPECT_EQ(d->partitions[0].segments, 1);
  EXPECT_EQ(d->partitions[0].end_offset, 40);
}

TEST_F(LocalLogTest, RetentionByBytesAndDeleteRecords) {
  ASSERT_TRUE(log_->CreateTopic("rb", 1, Config({{"segment.bytes", "1000"},
                                                 {"retention.bytes", "2500"}})).ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(log_->Append("rb", 0, Batch(2, clock_.NowMillis())).ok());
  int64_t before = log_->GetOffsets("rb", 0)->size_bytes;
  ASSERT_GT(before, 2500);
  ASSERT_TRUE(log_->RunRetentionNow().ok());
  auto info = log_->GetOffsets("rb", 0);
  EXPECT_LE(info->size_bytes, 2500 + 1000);
  EXPECT_GT(info->start_offset, 0);
  EXPECT_EQ(info->end_offset, 80);

  ASSERT_TRUE(log_->DeleteRecordsBefore("rb", 0, 75).ok());
  EXPECT_EQ(log_->GetOffsets("rb", 0)->start_offset, 75);
  auto rest = ReadAll("rb", 0, 75);
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(rest[0].offset, 75);
  EXPECT_EQ(log_->DeleteRecordsBefore("rb", 0, 81).code(), StatusCode::kOutOfRange);
}

TEST_F(LocalLogTest, CompactionKeepsLatestPerKeyAndDropsOldTombstones) {
  ASSERT_TRUE(log_->CreateTopic("cmp", 1, Config({{"cleanup.policy", "compact"},
                                                  {"segment.bytes", "2000"},
                                                  {"delete.retention.ms", "60000"}})).ok());
  // 5 rounds over keys k0..k9, values "r<round>"; then a tombstone for k3.
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 10; ++k) {
      RecordBatchBuilder b;
      b.Add(clock_.NowMillis(), "k" + std::to_string(k), "r" + std::to_string(round));
      ASSERT_TRUE(log_->Append("cmp", 0, b.Build()).ok());
    }
  }
  {
    RecordBatchBuilder b;
    b.Add(clock_.NowMillis(), "k3", std::nullopt);
    ASSERT_TRUE(log_->Append("cmp", 0, b.Build()).ok());
  }
  // Push everything above out of the active segment.
  for (int i = 0; i < 30; ++i) {
    RecordBatchBuilder b;
    b.Add(clock_.NowMillis(), "filler" + std::to_string(i % 3), std::string(100, 'x'));
    ASSERT_TRUE(log_->Append("cmp", 0, b.Build()).ok());
  }
  int64_t end = log_->GetOffsets("cmp", 0)->end_offset;
  int64_t size_before = log_->GetOffsets("cmp", 0)->size_bytes;
  ASSERT_TRUE(log_->RunCompactionNow().ok());
  EXPECT_LT(log_->GetOffsets("cmp", 0)->size_bytes, size_before);
  EXPECT_EQ(log_->GetOffsets("cmp", 0)->end_offset, end);

  auto check = [&](bool tombstone_expected) {
    auto recs = ReadAll("cmp", 0, 0);
    std::map<std::string, std::vector<Record>> by_key;
    int64_t prev = -1;
    for (auto& r : recs) {
      EXPECT_GT(r.offset, prev) << "offsets stay increasing (with gaps)";
      prev = r.offset;
      by_key[*r.key].push_back(r);
    }
    for (int k = 0; k < 10; ++k) {
      std::string key = "k" + std::to_string(k);
      if (k == 3) {
        if (tombstone_expected) {
          ASSERT_EQ(by_key[key].size(), 1u);
          EXPECT_FALSE(by_key[key][0].value.has_value());
          EXPECT_EQ(by_key[key][0].offset, 50);
        } else {
          EXPECT_EQ(by_key.count(key), 0u) << "tombstone removed after delete.retention.ms";
        }
        continue;
      }
      ASSERT_EQ(by_key[key].size(), 1u) << key;
      EXPECT_EQ(*by_key[key][0].value, "r4");
      EXPECT_EQ(by_key[key][0].offset, 40 + k) << "original offset kept";
    }
  };
  check(true);
  clock_.Advance(61'000);
  ASSERT_TRUE(log_->RunCompactionNow().ok());
  check(false);
  // The compacted log reopens cleanly (indexes and CRCs valid).
  Reopen();
  EXPECT_TRUE(log_->CorruptionReports().empty());
  check(false);
  EXPECT_EQ(log_->Append("cmp", 0, Batch(1, clock_.NowMillis()))->base_offset, end);
}

TEST_F(LocalLogTest, RecoveryTruncatesTornTailAtAnyByte) {
  ASSERT_TRUE(log_->CreateTopic("rec", 1, Config({{"index.interval.bytes", "128"}})).ok());
  std::vector<int64_t> batch_end;  // file size after each batch
  std::vector<int64_t> next_offset;
  int64_t size = 0;
  for (int i = 0; i < 25; ++i) {
    std::string b = Batch(1 + i % 4, 1000 + i);
    size += static_cast<int64_t>(b.size());
    auto r = log_->Append("rec", 0, b);
    ASSERT_TRUE(r.ok());
    batch_end.push_back(size);
    next_offset.push_back(r->last_offset + 1);
  }
  log_.reset();
  const std::string seg = SegmentFiles("rec", 0).at(0);
  auto full = ReadWholeFile(seg);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(static_cast<int64_t>(full->size()), size);

  std::mt19937 rng(42);
  std::vector<int64_t> cuts = {0, 1, 11, 12, 60, 61, size - 1, batch_end[3], batch_end[3] + 1};
  for (int i = 0; i < 30; ++i) cuts.push_back(static_cast<int64_t>(rng() % static_cast<uint32_t>(size)));
  for (int64_t cut : cuts) {
    SCOPED_TRACE("cut at byte " + std::to_string(cut));
    ASSERT_TRUE(WriteFileAtomic(seg, std::string_view(*full).substr(0, static_cast<size_t>(cut)), false).ok());
    Reopen();
    int64_t expect_end = 0, expect_size = 0;
    for (size_t i = 0; i < batch_end.size() && batch_end[i] <= cut; ++i) {
      expect_end = next_offset[i];
      expect_size = batch_end[i];
    }
    auto info = log_->GetOffsets("rec", 0);
    EXPECT_EQ(info->end_offset, expect_end);
    EXPECT_EQ(info->size_bytes, expect_size);
    auto recs = ReadAll("rec", 0, 0);
    ASSERT_EQ(static_cast<int64_t>(recs.size()), expect_end);
    for (int64_t i = 0; i < expect_end; ++i) EXPECT_EQ(recs[static_cast<size_t>(i)].offset, i);
    auto r = log_->Append("rec", 0, Batch(2, 9999));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->base_offset, expect_end) << "offsets continue densely";
    EXPECT_EQ(ReadAll("rec", 0, 0).size(), static_cast<size_t>(expect_end + 2));
    log_.reset();
  }
  // Garbage (not just a cut) at the tail is truncated too.
  std::string garbage = *full + std::string(100, '\x7f');
  ASSERT_TRUE(WriteFileAtomic(seg, garbage, false).ok());
  Reopen();
  EXPECT_EQ(log_->GetOffsets("rec", 0)->end_offset, next_offset.back());
}

TEST_F(LocalLogTest, CorruptMiddleBatchIsDetectedAndNeverServed) {
  ASSERT_TRUE(log_->CreateTopic("bad", 1, Config({{"segment.bytes", "2000"}})).ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(log_->Append("bad", 0, Batch(2, 1000 + i)).ok());
  log_.reset();
  auto files = SegmentFiles("bad", 0);
  ASSERT_GE(files.size(), 3u);
  // Flip one byte inside the 4th batch of the first segment (a value byte).
  const int64_t bsize = static_cast<int64_t>(Batch(2, 0).size());
  auto bytes = ReadWholeFile(files[0]);
  ASSERT_TRUE(bytes.ok());
  ASSERT_GT(static_cast<int64_t>(bytes->size()), 5 * bsize);
  (*bytes)[static_cast<size_t>(3 * bsize + 70)] ^= 0x55;
  ASSERT_TRUE(WriteFileAtomic(files[0], *bytes, false).ok());
  auto& corruptions = metrics::Registry::Default().GetCounter(
      "meshd_storage_corruptions_total", "Corrupt batches found in the middle of a log (fenced)");
  double before = corruptions.value();
  Reopen();
  ASSERT_EQ(log_->CorruptionReports().size(), 1u);
  EXPECT_EQ(corruptions.value(), before + 1);
  EXPECT_NE(log_->CorruptionReports()[0].find("bad-0"), std::string::npos);

  // Offsets 0..5 (three batches) are served; the fetch stops at the bad batch.
  auto f = log_->Fetch("bad", 0, 0, 1 << 20);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->total_bytes(), 3 * bsize);
  // Offsets from the bad batch to the end of the segment are corruption.
  auto bad = log_->Fetch("bad", 0, 6, 1 << 20);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kCorruption);
  // Later segments are still served, and appends continue.
  int64_t second_base = std::stoll(fs::path(files[1]).filename().string().substr(0, 20));
  auto later = ReadAll("bad", 0, second_base);
  EXPECT_EQ(static_cast<int64_t>(later.size()), 80 - second_base);
  EXPECT_EQ(log_->Append("bad", 0, Batch(1, 5))->base_offset, 80);
}

TEST_F(LocalLogTest, MissingAndStaleIndexesAreRebuilt) {
  ASSERT_TRUE(log_->CreateTopic("ix", 1, Config({{"segment.bytes", "3000"},
                                                 {"index.interval.bytes", "100"}})).ok());
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(log_->Append("ix", 0, Batch(2, 1000 + i)).ok());
  log_.reset();
  const std::string idx = PartitionDir("ix", 0) + "/00000000000000000000.index";
  auto good = ReadWholeFile(idx);
  ASSERT_TRUE(good.ok());
  ASSERT_GT(good->size(), 0u);
  fs::remove(idx);
  Reopen();
  EXPECT_EQ(*ReadWholeFile(idx), *good);
  log_.reset();
  ASSERT_TRUE(WriteFileAtomic(idx, std::string(good->size(), '\x01'), false).ok());
  Reopen();
  EXPECT_EQ(*ReadWholeFile(idx), *good);
  EXPECT_EQ(ReadAll("ix", 0, 0).size(), 120u);
}

TEST_F(LocalLogTest, GroupCommitUnderConcurrentAppenders) {
  ASSERT_TRUE(log_->CreateTopic("sync", 1, Config({{"fsync", "always"}})).ok());
  auto& fsyncs = metrics::Registry::Default().GetHistogram(
      "meshd_storage_fsync_latency_seconds", "fdatasync latency of segment files");
  uint64_t fsync_before = fsyncs.count();
  constexpr int kThreads = 8, kPerThread = 40;
  std::mutex mu;
  std::vector<int64_t> offsets;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = log_->Append("sync", 0, Batch(1, t * 1000 + i));
        ASSERT_TRUE(r.ok()) << r.error().ToString();
        // Acknowledged means visible: the high watermark covers it.
        EXPECT_GT(log_->GetOffsets("sync", 0)->end_offset, r->last_offset);
        std::lock_guard lk(mu);
        offsets.push_back(r->base_offset);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::sort(offsets.begin(), offsets.end());
  ASSERT_EQ(offsets.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < offsets.size(); ++i) EXPECT_EQ(offsets[i], static_cast<int64_t>(i));
  uint64_t syncs = fsyncs.count() - fsync_before;
  EXPECT_GT(syncs, 0u);
  EXPECT_LE(syncs, static_cast<uint64_t>(kThreads * kPerThread));
  std::cout << "group commit: " << kThreads * kPerThread << " appends, " << syncs << " fdatasyncs\n";

  // AppendAsync reports through its callback.
  std::mutex cmu;
  std::condition_variable cv;
  std::optional<Result<AppendResult>> got;
  log_->AppendAsync("sync", 0, Batch(2, 1), [&](Result<AppendResult> r) {
    std::lock_guard lk(cmu);
    got.emplace(std::move(r));
    cv.notify_all();
  });
  std::unique_lock lk(cmu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(10), [&] { return got.has_value(); }));
  ASSERT_TRUE(got->ok());
  EXPECT_EQ((*got)->base_offset, kThreads * kPerThread);
}

TEST_F(LocalLogTest, GroupCommitAcrossPartitions) {
  ASSERT_TRUE(log_->CreateTopic("multi", 4, Config({{"fsync", "always"}})).ok());
  std::vector<std::thread> threads;
  std::vector<std::vector<int64_t>> offsets(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto r = log_->Append("multi", t % 4, Batch(2, i));
        ASSERT_TRUE(r.ok()) << r.error().ToString();
        offsets[t].push_back(r->base_offset);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int part = 0; part < 4; ++part) {
    std::vector<int64_t> all = offsets[part];
    all.insert(all.end(), offsets[part + 4].begin(), offsets[part + 4].end());
    std::sort(all.begin(), all.end());
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<int64_t>(2 * i));
    EXPECT_EQ(log_->GetOffsets("multi", part)->end_offset, 100);
  }
}

TEST_F(LocalLogTest, CompactionReencodesCompressedBatches) {
  ASSERT_TRUE(log_->CreateTopic("cz", 1, Config({{"cleanup.policy", "compact"},
                                                 {"segment.bytes", "300"}})).ok());
  for (int round = 0; round < 6; ++round) {
    RecordBatchBuilder b(record::Compression::kLz4, 5, 0, round * 10);
    for (int k = 0; k < 10; ++k) {
      b.Add(clock_.NowMillis(), "key" + std::to_string((k + round) % 15), "v" + std::to_string(round));
    }
    ASSERT_TRUE(log_->Append("cz", 0, b.Build()).ok());
  }
  // A batch larger than segment.bytes rolls the data above out of the active segment.
  ASSERT_TRUE(log_->Append("cz", 0, Batch(1, clock_.NowMillis(), "filler", -1, -1, -1, 400)).ok());
  ASSERT_GE(log_->GetOffsets("cz", 0)->segments, 3);
  ASSERT_TRUE(log_->RunCompactionNow().ok());
  std::set<std::string> keys;
  for (const auto& r : ReadAll("cz", 0, 0)) {
    EXPECT_TRUE(keys.insert(*r.key).second) << "one record per key in the closed segments: " << *r.key;
  }
  // Compacted batches keep codec and producer fields, and the producer can continue.
  auto f = log_->Fetch("cz", 0, 0, 1 << 20);
  std::string bytes;
  ASSERT_TRUE(f->ReadInto(&bytes).ok());
  auto h = record::ParseHeader(bytes);
  EXPECT_EQ(h->compression(), record::Compression::kLz4);
  EXPECT_EQ(h->producer_id, 5);
  Reopen();
  RecordBatchBuilder b(record::Compression::kLz4, 5, 0, 60);
  b.Add(1, "x", "y");
  auto r = log_->Append("cz", 0, b.Build());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->base_offset, 61);
}

TEST_F(LocalLogTest, IntervalFsyncSyncsInTheBackground) {
  ASSERT_TRUE(log_->CreateTopic("iv", 1, Config({{"fsync", "interval:20"}})).ok());
  auto& fsyncs = metrics::Registry::Default().GetHistogram(
      "meshd_storage_fsync_latency_seconds", "fdatasync latency of segment files");
  uint64_t before = fsyncs.count();
  auto r = log_->Append("iv", 0, Batch(1, 1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(log_->GetOffsets("iv", 0)->end_offset, 1) << "visible before the sync";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fsyncs.count() == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GT(fsyncs.count(), before);
}

TEST_F(LocalLogTest, IdempotentProducerDuplicatesGapsAndRestart) {
  ASSERT_TRUE(log_->CreateTopic("idem", 1, TopicConfig()).ok());
  auto r0 = log_->Append("idem", 0, Batch(3, 1, "a", 77, 0, 0));
  ASSERT_TRUE(r0.ok());
  EXPECT_EQ(r0->base_offset, 0);
  auto dup = log_->Append("idem", 0, Batch(3, 1, "a", 77, 0, 0));
  ASSERT_TRUE(dup.ok());
  EXPECT_TRUE(dup->duplicate);
  EXPECT_EQ(dup->base_offset, 0);
  EXPECT_EQ(dup->last_offset, 2);
  EXPECT_EQ(log_->GetOffsets("idem", 0)->end_offset, 3) << "a duplicate stores nothing";
  EXPECT_EQ(log_->Append("idem", 0, Batch(1, 1, "a", 77, 0, 5)).error().code(),
            StatusCode::kOutOfOrderSequence);
  auto r1 = log_->Append("idem", 0, Batch(2, 1, "a", 77, 0, 3));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->base_offset, 3);
  // Non-idempotent batches (producer id -1, whatever epoch/sequence) are not checked.
  ASSERT_TRUE(log_->Append("idem", 0, Batch(1, 1, "x", -1, 0, 0)).ok());
  ASSERT_TRUE(log_->Append("idem", 0, Batch(1, 1, "x", -1, 0, 0)).ok());

  Reopen();
  auto again = log_->Append("idem", 0, Batch(2, 1, "a", 77, 0, 3));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate) << "producer state rebuilt from the log";
  EXPECT_EQ(again->base_offset, 3);
  EXPECT_EQ(log_->Append("idem", 0, Batch(1, 1, "a", 77, 0, 9)).error().code(),
            StatusCode::kOutOfOrderSequence);
  EXPECT_TRUE(log_->Append("idem", 0, Batch(1, 1, "a", 77, 0, 5)).ok());
  EXPECT_TRUE(log_->Append("idem", 0, Batch(1, 1, "a", 77, 1, 0)).ok()) << "epoch bump";
  EXPECT_EQ(log_->Append("idem", 0, Batch(1, 1, "a", 77, 0, 6)).error().code(),
            StatusCode::kInvalidProducerEpoch);
  EXPECT_EQ(log_->Append("idem", 0, Batch(1, 1, "a", 78, 0, 4)).error().code(),
            StatusCode::kUnknownProducerId);
}

TEST_F(LocalLogTest, GroupOffsetsSurviveReopen) {
  ASSERT_TRUE(log_->CreateTopic("t", 2, TopicConfig()).ok());
  ASSERT_TRUE(log_->CommitOffsets("g1", {{"t", 0, 5, "meta", 0}, {"t", 1, 7, "", 0}}).ok());
  ASSERT_TRUE(log_->CommitOffsets("g1", {{"t", 0, 9, "m2", 0}}).ok());
  ASSERT_TRUE(log_->CommitOffsets("g2", {{"t", 1, 3, "", 0}}).ok());
  EXPECT_EQ(log_->FetchCommitted("g1", "t", 0)->offset, 9);
  Reopen();
  auto c = log_->FetchCommitted("g1", "t", 0);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->offset, 9);
  EXPECT_EQ(c->metadata, "m2");
  EXPECT_EQ(c->commit_time_ms, clock_.NowMillis());
  EXPECT_EQ(log_->FetchCommitted("g1", "t", 1)->offset, 7);
  EXPECT_FALSE(log_->FetchCommitted("g1", "t", 2).has_value());
  EXPECT_EQ(log_->ListCommitted("g1").size(), 2u);
  EXPECT_EQ(log_->ListGroupsWithOffsets(), (std::vector<std::string>{"g1", "g2"}));
  ASSERT_TRUE(log_->DeleteGroupOffsets("g1").ok());
  EXPECT_EQ(log_->DeleteGroupOffsets("g1").code(), StatusCode::kNotFound);
  Reopen();
  EXPECT_FALSE(log_->FetchCommitted("g1", "t", 0).has_value());
  EXPECT_EQ(log_->ListGroupsWithOffsets(), (std::vector<std::string>{"g2"}));
  auto d = log_->DescribeTopic(LocalLog::kOffsetsTopic);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->internal);
  EXPECT_TRUE(d->config.cleanup_compact);
  EXPECT_EQ(d->config.fsync, FsyncMode::kAlways);
}

TEST_F(LocalLogTest, TopicAdmin) {
  for (const char* bad : {"", ".", "..", "a/b", "sp ace", "ü"}) {
    EXPECT_EQ(log_->CreateTopic(bad, 1, TopicConfig()).error().code(),
              StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(log_->CreateTopic(std::string(250, 'a'), 1, TopicConfig()).ok());
  EXPECT_TRUE(log_->CreateTopic(std::string(249, 'a'), 1, TopicConfig()).ok());
  EXPECT_EQ(log_->CreateTopic("t", 0, TopicConfig()).error().code(), StatusCode::kInvalidArgument);
  auto d = log_->CreateTopic("t.x-1_", 3, Config({{"retention.ms", "1000"}}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->partitions.size(), 3u);
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(log_->CreateTopic("t.x-1_", 1, TopicConfig()).error().code(),
            StatusCode::kAlreadyExists);

  Status s = log_->AlterTopicConfig("t.x-1_", {{"retention.ms", "x"}});
  EXPECT_NE(s.message().find("retention.ms"), std::string::npos);
  ASSERT_TRUE(log_->AlterTopicConfig("t.x-1_", {{"retention.ms", "2000"}}).ok());
  ASSERT_TRUE(log_->CreatePartitions("t.x-1_", 5).ok());
  EXPECT_FALSE(log_->CreatePartitions("t.x-1_", 4).ok());
  ASSERT_TRUE(log_->Append("t.x-1_", 4, Batch(1, 1)).ok());
  Reopen();
  d = log_->DescribeTopic("t.x-1_");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->partitions.size(), 5u);
  EXPECT_EQ(d->config.retention_ms, 2000);
  EXPECT_EQ(d->partitions[4].end_offset, 1);

  std::atomic<int> fired{0};
  log_->WatchAppends("t.x-1_", [&] { ++fired; });
  ASSERT_TRUE(log_->DeleteTopic("t.x-1_").ok());
  EXPECT_EQ(fired.load(), 1) << "deleting a topic wakes its watchers";
  EXPECT_FALSE(fs::exists(dir_.path() + "/topics/t.x-1_"));
  EXPECT_EQ(log_->DeleteTopic("t.x-1_").code(), StatusCode::kNotFound);
  EXPECT_EQ(log_->Append("t.x-1_", 0, Batch(1, 1)).error().code(), StatusCode::kNotFound);
  EXPECT_FALSE(log_->DeleteTopic(LocalLog::kOffsetsTopic).ok());
  // The name is free again at once.
  EXPECT_TRUE(log_->CreateTopic("t.x-1_", 1, TopicConfig()).ok());
  EXPECT_EQ(log_->GetOffsets("t.x-1_", 0)->end_offset, 0);
}

TEST_F(LocalLogTest, WatchAppendsFiresOnceAndCancels) {
  ASSERT_TRUE(log_->CreateTopic("w", 2, TopicConfig()).ok());
  std::atomic<int> a{0}, b{0};
  log_->WatchAppends("w", [&] { ++a; });
  uint64_t tb = log_->WatchAppends("w", [&] { ++b; });
  log_->CancelWatch(tb);
  ASSERT_TRUE(log_->Append("w", 1, Batch(1, 1)).ok());
  ASSERT_TRUE(log_->Append("w", 0, Batch(1, 1)).ok());
  EXPECT_EQ(a.load(), 1);
  EXPECT_EQ(b.load(), 0);
}

// A child process appends with fsync=always and reports each acknowledged
// offset through a pipe; it is killed with SIGKILL at a random point. After
// reopening, every acknowledged record is present and offsets are dense.
TEST_F(LocalLogTest, KillDuringAlwaysAppendsLosesNothingAcknowledged) {
  ASSERT_TRUE(log_->CreateTopic("crash", 1, Config({{"fsync", "always"},
                                                    {"segment.bytes", "3000"}})).ok());
  std::mt19937 rng(7);
  int64_t acked_max = -1;
  for (int cycle = 0; cycle < 6; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    log_.reset();  // no storage threads in this process across fork()
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      LocalLogOptions o;
      o.data_dir = dir_.path();
      o.maintenance_interval_ms = 0;
      auto child = LocalLog::Open(o);
      if (!child.ok()) ::_exit(2);
      for (int i = 0;; ++i) {
        auto a = (*child)->Append("crash", 0, Batch(3, i));
        if (!a.ok()) ::_exit(3);
        int64_t v = a->last_offset;
        if (::write(fds[1], &v, sizeof(v)) != sizeof(v)) ::_exit(4);
      }
    }
    ::close(fds[1]);
    const int want = 3 + static_cast<int>(rng() % 40);
    int got = 0;
    int64_t v = 0;
    while (got < want && ::read(fds[0], &v, sizeof(v)) == sizeof(v)) {
      acked_max = std::max(acked_max, v);
      ++got;
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    while (::read(fds[0], &v, sizeof(v)) == sizeof(v)) acked_max = std::max(acked_max, v);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited by itself: " << WEXITSTATUS(status);
    Reopen();
    auto info = log_->GetOffsets("crash", 0);
    ASSERT_TRUE(info.ok());
    EXPECT_GT(info->end_offset, acked_max);
    auto recs = ReadAll("crash", 0, 0);
    ASSERT_EQ(static_cast<int64_t>(recs.size()), info->end_offset);
    for (size_t i = 0; i < recs.size(); ++i) ASSERT_EQ(recs[i].offset, static_cast<int64_t>(i));
  }
}

TEST_F(LocalLogTest, SecondOpenOfSameDirIsRefused) {
  LocalLogOptions o;
  o.data_dir = dir_.path();
  auto second = LocalLog::Open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace meshd::storage
