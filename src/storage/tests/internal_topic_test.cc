#include "storage/internal_topic.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/crc32c.h"
#include "base/endian.h"
#include "storage/local_log.h"

namespace meshd::storage {
namespace {

namespace fs = std::filesystem;

class InternalTopicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "meshd-internal-topic-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    LocalLogOptions o;
    o.data_dir = dir_;
    o.clock = &clock_;
    o.maintenance_interval_ms = 0;
    auto r = LocalLog::Open(o);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    log_ = std::move(r).value();
  }
  void TearDown() override {
    log_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Append(const std::vector<std::pair<std::string, std::optional<std::string>>>& kvs) {
    record::RecordBatchBuilder b;
    for (const auto& [k, v] : kvs) {
      std::optional<std::string_view> value;
      if (v) value = *v;
      b.Add(1000, k, value);
    }
    ASSERT_TRUE(log_->Append("_state", 0, b.Build()).ok());
  }

  std::vector<std::pair<int64_t, std::string>> Replay(int64_t from = 0) {
    std::vector<std::pair<int64_t, std::string>> seen;
    Status s = ReplayTopic(*log_, "_state", 0, [&](const record::Record& r) {
      seen.emplace_back(r.offset, r.key.value_or("") + "=" + r.value.value_or("<tombstone>"));
    }, from);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return seen;
  }

  std::string dir_;
  ManualClock clock_{1000};
  std::unique_ptr<LocalLog> log_;
};

TEST_F(InternalTopicTest, EnsureCreatesCompactedDurableTopicOnce) {
  ASSERT_TRUE(EnsureInternalTopic(*log_, "_state", 2).ok());
  auto d = log_->DescribeTopic("_state");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->partitions.size(), 2u);
  EXPECT_TRUE(d->config.cleanup_compact);
  EXPECT_FALSE(d->config.cleanup_delete);
  EXPECT_EQ(d->config.retention_ms, -1);
  EXPECT_EQ(d->config.fsync, FsyncMode::kAlways);
  // A second call (next start-up) leaves the existing topic alone.
  EXPECT_TRUE(EnsureInternalTopic(*log_, "_state", 5).ok());
  EXPECT_EQ(log_->DescribeTopic("_state")->partitions.size(), 2u);
}

TEST_F(InternalTopicTest, ReplayVisitsEveryRecordInOrderAcrossBatches) {
  ASSERT_TRUE(EnsureInternalTopic(*log_, "_state").ok());
  EXPECT_TRUE(Replay().empty());
  Append({{"a", "1"}, {"b", "2"}});
  Append({{"a", std::nullopt}});
  Append({{"c", "3"}});
  auto seen = Replay();
  std::vector<std::pair<int64_t, std::string>> want = {
      {0, "a=1"}, {1, "b=2"}, {2, "a=<tombstone>"}, {3, "c=3"}};
  EXPECT_EQ(seen, want);
  // From an offset inside the first batch: earlier records of that batch are skipped.
  want = {{1, "b=2"}, {2, "a=<tombstone>"}, {3, "c=3"}};
  EXPECT_EQ(Replay(1), want);
}

TEST_F(InternalTopicTest, ReplaySkipsControlBatches) {
  ASSERT_TRUE(EnsureInternalTopic(*log_, "_state").ok());
  Append({{"a", "1"}});
  // A control batch (attributes bit 5); the CRC covers attributes onward.
  record::RecordBatchBuilder b;
  b.Add(1000, "ctrl", "marker");
  std::string control = b.Build();
  uint16_t attributes = LoadBE<uint16_t>(control.data() + 21);
  StoreBE<uint16_t>(control.data() + 21, static_cast<uint16_t>(attributes | 0x20));
  StoreBE<uint32_t>(control.data() + 17, crc32c::Value(control.data() + 21, control.size() - 21));
  ASSERT_TRUE(log_->Append("_state", 0, control).ok());
  Append({{"b", "2"}});
  std::vector<std::pair<int64_t, std::string>> want = {{0, "a=1"}, {2, "b=2"}};
  EXPECT_EQ(Replay(), want);
}

TEST_F(InternalTopicTest, ReplayOfMissingTopicIsAnError) {
  Status s = ReplayTopic(*log_, "_nope", 0, [](const record::Record&) {});
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace meshd::storage
