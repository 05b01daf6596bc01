#pragma once
// LocalLog: the embedded, durable implementation of EventLog. Topics are
// directories of partitions; a partition is a sequence of segments holding
// Kafka RecordBatch v2 bytes exactly as on the wire (docs/formats/).
//
// Durability follows each topic's `fsync` config. Under `always`, appends
// are acknowledged (and become visible to readers) only after fdatasync; one
// background flusher per LocalLog syncs every partition with waiting appends
// in one pass, so concurrent appenders share an fdatasync (group commit).
// Under `interval:<ms>` the flusher syncs dirty partitions every ms; under
// `never` data is synced only at Close().
//
// Thread-safety: all public methods may be called concurrently. Each
// partition has its own lock; callbacks (AppendAsync, WatchAppends) run
// without any storage lock held, on the caller's thread when no fsync wait is
// needed (possibly before AppendAsync returns), otherwise on the flusher
// thread. Such a callback must not block on a fsync=always Append (it would
// wait for its own thread): hand the work to another executor instead.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "storage/event_log.h"

namespace meshd::storage {

struct LocalLogOptions {
  std::string data_dir;
  // Wall clock for retention, segment.ms, compaction delays and commit
  // times; tests pass a ManualClock. Null = system clock.
  const Clock* clock = nullptr;
  // Period of the background retention + compaction pass; 0 disables the
  // thread (tests then call RunRetentionNow / RunCompactionNow).
  int64_t maintenance_interval_ms = 30'000;
  // CRC-check every segment at open (not only the last): detects and fences
  // corruption in the middle of the log before anything is served.
  bool verify_all_segments = true;
  // segment.bytes of the internal __consumer_offsets topic.
  int64_t offsets_segment_bytes = 16LL << 20;
  // After each fdatasync, the page cache of a partition's synced bytes is
  // dropped (POSIX_FADV_DONTNEED) except for its newest this-many bytes,
  // which tail readers fetch from memory. Why: filling a page the kernel
  // has not cached recently is what a write costs most on the VMs meshd runs
  // on (the host takes the page back when the guest frees it and must fault
  // it in again); recycling a bounded set of pages made the Kafka produce
  // path several times cheaper in CPU (docs/benchmarks.md, run C). Readers
  // further behind read from the disk. -1 keeps everything cached (the
  // kernel decides). Topics with fsync=never are never synced, so never
  // dropped.
  int64_t page_cache_keep_bytes = 64LL << 20;
};

class LocalLog final : public EventLog {
 public:
  static constexpr const char* kOffsetsTopic = "__consumer_offsets";

  static Result<std::unique_ptr<LocalLog>> Open(const LocalLogOptions& options);
  ~LocalLog() override;
  LocalLog(const LocalLog&) = delete;
  LocalLog& operator=(const LocalLog&) = delete;

  // Flushes every partition, writes the indexes, stops the background
  // threads and releases the data-dir lock. Idempotent; later calls fail
  // with kUnavailable.
  void Close();

  Result<TopicDescription> CreateTopic(const std::string& name, int32_t partitions,
                                       const TopicConfig& config) override;
  Status DeleteTopic(const std::string& name) override;
  std::vector<std::string> ListTopics() const override;
  Result<TopicDescription> DescribeTopic(const std::string& name) const override;
  Status AlterTopicConfig(const std::string& name,
                          const std::map<std::string, std::string>& changes) override;
  Status CreatePartitions(const std::string& name, int32_t new_total) override;

  Result<AppendResult> Append(const std::string& topic, int32_t partition,
                              std::string batches) override;
  void AppendAsync(const std::string& topic, int32_t partition, std::string batches,
                   AppendCallback done) override;
  void AppendAsyncInPlace(const std::string& topic, int32_t partition, std::span<char> batches,
                          AppendCallback done) override;
  Result<FetchResult> Fetch(const std::string& topic, int32_t partition, int64_t offset,
                            int32_t max_bytes) const override;
  Result<int64_t> OffsetForTimestamp(const std::string& topic, int32_t partition,
                                     int64_t ts_ms) const override;
  Result<PartitionInfo> GetOffsets(const std::string& topic, int32_t partition) const override;
  bool IsDuplicateBatch(const std::string& topic, int32_t partition,
                        const record::BatchHeader& header) const override;
  Status DeleteRecordsBefore(const std::string& topic, int32_t partition,
                             int64_t offset) override;

  uint64_t WatchAppends(const std::string& topic, std::function<void()> cb) override;
  void CancelWatch(uint64_t token) override;

