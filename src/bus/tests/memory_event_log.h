#pragma once
// An in-memory storage::EventLog for bus unit tests: topics, partitions,
// offsets, timestamps, group commits and append watches, with Fetch slices
// served from a memfd so the real slice-reading path is exercised.
// Thread-safe (one mutex). `fail_appends_to` makes appends to a topic fail.

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "storage/event_log.h"

namespace meshd::bus::testing {

class MemoryEventLog final : public storage::EventLog {
 public:
  MemoryEventLog() = default;
  ~MemoryEventLog() override;

  Result<storage::TopicDescription> CreateTopic(const std::string& name, int32_t partitions,
                                                const storage::TopicConfig& config) override;
  Status DeleteTopic(const std::string& name) override;
  std::vector<std::string> ListTopics() const override;
  Result<storage::TopicDescription> DescribeTopic(const std::string& name) const override;
  Status AlterTopicConfig(const std::string& name, const std::map<std::string, std::string>& changes) override;
  Status CreatePartitions(const std::string& name, int32_t new_total) override;
  Result<storage::AppendResult> Append(const std::string& topic, int32_t partition, std::string batches) override;
  void AppendAsync(const std::string& topic, int32_t partition, std::string batches, AppendCallback done) override;
  Result<storage::FetchResult> Fetch(const std::string& topic, int32_t partition, int64_t offset,
                                     int32_t max_bytes) const override;
  Result<int64_t> OffsetForTimestamp(const std::string& topic, int32_t partition, int64_t ts_ms) const override;
  Result<storage::PartitionInfo> GetOffsets(const std::string& topic, int32_t partition) const override;
  Status DeleteRecordsBefore(const std::string& topic, int32_t partition, int64_t offset) override;
  uint64_t WatchAppends(const std::string& topic, std::function<void()> cb) override;
  void CancelWatch(uint64_t token) override;
  Status CommitOffsets(const std::string& group, const std::vector<storage::CommittedOffset>& offsets) override;
  std::optional<storage::CommittedOffset> FetchCommitted(const std::string& group, const std::string& topic,
                                                         int32_t partition) const override;
  std::vector<storage::CommittedOffset> ListCommitted(const std::string& group) const override;
  std::vector<std::string> ListGroupsWithOffsets() const override;
  Status DeleteGroupOffsets(const std::string& group) override;

  void FailAppendsTo(const std::string& topic) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_appends_.insert(topic);
  }
  int64_t commit_count() const {
    std::lock_guard<std::mutex> lock(mu_);
    return commits_;
  }

 private:
  struct Batch {
    int64_t base_offset;
    int64_t last_offset;
    int64_t max_timestamp;
    int64_t position;
    int64_t size;
  };
  struct Partition {
    std::shared_ptr<const int> fd;
    int64_t size = 0;
    int64_t next_offset = 0;
    std::vector<Batch> batches;
  };
  struct Topic {
    storage::TopicConfig config;
    std::vector<Partition> partitions;
  };
  mutable std::mutex mu_;
  std::map<std::string, Topic> topics_;
  std::map<std::string, std::map<std::pair<std::string, int32_t>, storage::CommittedOffset>> groups_;
  std::map<uint64_t, std::pair<std::string, std::function<void()>>> watches_;
  uint64_t next_watch_ = 1;
  std::set<std::string> fail_appends_;
  int64_t commits_ = 0;
};

}  // namespace meshd::bus::testing
