#include "api/group_membership.h"

namespace meshd::api {

bool GroupMembership::Touch(const std::string& member_id, int64_t session_timeout_ms) {
  auto [it, inserted] = members_.try_emplace(member_id);
  it->second.last_seen_ms = clock_->NowMillis();
  it->second.session_timeout_ms = session_timeout_ms;
  if (inserted) ++generation_;
  return inserted;
}

bool GroupMembership::Leave(const std::string& member_id) {
  if (members_.erase(member_id) == 0) return false;
  ++generation_;
  return true;
}

std::vector<std::string> GroupMembership::Expire() {
  std::vector<std::string> gone;
  int64_t now = clock_->NowMillis();
  for (auto it = members_.begin(); it != members_.end();) {
    if (now - it->second.last_seen_ms > it->second.session_timeout_ms) {
      gone.push_back(it->first);
      it = members_.erase(it);
    } else {
      ++it;
    }
  }
  if (!gone.empty()) ++generation_;
  return gone;
}

std::map<int32_t, std::string> GroupMembership::Owners(int32_t partitions) const {
  std::map<int32_t, std::string> owners;
  if (members_.empty() || partitions <= 0) return owners;
  const int32_t m = static_cast<int32_t>(members_.size());
  const int32_t per = partitions / m;
  const int32_t extra = partitions % m;
  int32_t next = 0;
  int32_t index = 0;
  for (const auto& [id, member] : members_) {
    int32_t count = per + (index < extra ? 1 : 0);
    for (int32_t k = 0; k < count; ++k) owners[next++] = id;
    ++index;
  }
  return owners;
}

std::vector<int32_t> GroupMembership::AssignmentFor(const std::string& member_id,
                                                    int32_t partitions) const {
  std::vector<int32_t> out;
  if (!members_.count(member_id)) return out;
  for (const auto& [p, owner] : Owners(partitions)) {
    if (owner == member_id) out.push_back(p);
  }
  return out;
}

std::vector<std::string> GroupMembership::members() const {
  std::vector<std::string> out;
  for (const auto& [id, m] : members_) out.push_back(id);
  return out;
}

}  // namespace meshd::api