  Status CommitOffsets(const std::string& group,
                       const std::vector<CommittedOffset>& offsets) override;
  std::optional<CommittedOffset> FetchCommitted(const std::string& group, const std::string& topic,
                                                int32_t partition) const override;
  std::vector<CommittedOffset> ListCommitted(const std::string& group) const override;
  std::vector<std::string> ListGroupsWithOffsets() const override;
  Status DeleteGroupOffsets(const std::string& group) override;

  // ---- maintenance (also run by the background thread)
  // Deletes whole closed segments past retention.ms / retention.bytes.
  Status RunRetentionNow();
  // Compacts the closed segments of every cleanup.policy=compact topic.
  Status RunCompactionNow();
  // Syncs every partition with unsynced data now.
  Status Flush();
  // Corruption found at open (segments fenced there), one line each.
  std::vector<std::string> CorruptionReports() const;

  // Kafka's rule: [a-zA-Z0-9._-]{1,249}, and not "." or "..".
  static Status ValidateTopicName(const std::string& name);

 private:
  struct Partition;
  struct Topic;
  struct GroupKey;

  explicit LocalLog(LocalLogOptions options);
  Status OpenAll();
  Result<std::shared_ptr<Partition>> LoadPartition(const std::shared_ptr<Topic>& topic, int32_t id,
                                                   bool create);
  Status WriteTopicMeta(const Topic& topic, int32_t partitions, const TopicConfig& config) const;
  Result<std::shared_ptr<Topic>> FindTopic(const std::string& name) const;
  Result<std::shared_ptr<Partition>> FindPartition(const std::string& topic, int32_t partition,
                                                   std::shared_ptr<Topic>* topic_out = nullptr) const;
  Result<TopicDescription> Describe(const Topic& topic) const;

  void AppendInternal(const std::string& topic, int32_t partition, std::span<char> buffer,
                      AppendCallback done);
  Status RollLocked(Partition& p, const TopicConfig& config);
  struct SyncJob;
  void SyncPartition(const std::shared_ptr<Partition>& p);
  void BeginSync(SyncJob& job);
  void RunSync(SyncJob& job);
  void DropSyncedCache(const SyncJob& job) const;
  void FinishSync(SyncJob& job);
  void FlusherLoop();
  void MaintenanceLoop();
  void ScheduleSync(const std::shared_ptr<Partition>& p, bool urgent, int64_t interval_ms);
  void FireWatches(const std::string& topic);
  Status RetainPartition(Partition& p, const TopicConfig& config);
  Status CompactPartition(const std::shared_ptr<Partition>& p, const TopicConfig& config);
  Status WriteLogStartCheckpoint(const Partition& p) const;
  void DeleteSegmentsBeforeLocked(Partition& p, int64_t offset);

  Status ReplayGroupOffsets();
  Status EnsureOffsetsTopic();
  int64_t Now() const { return clock_->NowMillis(); }

  LocalLogOptions options_;
  const Clock* clock_;
  int lock_fd_ = -1;
  std::atomic<bool> closed_{false};

  mutable std::shared_mutex topics_mu_;
  std::map<std::string, std::shared_ptr<Topic>> topics_;

  // Flusher: partitions with waiting fsync=always appends (urgent) and
  // partitions dirty under fsync=interval (due at a deadline).
  std::mutex flush_mu_;
  std::condition_variable flush_cv_;
  std::vector<std::shared_ptr<Partition>> urgent_;
  std::map<Partition*, std::pair<std::shared_ptr<Partition>, int64_t>> interval_due_;
  bool stop_flusher_ = false;
  std::thread flusher_;

  std::mutex maint_wait_mu_;
  std::condition_variable maint_cv_;
  bool stop_maint_ = false;
  std::thread maintenance_;
  std::mutex maintenance_mu_;  // serializes retention and compaction passes

  std::mutex watch_mu_;
  uint64_t next_watch_ = 1;
  std::unordered_map<uint64_t, std::pair<std::string, std::function<void()>>> watches_;

  mutable std::mutex groups_mu_;
  struct StoredOffset {
    CommittedOffset offset;
    int64_t log_offset = -1;  // position in __consumer_offsets, to order racing commits
  };
  std::map<std::string, std::map<std::pair<std::string, int32_t>, StoredOffset>> groups_;

  mutable std::mutex corruption_mu_;
  std::vector<std::string> corruption_reports_;
};

}  // namespace meshd::storage
