#pragma once
// ConfigStore: the bus configuration (buses, rules with their targets,
// functions, archives, replays) persisted as JSON values in the compacted
// internal topic __meshd_bus_config, keyed "<kind>/<name>" (rules:
// "rule/<bus>/<name>"). A delete writes a tombstone. Load() replays the topic
// from the start; the last value per key wins.
//
// Thread-safety: Put/Delete/Load may be called concurrently (the log
// serializes appends); callers order their own updates.

#include <map>
#include <string>

#include "base/result.h"
#include "bus/json_util.h"
#include "storage/event_log.h"

namespace meshd::bus {

class ConfigStore {
 public:
  static constexpr const char* kDefaultTopic = "__meshd_bus_config";

  explicit ConfigStore(storage::EventLog& log, std::string topic = kDefaultTopic)
      : log_(log), topic_(std::move(topic)) {}

  // Creates the topic if needed.
  Status Open();
  Status Put(const std::string& key, const json::object& value);
  Status Delete(const std::string& key);
  // Every live key and its latest value.
  Result<std::map<std::string, json::object>> Load() const;

  const std::string& topic() const { return topic_; }

 private:
  storage::EventLog& log_;
  std::string topic_;
};

}  // namespace meshd::bus
