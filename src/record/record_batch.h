#pragma once
// Kafka RecordBatch v2 (magic 2): the one byte format meshd stores on disk,
// serves over Kafka Fetch, and builds for events that arrive over HTTP.
// Layout: docs/formats/record_batch.md (and Kafka's DefaultRecordBatch).
//
// The broker changes only BaseOffset and PartitionLeaderEpoch, which lie
// outside the CRC-32C, so assigning offsets never recomputes a checksum.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace meshd::record {

constexpr size_t kBatchHeaderSize = 61;
constexpr size_t kLogOverhead = 12;  // BaseOffset + BatchLength
constexpr int8_t kMagicV2 = 2;

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;  // bytes after this field: total = 12 + batch_length
  int32_t partition_leader_epoch = 0;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  Compression compression() const { return static_cast<Compression>(attributes & 0x7); }
  bool log_append_time() const { return (attributes & 0x8) != 0; }
  bool transactional() const { return (attributes & 0x10) != 0; }
  bool control() const { return (attributes & 0x20) != 0; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  size_t total_size() const { return kLogOverhead + static_cast<size_t>(batch_length); }
};

// Parses the 61-byte header at the front of `bytes` (no CRC check). Fails if
// fewer than 61 bytes are present or the magic is not 2.
Result<BatchHeader> ParseHeader(std::string_view bytes);

// Validates one whole batch (exactly one, no trailing bytes): magic 2,
// BatchLength consistent with the size, records_count >= 0 and equal to
// last_offset_delta + 1 unless the batch is empty/compacted, CRC-32C correct.
Status ValidateBatch(std::string_view batch);

// Splits `bytes` (one or more concatenated batches) into whole batches. With
// `allow_partial_tail`, a trailing incomplete batch is dropped (Fetch may end
// mid-batch); otherwise it is an error.
Result<std::vector<std::string_view>> SplitBatches(std::string_view bytes,
                                                   bool allow_partial_tail = false);

// Rewrites the BaseOffset field of the batch at `batch` in place.
void SetBaseOffset(char* batch, int64_t base_offset);
// Rewrites PartitionLeaderEpoch in place (outside the CRC).
void SetPartitionLeaderEpoch(char* batch, int32_t epoch);
// Recomputes and stores the CRC (only needed after changing a covered field,
// e.g. MaxTimestamp for LogAppendTime topics).
void UpdateCrc(char* batch, size_t size);

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;  // nullopt = null header value
};

struct Record {
  int64_t offset = 0;     // absolute: base_offset + offset_delta
  int64_t timestamp = 0;  // absolute ms: base_timestamp + delta (or max_timestamp for LogAppendTime)
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt = tombstone
  std::vector<RecordHeader> headers;
};

// Decodes every record of one batch, decompressing if needed. Control
// batches decode to their (control) records; callers usually skip them.
Result<std::vector<Record>> DecodeRecords(std::string_view batch);

// A record's key and value as views, for paths that only read them (the
// produce path's schema validation): no allocation or copy per record.
struct RecordView {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;  // nullopt = tombstone
};

// DecodeRecords with the same checks, as views into `batch`, or into
// *decompressed for a compressed batch (both must outlive the views).
// Headers are checked but not returned. *out is cleared first, so one
// vector can be reused across batches.
Status DecodeRecordViews(std::string_view batch, std::string* decompressed, std::vector<RecordView>* out);

// Builds one RecordBatch v2. Offsets are relative (base 0) until the log
// assigns them; Build() computes the CRC.
class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(Compression compression = Compression::kNone,
                              int64_t producer_id = -1, int16_t producer_epoch = -1,
                              int32_t base_sequence = -1);

  void Add(int64_t timestamp_ms, std::optional<std::string_view> key,
           std::optional<std::string_view> value, const std::vector<RecordHeader>& headers = {});

  // Adds a record at an explicit offset delta (must exceed the previous one).
  // Log compaction uses this to re-encode survivors with their original
  // offsets, leaving gaps as Kafka does in compacted topics.
  void AddWithOffsetDelta(int32_t offset_delta, int64_t timestamp_ms,
                          std::optional<std::string_view> key,
                          std::optional<std::string_view> value,
                          const std::vector<RecordHeader>& headers = {});
  // Raises LastOffsetDelta (compaction keeps the original batch's last offset
  // so that producer sequence state stays consistent).
  void SetLastOffsetDelta(int32_t delta);

  size_t count() const { return count_; }
  size_t uncompressed_bytes() const { return records_.size(); }
  bool empty() const { return count_ == 0; }

  // Returns the finished batch. The builder is reset and can be reused.
  std::string Build();

 private:
  Compression compression_;
  int64_t producer_id_;
  int16_t producer_epoch_;
  int32_t base_sequence_;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
  size_t count_ = 0;
  int32_t last_offset_delta_ = -1;
  int32_t next_offset_delta_ = 0;
  std::string records_;  // encoded records, uncompressed
};

}  // namespace meshd::record
