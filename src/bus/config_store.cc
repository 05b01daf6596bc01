#include "bus/config_store.h"

#include "base/clock.h"
#include "base/logging.h"
#include "bus/log_io.h"

namespace meshd::bus {

Status ConfigStore::Open() {
  auto parts = EnsureTopic(log_, topic_, 1, /*compacted=*/true);
  if (!parts.ok()) return parts.error();
  return Status::Ok();
}

Status ConfigStore::Put(const std::string& key, const json::object& value) {
  OutRecord r{key, json::serialize(value), {}, WallMillis()};
  auto res = AppendRecords(log_, topic_, 0, {r});
  if (!res.ok()) return Status(res.error().code(), "persisting bus config '" + key + "': " + res.error().message());
  return Status::Ok();
}

Status ConfigStore::Delete(const std::string& key) {
  OutRecord r{key, std::nullopt, {}, WallMillis()};
  auto res = AppendRecords(log_, topic_, 0, {r});
  if (!res.ok()) return Status(res.error().code(), "deleting bus config '" + key + "': " + res.error().message());
  return Status::Ok();
}

Result<std::map<std::string, json::object>> ConfigStore::Load() const {
  std::map<std::string, json::object> out;
  MESHD_ASSIGN_OR_RETURN(auto offsets, log_.GetOffsets(topic_, 0));
  int64_t offset = offsets.start_offset;
  while (offset < offsets.end_offset) {
    MESHD_ASSIGN_OR_RETURN(auto recs, ReadRecords(log_, topic_, 0, offset));
    if (recs.empty()) break;
    for (auto& r : recs) {
      offset = r.offset + 1;
      if (!r.key) continue;
      if (!r.value) {
        out.erase(*r.key);
        continue;
      }
      auto v = ParseJson(*r.value, "bus config '" + *r.key + "'");
      if (!v.ok() || !v->is_object()) {
        logging::Get("bus")->warn("skipping unreadable bus config record '{}' at offset {}", *r.key, r.offset);
        continue;
      }
      out[*r.key] = std::move(v->get_object());
    }
  }
  return out;
}

}  // namespace meshd::bus
