#pragma once
// Thin helpers over storage::EventLog for the bus: append JSON records, read
// decoded records from an offset, and create internal topics on demand.
// Thread-safe (the EventLog is).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "record/record_batch.h"
#include "storage/event_log.h"

namespace meshd::bus {

struct OutRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt = tombstone
  std::vector<record::RecordHeader> headers;
  int64_t timestamp_ms = 0;
};

// Appends `records` as one batch; returns the base offset.
Result<int64_t> AppendRecords(storage::EventLog& log, const std::string& topic, int32_t partition,
                              const std::vector<OutRecord>& records);

// Reads records at or after `offset` (up to about `max_bytes`); skips records
// before `offset` inside the first batch and control batches.
Result<std::vector<record::Record>> ReadRecords(const storage::EventLog& log,
                                                const std::string& topic, int32_t partition,
                                                int64_t offset, int32_t max_bytes = 1 << 20);

// Creates `topic` if it does not exist. Returns its partition count.
Result<int32_t> EnsureTopic(storage::EventLog& log, const std::string& topic, int32_t partitions,
                            bool compacted = false);

}  // namespace meshd::bus
