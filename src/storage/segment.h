#pragma once
// One segment of a partition: <base>.log holding RecordBatch v2 bytes as on
// the wire, plus its sparse offset index (<base>.index) and time index
// (<base>.timeindex). Formats: docs/formats/segment_format.md and
// docs/formats/index_format.md.
//
// The indexes live in memory and are written to their files when the segment
// is closed (rolled), compacted, or the log shuts down; at open they are
// rebuilt from the log scan and the files rewritten if missing or stale.
//
// Thread-safety: not synchronized. The owning partition's lock guards all
// state; Sync() and reads through fd() may run outside it because the fd
// outlives the Segment (shared handle).

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "record/record_batch.h"

namespace meshd::storage {

struct OffsetIndexEntry {
  uint32_t relative_offset = 0;  // batch base offset - segment base offset
  uint32_t position = 0;         // byte position of that batch in the .log
  bool operator==(const OffsetIndexEntry&) const = default;
};

struct TimeIndexEntry {
  int64_t timestamp = 0;  // max timestamp of the segment up to and including the batch
  uint32_t relative_offset = 0;
  bool operator==(const TimeIndexEntry&) const = default;
};

// Describes one batch inside a buffer handed to Segment::Append.
struct AppendedBatch {
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = 0;
  int64_t size = 0;
};

std::string SegmentFileName(int64_t base_offset, const char* suffix);

class Segment {
 public:
  // Creates an empty segment (truncating a leftover file of the same name).
  static Result<std::shared_ptr<Segment>> Create(const std::string& dir, int64_t base_offset);
  // Opens an existing segment; call Scan() before use.
  static Result<std::shared_ptr<Segment>> OpenExisting(const std::string& dir, int64_t base_offset);
  ~Segment();

  struct ScanOutcome {
    int64_t valid_bytes = 0;  // bytes of whole, valid batches from position 0
    bool bad = false;         // an invalid or torn batch starts at valid_bytes
    std::string error;        // why, when bad
  };
  // Reads the log from the start, rebuilding the in-memory indexes, next
  // offset and max timestamp. Stops at the first invalid batch (header
  // checks always; CRC when verify_crc). on_batch sees each valid header.
  Result<ScanOutcome> Scan(bool verify_crc, int32_t index_interval,
                           const std::function<void(const record::BatchHeader&)>& on_batch);

  // Writes `bytes` (whole batches with offsets assigned) at the end with one
  // pwrite and updates the indexes. On failure the file is cut back.
  Status Append(std::string_view bytes, const std::vector<AppendedBatch>& batches,
                int32_t index_interval);
  Status Truncate(int64_t size);
  Status Sync() const;
  // Asks the kernel to drop this segment's cached pages below `position`
  // (rounded down to a page). Call only for synced bytes: clean pages are
  // simply evicted, so nothing is lost, and later reads go to the disk.
  // Each byte range is advised once; safe to call from any thread.
  void DropCacheBefore(int64_t position);
  // Bytes from the start already advised by DropCacheBefore.
  int64_t cache_dropped() const { return cache_dropped_.load(std::memory_order_relaxed); }
  // Marks bytes from `position` unreadable: offsets >= from_offset in this
  // segment are reported as corruption instead of served.
  void Fence(int64_t position, int64_t from_offset, std::string reason);

  // Index files: write the in-memory indexes; or compare with what is on disk.
  Status WriteIndexFiles() const;
  bool IndexFilesMatch() const;
  // Unlinks the segment's files (open handles keep the data readable).
  void RemoveFiles() const;

  // Largest indexed batch position whose base offset <= offset (0 if none).
  int64_t LookupPosition(int64_t offset) const;
  // Largest indexed batch position <= position (0 if none).
  int64_t BoundaryAtOrBefore(int64_t position) const;
  // Offset to start a timestamp search from: every record before it is older
  // than ts (the base offset if none).
  int64_t LookupTimestamp(int64_t ts) const;
  Result<record::BatchHeader> ReadHeaderAt(int64_t position) const;
  Status ReadAt(int64_t position, size_t n, std::string* out) const;

  int64_t base_offset() const { return base_offset_; }
  int64_t size() const { return size_; }
  // Bytes visible to readers (lags size() under fsync=always until synced).
  int64_t committed() const { return committed_; }
  void set_committed(int64_t c) { committed_ = c; }
  int64_t next_offset() const { return next_offset_; }
  int64_t max_timestamp() const { return max_timestamp_; }
  int64_t created_ms() const { return created_ms_; }
  void set_created_ms(int64_t ms) { created_ms_ = ms; }
  bool fenced() const { return fenced_; }
  int64_t fence_position() const { return fence_position_; }
  int64_t fence_offset() const { return fence_offset_; }
  const std::string& fence_reason() const { return fence_reason_; }
  // Readable limit: committed bytes, cut at a fence.
  int64_t readable_end() const { return fenced_ ? std::min(committed_, fence_position_) : committed_; }
  const std::shared_ptr<const int>& fd() const { return fd_; }
  const std::string& log_path() const { return log_path_; }
  const std::vector<OffsetIndexEntry>& offset_index() const { return index_; }
  const std::vector<TimeIndexEntry>& time_index() const { return time_index_; }

 private:
  Segment(std::string dir, int64_t base_offset, int fd);
  void ResetIndexes();
  void IndexBatch(int64_t position, int64_t base_offset, int64_t last_offset,
                  int64_t max_timestamp, int64_t size, int32_t index_interval);

  std::string dir_;
  int64_t base_offset_;
  std::string log_path_;
  std::shared_ptr<const int> fd_;
  int64_t size_ = 0;
  int64_t committed_ = 0;
  int64_t next_offset_;
  int64_t max_timestamp_ = -1;
  int64_t created_ms_ = 0;
  int64_t bytes_since_index_ = 0;
  std::vector<OffsetIndexEntry> index_;
  std::vector<TimeIndexEntry> time_index_;
  std::atomic<int64_t> cache_dropped_{0};
  bool fenced_ = false;
  int64_t fence_position_ = 0;
  int64_t fence_offset_ = 0;
  std::string fence_reason_;
};

}  // namespace meshd::storage
