#pragma once
// Small helpers for the governance module's internal topics (`_principals`,
// `_audit`): create a single-partition internal topic if missing, and scan
// every record of a partition from an offset (start-up replay, audit reads).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "record/record_batch.h"
#include "storage/event_log.h"

namespace meshd::governance {

// Creates `topic` (1 partition, `config`) unless it exists.
Status EnsureInternalTopic(storage::EventLog& log, const std::string& topic,
                           const std::map<std::string, std::string>& config);

// Calls `fn` for every data record of partition 0 of `topic` at or after
// `from_offset`, in offset order, up to the high watermark at call time.
Status ScanRecords(const storage::EventLog& log, const std::string& topic, int64_t from_offset,
                   const std::function<void(const record::Record&)>& fn);

// Appends one record (key, value; nullopt value = tombstone) to partition 0
// and waits until it is durable per the topic's fsync policy.
Status AppendOne(storage::EventLog& log, const std::string& topic, std::string_view key,
                 std::optional<std::string_view> value, int64_t timestamp_ms);

}  // namespace meshd::governance
