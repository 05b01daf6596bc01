#pragma once
// QuarantineStore: events that broke a contract with on_violation
// `quarantine` are written to `<topic>.quarantine` (created on demand, one
// partition) instead of `<topic>`, with the original key, value and headers
// plus the reason:
//
//   meshd_quarantine_reason   what failed ("field 'amount' is -5, below the minimum 0")
//   meshd_quarantine_rule     which rule ("amount.minimum")
//   meshd_source_topic        the topic it was published to
//   meshd_source_partition    the partition it was bound for
//   meshd_quarantined_at      epoch ms (enforcer clock)
//
// Afterwards an operator lists, releases or drops them. Release re-validates
// each event against the CURRENT contract (a `recheck` function), appends the
// ones that now pass to the source topic (original partition when it still
// exists, else 0; headers minus the quarantine ones, plus
// meshd_released_from=<quarantine topic>@<offset>) and keeps those still
// failing. Drop forgets them.
//
// What was released or dropped is recorded in the compacted internal topic
// `_quarantine_state` (key "<quarantine topic>@<offset>", value
// {"state":"released"|"dropped","at":ms[,"offset":N]}) and replayed at Open,
// so nothing is released twice, across restarts too. The source-topic append
// happens before the state record: a crash between the two could release an
// event again on the next release (at-least-once); the released copy carries
// meshd_released_from so consumers can deduplicate.
//
// Thread-safety: Put may run concurrently from every publish path; List,
// Release and Drop serialise on one mutex.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "governance/validity_checker.h"
#include "record/record_batch.h"
#include "storage/event_log.h"

namespace meshd::governance {

inline constexpr const char* kQuarantineTopicSuffix = ".quarantine";
inline constexpr const char* kHeaderReason = "meshd_quarantine_reason";
inline constexpr const char* kHeaderRule = "meshd_quarantine_rule";
inline constexpr const char* kHeaderSourceTopic = "meshd_source_topic";
inline constexpr const char* kHeaderSourcePartition = "meshd_source_partition";
inline constexpr const char* kHeaderQuarantinedAt = "meshd_quarantined_at";
inline constexpr const char* kHeaderReleasedFrom = "meshd_released_from";

// One event on its way to quarantine.
struct QuarantineItem {
  int32_t source_partition = 0;
  int64_t timestamp_ms = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<record::RecordHeader> headers;  // the event's own headers
  std::string rule;
  std::string reason;
};

// One pending quarantined event as listed.
struct QuarantineEntry {
  std::string quarantine_topic;
  int64_t offset = 0;
  std::string source_topic;
  int32_t source_partition = 0;
  int64_t timestamp_ms = 0;
  int64_t quarantined_at_ms = 0;
  std::string rule;
  std::string reason;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<record::RecordHeader> headers;  // all, quarantine headers included
};

struct ReleaseReport {
  struct Released {
    int64_t offset;          // in the quarantine topic
    int32_t partition;       // in the source topic
    int64_t source_offset;   // new offset in the source topic
  };
  struct Kept {
    int64_t offset;
    std::string rule;
    std::string reason;
  };
  std::vector<Released> released;
  std::vector<Kept> kept;
  std::vector<int64_t> not_found;  // requested offsets that are not pending
};

struct DropReport {
  std::vector<int64_t> dropped;
  std::vector<int64_t> not_found;
};

class QuarantineStore {
 public:
  static constexpr const char* kStateTopic = "_quarantine_state";

  QuarantineStore(storage::EventLog& log, const Clock& clock) : log_(log), clock_(clock) {}

  // Replays _quarantine_state (creating it if missing).
  Status Open();

  static std::string TopicFor(const std::string& source_topic) { return source_topic + kQuarantineTopicSuffix; }
  // "pos.quarantine" -> "pos"; a source topic name is returned unchanged.
  static std::string SourceOf(const std::string& topic);

  // Appends `items` (all for `source_topic`) as one batch to its quarantine
  // topic; returns the first offset.
  Result<int64_t> Put(const std::string& source_topic, const std::vector<QuarantineItem>& items);

  // Pending (neither released nor dropped) events of one source topic, or of
  // every quarantine topic when `source_topic` is empty; oldest first, at
  // most `limit`.
  Result<std::vector<QuarantineEntry>> List(const std::string& source_topic, size_t limit = 1000);

  // `offsets` = nullopt releases every pending event of the topic.
  using Recheck = std::function<Validity(const std::string& source_topic, std::string_view value)>;
  Result<ReleaseReport> Release(const std::string& source_topic,
                                const std::optional<std::vector<int64_t>>& offsets, const Recheck& recheck);
  Result<DropReport> Drop(const std::string& source_topic, const std::optional<std::vector<int64_t>>& offsets);

 private:
  Result<std::vector<QuarantineEntry>> PendingLocked(const std::string& source_topic, size_t limit);
  Status MarkLocked(const std::string& qtopic, int64_t offset, const std::string& state, int64_t new_offset);
  Status EnsureTopic(const std::string& name, bool compacted);

  storage::EventLog& log_;
  const Clock& clock_;
  std::mutex mu_;                                       // List/Release/Drop and handled_
  std::set<std::pair<std::string, int64_t>> handled_;  // (quarantine topic, offset)
  std::mutex create_mu_;                                // topic creation on the publish paths
};

}  // namespace meshd::governance
