#pragma once
// Helpers for meshd's own state topics (`_catalog`, `_schemas`,
// `_principals`, `_quarantine_state`, ...): create a compacted internal topic
// on first start, and replay a partition's records at start-up. Every module
// that keeps its state in the log does both, so they live here once, next
// to the EventLog seam they are written against.

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "record/record_batch.h"
#include "storage/event_log.h"

namespace meshd::storage {

// Creates `name` with `partitions` partitions as a compacted internal topic
// (cleanup.policy=compact, retention.ms=-1, fsync=always: state that must
// survive a crash and never expire) unless it already exists. A concurrent
// creator winning the race is not an error; other errors name the topic.
Status EnsureInternalTopic(EventLog& log, const std::string& name, int32_t partitions = 1);

// Calls `visit` for every data record of `topic`/`partition` at or after
// `from_offset` (clamped to the log start offset), in offset order, up to the
// end offset at call time. Control batches are skipped. Stops early without
// error if the log stops making progress (a malformed tail).
Status ReplayTopic(const EventLog& log, const std::string& topic, int32_t partition,
                   const std::function<void(const record::Record&)>& visit,
                   int64_t from_offset = 0);

}  // namespace meshd::storage
