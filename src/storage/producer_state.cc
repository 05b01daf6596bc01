#include "storage/producer_state.h"

#include <climits>
#include <string>

namespace meshd::storage {

int32_t ProducerStateMap::LastSequence(int32_t base_seq, int32_t last_offset_delta) {
  int64_t last = static_cast<int64_t>(base_seq) + last_offset_delta;
  if (last > INT32_MAX) last -= static_cast<int64_t>(INT32_MAX) + 1;
  return static_cast<int32_t>(last);
}

Status ProducerStateMap::Check(const record::BatchHeader& h,
                               std::optional<ProducerBatch>* duplicate) const {
  duplicate->reset();
  const std::string who = "producer " + std::to_string(h.producer_id);
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) {
    if (h.base_sequence != 0) {
      return Status(StatusCode::kUnknownProducerId,
                    who + " has no state on this partition and its first sequence is " +
                        std::to_string(h.base_sequence) + ", not 0");
    }
    return Status::Ok();
  }
  const ProducerEntry& e = it->second;
  if (h.producer_epoch < e.epoch) {
    return Status(StatusCode::kInvalidProducerEpoch,
                  who + " epoch " + std::to_string(h.producer_epoch) + " is older than " +
                      std::to_string(e.epoch));
  }
  if (h.producer_epoch > e.epoch) {
    if (h.base_sequence != 0) {
      return Status(StatusCode::kOutOfOrderSequence,
                    who + " new epoch " + std::to_string(h.producer_epoch) +
                        " must start at sequence 0, got " + std::to_string(h.base_sequence));
    }
    return Status::Ok();
  }
  int32_t last_seq = LastSequence(h.base_sequence, h.last_offset_delta);
  for (const ProducerBatch& b : e.batches) {
    if (b.first_seq == h.base_sequence && b.last_seq == last_seq) {
      *duplicate = b;
      return Status::Ok();
    }
  }
  if (e.batches.empty()) return Status::Ok();
  int32_t prev = e.batches.back().last_seq;
  int32_t expected = prev == INT32_MAX ? 0 : prev + 1;
  if (h.base_sequence != expected) {
    return Status(StatusCode::kOutOfOrderSequence,
                  who + " epoch " + std::to_string(h.producer_epoch) + ": expected sequence " +
                      std::to_string(expected) + ", got " + std::to_string(h.base_sequence));
  }
  return Status::Ok();
}

void ProducerStateMap::Update(const record::BatchHeader& h) {
  if (h.producer_id < 0) return;
  ProducerEntry& e = producers_[h.producer_id];
  if (h.producer_epoch != e.epoch) {
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  e.batches.push_back(ProducerBatch{h.base_sequence,
                                    LastSequence(h.base_sequence, h.last_offset_delta),
                                    h.base_offset, h.last_offset()});
  while (e.batches.size() > kRetainedBatches) e.batches.pop_front();
}

const ProducerEntry* ProducerStateMap::Find(int64_t producer_id) const {
  auto it = producers_.find(producer_id);
  return it == producers_.end() ? nullptr : &it->second;
}

void ProducerStateMap::Restore(int64_t producer_id, std::optional<ProducerEntry> entry) {
  if (entry) {
    producers_[producer_id] = std::move(*entry);
  } else {
    producers_.erase(producer_id);
  }
}

}  // namespace meshd::storage
