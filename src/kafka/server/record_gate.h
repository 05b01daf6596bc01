#pragma once
// RecordGate: the per-record hook through which Produce applies data-product
// contracts (src/governance) without src/kafka depending on it. Unlike
// RecordValidator (schema policy: one bad record rejects the partition batch
// with INVALID_RECORD), a gate diverts individual records: they are handed
// to Divert (the contract quarantine, `<topic>.quarantine`) and the rest of
// the batch is stored. The producer sees success for the whole batch.
//
// Idempotent producers: the stored batch keeps the producer id, epoch, base
// sequence, every kept record's offset delta and the original last offset
// delta, so the broker's sequence state advances exactly as if the whole
// batch had been stored (the next batch's sequence is accepted, a retry of
// this one is answered as a duplicate). The offsets of diverted records stay
// unused, as in a compacted topic. When every record is diverted, an
// idempotent batch is stored empty (records_count 0) for the same reason; a
// non-idempotent one is not appended at all (base_offset -1 in the answer).
//
// Thread-safety: called concurrently from every I/O thread.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "record/record_batch.h"

namespace meshd::kafka {

class RecordGate {
 public:
  virtual ~RecordGate() = default;

  // True when records produced to `topic` must be checked (once per
  // partition batch, so ungoverned topics skip decoding).
  virtual bool Enabled(const std::string& topic) = 0;

  struct Verdict {
    bool divert = false;
    std::string rule;    // set when divert
    std::string reason;  // set when divert
  };
  // One record value (tombstones are not checked: they carry no payload).
  virtual Verdict Check(const std::string& topic, std::string_view value) = 0;

  // Stores the diverted records of one partition batch. An error fails the
  // partition's produce (nothing of the batch is stored).
  virtual Status Divert(const std::string& topic, int32_t partition,
                        const std::vector<const record::Record*>& records,
                        const std::vector<Verdict>& verdicts) = 0;
};

}  // namespace meshd::kafka
