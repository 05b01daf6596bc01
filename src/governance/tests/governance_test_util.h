#pragma once
// Test helpers: a LocalLog in a fresh temporary directory and a reader that
// returns every record of a topic partition.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "record/record_batch.h"
#include "storage/local_log.h"

namespace meshd::governance::testing {

class TempLog {
 public:
  TempLog() {
    dir_ = std::filesystem::temp_directory_path() /
           ("meshd-gov-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    storage::LocalLogOptions lo;
    lo.data_dir = dir_.string();
    auto log = storage::LocalLog::Open(lo);
    EXPECT_TRUE(log.ok());
    log_ = std::move(*log);
  }
  ~TempLog() {
    log_->Close();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  storage::LocalLog& log() { return *log_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<storage::LocalLog> log_;
};

inline std::vector<record::Record> ReadAll(storage::EventLog& log, const std::string& topic, int32_t partition = 0) {
  std::vector<record::Record> out;
  auto info = log.GetOffsets(topic, partition);
  if (!info.ok()) return out;
  auto fetched = log.Fetch(topic, partition, info->start_offset, 64 << 20);
  if (!fetched.ok()) return out;
  std::string bytes;
  if (!fetched->ReadInto(&bytes).ok()) return out;
  auto batches = record::SplitBatches(bytes, true);
  if (!batches.ok()) return out;
  for (auto b : *batches) {
    auto recs = record::DecodeRecords(b);
    if (recs.ok()) out.insert(out.end(), recs->begin(), recs->end());
  }
  return out;
}

inline std::string Header(const record::Record& r, const std::string& name) {
  for (const auto& h : r.headers) {
    if (h.key == name && h.value) return *h.value;
  }
  return "";
}

}  // namespace meshd::governance::testing
