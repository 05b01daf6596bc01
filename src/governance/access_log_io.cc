#include "governance/access_log_io.h"

#include "storage/internal_topic.h"

namespace meshd::governance {

Status EnsureInternalTopic(storage::EventLog& log, const std::string& topic,
                           const std::map<std::string, std::string>& config) {
  if (log.DescribeTopic(topic).ok()) return Status::Ok();
  auto cfg = storage::TopicConfig::FromMap(config);
  if (!cfg.ok()) return cfg.status();
  auto created = log.CreateTopic(topic, 1, *cfg);
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    return Status(created.status().code(),
                  "creating internal topic '" + topic + "': " + created.status().message());
  }
  return Status::Ok();
}

Status ScanRecords(const storage::EventLog& log, const std::string& topic, int64_t from_offset,
                   const std::function<void(const record::Record&)>& fn) {
  return storage::ReplayTopic(log, topic, 0, fn, from_offset);
}

Status AppendOne(storage::EventLog& log, const std::string& topic, std::string_view key,
                 std::optional<std::string_view> value, int64_t timestamp_ms) {
  record::RecordBatchBuilder builder;
  builder.Add(timestamp_ms, key, value);
  auto r = log.Append(topic, 0, builder.Build());
  if (!r.ok()) return r.status();
  return Status::Ok();
}

}  // namespace meshd::governance
