#include "storage/internal_topic.h"

#include <algorithm>

namespace meshd::storage {

Status EnsureInternalTopic(EventLog& log, const std::string& name, int32_t partitions) {
  if (log.DescribeTopic(name).ok()) return Status::Ok();
  MESHD_ASSIGN_OR_RETURN(
      TopicConfig config,
      TopicConfig::FromMap({{"cleanup.policy", "compact"}, {"retention.ms", "-1"}, {"fsync", "always"}}));
  auto created = log.CreateTopic(name, partitions, config);
  if (!created.ok() && created.status().code() != StatusCode::kAlreadyExists) {
    return Status(created.status().code(),
                  "creating internal topic '" + name + "': " + created.status().message());
  }
  return Status::Ok();
}

Status ReplayTopic(const EventLog& log, const std::string& topic, int32_t partition,
                   const std::function<void(const record::Record&)>& visit, int64_t from_offset) {
  MESHD_ASSIGN_OR_RETURN(PartitionInfo offsets, log.GetOffsets(topic, partition));
  const int64_t end = offsets.end_offset;
  int64_t next = std::max(from_offset, offsets.start_offset);
  while (next < end) {
    MESHD_ASSIGN_OR_RETURN(FetchResult fetched, log.Fetch(topic, partition, next, 1 << 20));
    if (fetched.slices.empty()) break;
    std::string bytes;
    MESHD_TRY(fetched.ReadInto(&bytes));
    MESHD_ASSIGN_OR_RETURN(auto batches, record::SplitBatches(bytes, /*allow_partial_tail=*/true));
    if (batches.empty()) break;
    const int64_t before = next;
    for (std::string_view b : batches) {
      MESHD_ASSIGN_OR_RETURN(record::BatchHeader header, record::ParseHeader(b));
      if (!header.control()) {
        MESHD_ASSIGN_OR_RETURN(auto records, record::DecodeRecords(b));
        // The first batch may start before `next`; records past `end` were
        // appended after the call began and belong to the live path.
        for (const record::Record& r : records) {
          if (r.offset >= next && r.offset < end) visit(r);
        }
      }
      next = std::max(next, header.last_offset() + 1);
    }
    if (next == before) break;  // no progress: defensive against a malformed tail
  }
  return Status::Ok();
}

}  // namespace meshd::storage
