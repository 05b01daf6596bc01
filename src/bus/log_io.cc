#include "bus/log_io.h"

#include <unistd.h>

#include <cerrno>

namespace meshd::bus {

Result<int64_t> AppendRecords(storage::EventLog& log, const std::string& topic, int32_t partition,
                              const std::vector<OutRecord>& records) {
  record::RecordBatchBuilder builder;
  for (const auto& r : records) {
    std::optional<std::string_view> key, value;
    if (r.key) key = *r.key;
    if (r.value) value = *r.value;
    builder.Add(r.timestamp_ms, key, value, r.headers);
  }
  MESHD_ASSIGN_OR_RETURN(auto res, log.Append(topic, partition, builder.Build()));
  return res.base_offset;
}

Result<std::vector<record::Record>> ReadRecords(const storage::EventLog& log,
                                                const std::string& topic, int32_t partition,
                                                int64_t offset, int32_t max_bytes) {
  MESHD_ASSIGN_OR_RETURN(auto fetched, log.Fetch(topic, partition, offset, max_bytes));
  // Read the slices ourselves (pread), keeping the bus independent of the
  // storage library's implementation file.
  std::string bytes;
  for (const auto& s : fetched.slices) {
    if (!s.fd || s.size <= 0) continue;
    size_t old = bytes.size();
    bytes.resize(old + static_cast<size_t>(s.size));
    int64_t done = 0;
    while (done < s.size) {
      ssize_t n = ::pread(*s.fd, bytes.data() + old + done, static_cast<size_t>(s.size - done),
                          static_cast<off_t>(s.position + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status::IOError("reading " + topic + "/" + std::to_string(partition) +
                               " for the bus: short read");
      }
      done += n;
    }
  }
  std::vector<record::Record> out;
  MESHD_ASSIGN_OR_RETURN(auto batches, record::SplitBatches(bytes, /*allow_partial_tail=*/true));
  for (auto b : batches) {
    MESHD_ASSIGN_OR_RETURN(auto header, record::ParseHeader(b));
    if (header.control()) continue;
    MESHD_ASSIGN_OR_RETURN(auto recs, record::DecodeRecords(b));
    for (auto& r : recs) {
      if (r.offset >= offset) out.push_back(std::move(r));
    }
  }
  return out;
}

Result<int32_t> EnsureTopic(storage::EventLog& log, const std::string& topic, int32_t partitions,
                            bool compacted) {
  auto desc = log.DescribeTopic(topic);
  if (desc.ok()) return static_cast<int32_t>(desc->partitions.size());
  storage::TopicConfig config;
  if (compacted) {
    config.cleanup_compact = true;
    config.cleanup_delete = false;
    config.retention_ms = -1;
    config.raw["cleanup.policy"] = "compact";
  }
  auto created = log.CreateTopic(topic, partitions, config);
  if (!created.ok()) {
    if (created.error().code() == StatusCode::kAlreadyExists) {
      MESHD_ASSIGN_OR_RETURN(auto again, log.DescribeTopic(topic));
      return static_cast<int32_t>(again.partitions.size());
    }
    return created.error();
  }
  return static_cast<int32_t>(created->partitions.size());
}

}  // namespace meshd::bus
