#include "storage/topic_config.h"

#include <charconv>
#include <climits>
#include <functional>

namespace meshd::storage {
namespace {

Status BadValue(const std::string& key, const std::string& value, const std::string& expected) {
  return Status::InvalidArgument("invalid value '" + value + "' for config '" + key +
                                 "': expected " + expected);
}

bool ParseInt(const std::string& s, int64_t* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end;
}

Status SetInt(const std::string& key, const std::string& value, int64_t min, int64_t max,
              int64_t* field) {
  int64_t v = 0;
  if (!ParseInt(value, &v) || v < min || v > max) {
    return BadValue(key, value,
                    "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  *field = v;
  return Status::Ok();
}

Status SetInt32(const std::string& key, const std::string& value, int64_t min, int32_t* field) {
  int64_t v = 0;
  MESHD_TRY(SetInt(key, value, min, INT32_MAX, &v));
  *field = static_cast<int32_t>(v);
  return Status::Ok();
}

// Keys owned by other components: validated there, stored verbatim here.
bool IsPassthroughKey(const std::string& key) {
  static const char* const kKeys[] = {
      "schema.validation",        // schema enforcement on publish (schema component)
      "schema.key.validation",    // the same for Kafka record keys (schema component)
      // Confluent Server's names for the same, accepted so that topics
      // configured for Confluent keep their meaning (schema component).
      "confluent.value.schema.validation", "confluent.key.schema.validation",
      "confluent.value.subject.name.strategy", "confluent.key.subject.name.strategy",
      "schema.subject.strategy",  // subject name strategy for that check (schema component)
      "compression.type",    // accepted for Kafka admin clients; batches are stored as produced
      "min.insync.replicas", // accepted for Kafka admin clients; single node
      "description",         // free text shown by describe
  };
  for (const char* k : kKeys) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

Status TopicConfig::Set(const std::string& key, const std::string& value) {
  if (key == "fsync") {
    if (value == "always") {
      fsync = FsyncMode::kAlways;
    } else if (value == "never") {
      fsync = FsyncMode::kNever;
    } else if (value.rfind("interval:", 0) == 0) {
      int64_t ms = 0;
      if (!ParseInt(value.substr(9), &ms) || ms < 1) {
        return BadValue(key, value, "always, never or interval:<ms> with ms >= 1");
      }
      fsync = FsyncMode::kInterval;
      fsync_interval_ms = ms;
    } else {
      return BadValue(key, value, "always, never or interval:<ms>");
    }
  } else if (key == "retention.ms") {
    MESHD_TRY(SetInt(key, value, -1, INT64_MAX, &retention_ms));
  } else if (key == "retention.bytes") {
    MESHD_TRY(SetInt(key, value, -1, INT64_MAX, &retention_bytes));
  } else if (key == "segment.bytes") {
    // Index positions are 32-bit, so a segment must stay below 2 GiB.
    MESHD_TRY(SetInt(key, value, 100, INT32_MAX, &segment_bytes));
  } else if (key == "segment.ms") {
    MESHD_TRY(SetInt(key, value, 1, INT64_MAX, &segment_ms));
  } else if (key == "cleanup.policy") {
    bool del = false, compact = false;
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string part = value.substr(start, comma == std::string::npos ? std::string::npos
                                                                        : comma - start);
      while (!part.empty() && part.front() == ' ') part.erase(part.begin());
      while (!part.empty() && part.back() == ' ') part.pop_back();
      if (part == "delete") {
        del = true;
      } else if (part == "compact") {
        compact = true;
      } else {
        return BadValue(key, value, "delete, compact or compact,delete");
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    cleanup_delete = del;
    cleanup_compact = compact;
  } else if (key == "delete.retention.ms") {
    MESHD_TRY(SetInt(key, value, 0, INT64_MAX, &delete_retention_ms));
  } else if (key == "min.compaction.lag.ms") {
    MESHD_TRY(SetInt(key, value, 0, INT64_MAX, &min_compaction_lag_ms));
  } else if (key == "max.message.bytes") {
    MESHD_TRY(SetInt32(key, value, 0, &max_message_bytes));
  } else if (key == "index.interval.bytes") {
    MESHD_TRY(SetInt32(key, value, 0, &index_interval_bytes));
  } else if (key == "schema.validation" || key == "schema.key.validation") {
    if (value != "none" && value != "warn" && value != "strict") {
      return BadValue(key, value, "none, warn or strict");
    }
  } else if (key == "schema.subject.strategy") {
    if (value != "TopicName" && value != "RecordName" && value != "TopicRecordName") {
      return BadValue(key, value, "TopicName, RecordName or TopicRecordName");
    }
  } else if (key == "confluent.value.schema.validation" || key == "confluent.key.schema.validation") {
    if (value != "true" && value != "false") return BadValue(key, value, "true or false");
  } else if (key == "confluent.value.subject.name.strategy" || key == "confluent.key.subject.name.strategy") {
    const std::string prefix = "io.confluent.kafka.serializers.subject.";
    const std::string name = value.rfind(prefix, 0) == 0 ? value.substr(prefix.size()) : value;
    if (name != "TopicNameStrategy" && name != "RecordNameStrategy" && name != "TopicRecordNameStrategy") {
      return BadValue(key, value, prefix + "TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy");
    }
  } else if (!IsPassthroughKey(key)) {
    return Status::InvalidArgument("unknown config key '" + key + "'");
  }
  raw[key] = value;
  return Status::Ok();
}

Result<TopicConfig> TopicConfig::FromMap(const std::map<std::string, std::string>& changes,
                                         const TopicConfig& base) {
  TopicConfig out = base;
  for (const auto& [k, v] : changes) MESHD_TRY(out.Set(k, v));
  return out;
}

Result<TopicConfig> TopicConfig::FromMap(const std::map<std::string, std::string>& changes) {
  return FromMap(changes, TopicConfig());
}

std::map<std::string, std::string> TopicConfig::ToMap() const {
  std::map<std::string, std::string> m = raw;  // passthrough keys included
  switch (fsync) {
    case FsyncMode::kAlways: m["fsync"] = "always"; break;
    case FsyncMode::kNever: m["fsync"] = "never"; break;
    case FsyncMode::kInterval: m["fsync"] = "interval:" + std::to_string(fsync_interval_ms); break;
  }
  m["retention.ms"] = std::to_string(retention_ms);
  m["retention.bytes"] = std::to_string(retention_bytes);
  m["segment.bytes"] = std::to_string(segment_bytes);
  m["segment.ms"] = std::to_string(segment_ms);
  std::string policy;
  if (cleanup_compact) policy = "compact";
  if (cleanup_delete) policy += policy.empty() ? "delete" : ",delete";
  m["cleanup.policy"] = policy;
  m["delete.retention.ms"] = std::to_string(delete_retention_ms);
  m["min.compaction.lag.ms"] = std::to_string(min_compaction_lag_ms);
  m["max.message.bytes"] = std::to_string(max_message_bytes);
  m["index.interval.bytes"] = std::to_string(index_interval_bytes);
  return m;
}

}  // namespace meshd::storage
