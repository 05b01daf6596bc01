#pragma once
// Idempotent-producer state of one partition (Kafka semantics): per
// producer id the epoch and the last 5 batches' sequence ranges and offsets.
// A retried batch matching one of them is a duplicate (answered with the
// original offsets); anything else must continue the sequence exactly.
// Rebuilt at open by replaying batch headers of the partition's log.
//
// Not thread-safe: the owning partition's lock guards it.

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

#include "base/status.h"
#include "record/record_batch.h"

namespace meshd::storage {

struct ProducerBatch {
  int32_t first_seq = 0;
  int32_t last_seq = 0;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
};

struct ProducerEntry {
  int16_t epoch = -1;
  std::deque<ProducerBatch> batches;  // oldest first, at most kRetainedBatches
};

class ProducerStateMap {
 public:
  static constexpr size_t kRetainedBatches = 5;  // Kafka's NUM_BATCHES_TO_RETAIN

  // Checks an idempotent batch (producer_id >= 0) before it is written.
  // OK with *duplicate set when it repeats a retained batch; otherwise OK
  // means it may be appended, or kOutOfOrderSequence / kInvalidProducerEpoch /
  // kUnknownProducerId.
  Status Check(const record::BatchHeader& h, std::optional<ProducerBatch>* duplicate) const;

  // Records a batch written at h.base_offset (no checks; also used when
  // replaying the log at open).
  void Update(const record::BatchHeader& h);

  const ProducerEntry* Find(int64_t producer_id) const;
  void Restore(int64_t producer_id, std::optional<ProducerEntry> entry);
  size_t size() const { return producers_.size(); }

  // Last sequence of a batch, wrapping from INT32_MAX to 0 as Kafka does.
  static int32_t LastSequence(int32_t base_seq, int32_t last_offset_delta);

 private:
  std::unordered_map<int64_t, ProducerEntry> producers_;
};

}  // namespace meshd::storage
