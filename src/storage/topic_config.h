#pragma once
// Per-topic configuration. Keys follow Kafka's names where one exists
// (retention.ms, retention.bytes, segment.bytes, segment.ms, cleanup.policy,
// delete.retention.ms, max.message.bytes, ...), plus meshd's `fsync`
// (always | interval:<ms> | never). Unknown keys are rejected by name.
// Keys owned by other components (e.g. schema.validation) are registered in
// the known-key table in topic_config.cc and kept verbatim in `raw`.

#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace meshd::storage {

enum class FsyncMode { kAlways, kInterval, kNever };

struct TopicConfig {
  FsyncMode fsync = FsyncMode::kInterval;
  int64_t fsync_interval_ms = 1000;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // -1 = keep forever
  int64_t retention_bytes = -1;                    // per partition; -1 = unbounded
  int64_t segment_bytes = 128LL * 1024 * 1024;
  int64_t segment_ms = 7LL * 24 * 3600 * 1000;
  bool cleanup_delete = true;    // cleanup.policy contains "delete"
  bool cleanup_compact = false;  // cleanup.policy contains "compact"
  int64_t delete_retention_ms = 24LL * 3600 * 1000;  // how long tombstones survive compaction
  int64_t min_compaction_lag_ms = 0;
  int32_t max_message_bytes = 1024 * 1024;
  int32_t index_interval_bytes = 4096;

  // Every key explicitly set, as given (for describe and persistence).
  std::map<std::string, std::string> raw;

  // Sets one key after validating its value; errors name the key and value.
  Status Set(const std::string& key, const std::string& value);
  // Applies every entry of `changes`; on error nothing is applied.
  // (Two overloads rather than a `= TopicConfig()` default argument, which
  // g++ rejects inside the class because of the default member initializers.)
  static Result<TopicConfig> FromMap(const std::map<std::string, std::string>& changes,
                                     const TopicConfig& base);
  static Result<TopicConfig> FromMap(const std::map<std::string, std::string>& changes);
  // All effective values (defaults included), Kafka key names.
  std::map<std::string, std::string> ToMap() const;
};

}  // namespace meshd::storage
