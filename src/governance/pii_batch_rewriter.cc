#include "governance/pii_batch_rewriter.h"

#include "record/record_batch.h"

namespace meshd::governance {

Status RewriteBatches(const PiiMasker& masker, std::string* batches) {
  if (masker.empty() || batches->empty()) return Status::Ok();
  MESHD_ASSIGN_OR_RETURN(auto parts, record::SplitBatches(*batches, /*allow_partial_tail=*/true));
  std::string out;
  out.reserve(batches->size());
  for (std::string_view b : parts) {
    MESHD_ASSIGN_OR_RETURN(record::BatchHeader h, record::ParseHeader(b));
    if (h.control()) {
      out.append(b);
      continue;
    }
    MESHD_ASSIGN_OR_RETURN(auto records, record::DecodeRecords(b));
    std::vector<std::optional<std::string>> rewritten(records.size());
    bool changed = false;
    for (size_t i = 0; i < records.size(); ++i) {
      if (!records[i].value) continue;
      rewritten[i] = masker.RewriteValue(*records[i].value);
      changed = changed || rewritten[i].has_value();
    }
    if (!changed) {
      out.append(b);
      continue;
    }
    record::RecordBatchBuilder builder(record::Compression::kNone, h.producer_id, h.producer_epoch,
                                       h.base_sequence);
    for (size_t i = 0; i < records.size(); ++i) {
      const record::Record& r = records[i];
      std::optional<std::string_view> value;
      if (rewritten[i]) value = *rewritten[i];
      else if (r.value) value = *r.value;
      std::optional<std::string_view> key;
      if (r.key) key = *r.key;
      builder.AddWithOffsetDelta(static_cast<int32_t>(r.offset - h.base_offset), r.timestamp, key,
                                 value, r.headers);
    }
    builder.SetLastOffsetDelta(h.last_offset_delta);
    std::string rebuilt = builder.Build();
    record::SetBaseOffset(rebuilt.data(), h.base_offset);
    record::SetPartitionLeaderEpoch(rebuilt.data(), h.partition_leader_epoch);
    out += rebuilt;
  }
  *batches = std::move(out);
  return Status::Ok();
}

}  // namespace meshd::governance
