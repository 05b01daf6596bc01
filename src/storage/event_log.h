#pragma once
// EventLog: the one narrow interface through which the rest of meshd uses the
// log (HTTP API, Kafka server, bus, registry, stream processing). The embedded
// implementation is storage::LocalLog; a later backend maps the same calls
// onto an external Kafka cluster through librdkafka. Keep it small: produce,
// fetch by offset or time, list offsets, commit group offsets, topic admin.
//
// Thread-safety: every method may be called concurrently from any thread.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "record/record_batch.h"
#include "storage/topic_config.h"

namespace meshd::storage {

struct PartitionInfo {
  int32_t partition = 0;
  int64_t start_offset = 0;  // log start offset (first retained)
  int64_t end_offset = 0;    // high watermark: next offset to be written
  int64_t size_bytes = 0;
  int32_t segments = 0;
};

struct TopicDescription {
  std::string name;
  bool internal = false;  // names starting with "_" (e.g. __consumer_offsets, _schemas)
  TopicConfig config;
  std::vector<PartitionInfo> partitions;
};

struct AppendResult {
  int64_t base_offset = -1;  // offset of the first record appended
  int64_t last_offset = -1;
  int64_t log_append_time_ms = -1;  // -1 unless the topic uses LogAppendTime
  int64_t log_start_offset = 0;
  bool duplicate = false;  // idempotent retry: offsets are the original ones
};

// A byte range of one segment file. The shared handle keeps the file open, so
// a slice stays readable even if retention deletes the segment meanwhile.
struct FileSlice {
  std::shared_ptr<const int> fd;  // points at an open fd; closed when last owner goes
  int64_t position = 0;
  int64_t size = 0;
  // File positions below this had their page cache dropped by the log
  // (LocalLogOptions::page_cache_keep_bytes): ReadInto drops the pages it
  // read there again, so that a reader far behind the tail recycles a few
  // pages instead of refilling the cache with the whole backlog.
  int64_t drop_cache_below = 0;
};

struct FetchResult {
  int64_t high_watermark = 0;
  int64_t last_stable_offset = 0;  // == high_watermark (no transactions yet)
  int64_t log_start_offset = 0;
  // Whole batches, in order, starting with the batch that contains the fetch
  // offset (it may start before it; readers skip earlier records). At least
  // one batch when any exists at or after the offset, even beyond max_bytes
  // (KIP-74).
  std::vector<FileSlice> slices;
  int64_t total_bytes() const;
  // Reads every slice into `out` (appends). One pread per slice.
  Status ReadInto(std::string* out) const;
};

struct CommittedOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // the next offset to read
  std::string metadata;
  int64_t commit_time_ms = 0;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  // ---- topic admin
  virtual Result<TopicDescription> CreateTopic(const std::string& name, int32_t partitions,
                                               const TopicConfig& config) = 0;
  virtual Status DeleteTopic(const std::string& name) = 0;
  virtual std::vector<std::string> ListTopics() const = 0;
  virtual Result<TopicDescription> DescribeTopic(const std::string& name) const = 0;
  virtual Status AlterTopicConfig(const std::string& name,
                                  const std::map<std::string, std::string>& changes) = 0;
  virtual Status CreatePartitions(const std::string& name, int32_t new_total) = 0;

  // ---- data path
  // Appends one or more RecordBatch v2 (wire bytes, concatenated). Each batch
  // is validated (magic, header, CRC-32C); offsets are assigned by rewriting
  // BaseOffset only. Idempotent batches (producer_id >= 0) are checked
  // against the producer's last 5 batches: a retried duplicate returns the
  // original offsets with duplicate=true; a gap gives kOutOfOrderSequence.
  // Returns once the data is durable per the topic's fsync policy.
  virtual Result<AppendResult> Append(const std::string& topic, int32_t partition,
                                      std::string batches) = 0;

  // As Append, but never blocks on fsync: `done` runs (on a storage thread)
  // once durable per policy, or with the error. Servers use this so that an
  // fsync=always group commit does not hold an I/O thread.
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  virtual void AppendAsync(const std::string& topic, int32_t partition, std::string batches,
                           AppendCallback done) = 0;

  // As AppendAsync, but takes the batches from the caller's buffer without a
  // copy: the log may rewrite each batch's BaseOffset in place, and does not
  // touch the buffer after this call returns (an implementation that needs
  // the bytes later copies them). The Kafka server appends straight from the
  // request frame this way. The default copies into AppendAsync.
  virtual void AppendAsyncInPlace(const std::string& topic, int32_t partition,
                                  std::span<char> batches, AppendCallback done) {
    AppendAsync(topic, partition, std::string(batches.data(), batches.size()), std::move(done));
  }

  // Whether the idempotent batch with this header (producer_id >= 0)
  // repeats one of its producer's retained batches in topic/partition, so
  // that Append would answer it as a duplicate and store nothing. Produce
  // asks before its per-record hooks (the contract quarantine) so that a
  // retry does not divert its records a second time. The default: never.
  virtual bool IsDuplicateBatch(const std::string& /*topic*/, int32_t /*partition*/,
                                const record::BatchHeader& /*header*/) const {
    return false;
  }

  virtual Result<FetchResult> Fetch(const std::string& topic, int32_t partition, int64_t offset,
                                    int32_t max_bytes) const = 0;

  // First offset whose timestamp >= ts_ms; the end offset if none.
  virtual Result<int64_t> OffsetForTimestamp(const std::string& topic, int32_t partition,
                                             int64_t ts_ms) const = 0;
  virtual Result<PartitionInfo> GetOffsets(const std::string& topic, int32_t partition) const = 0;
  // Advances the log start offset (Kafka DeleteRecords); whole segments below
  // it are removed.
  virtual Status DeleteRecordsBefore(const std::string& topic, int32_t partition,
                                     int64_t offset) = 0;

  // Long-poll support: runs `cb` once after the next append to `topic` (any
  // partition), or when the topic is deleted. Register *before* fetching to
  // avoid missing an append. Returns a token for CancelWatch.
  virtual uint64_t WatchAppends(const std::string& topic, std::function<void()> cb) = 0;
  virtual void CancelWatch(uint64_t token) = 0;

  // ---- consumer group offsets (one namespace shared by HTTP and Kafka
  // groups), persisted in the compacted internal topic __consumer_offsets.
  virtual Status CommitOffsets(const std::string& group,
                               const std::vector<CommittedOffset>& offsets) = 0;
  virtual std::optional<CommittedOffset> FetchCommitted(const std::string& group,
                                                        const std::string& topic,
                                                        int32_t partition) const = 0;
  virtual std::vector<CommittedOffset> ListCommitted(const std::string& group) const = 0;
  virtual std::vector<std::string> ListGroupsWithOffsets() const = 0;
  virtual Status DeleteGroupOffsets(const std::string& group) = 0;
};

}  // namespace meshd::storage
