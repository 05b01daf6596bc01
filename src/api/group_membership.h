#pragma once
// GroupMembership: the live members of one HTTP consumer group on one topic
// and the partition assignment among them. Pure logic (no I/O); time comes
// from an injected Clock so session timeouts are testable.
//
// Members are identified by a member id (client-chosen via ?member_id= or
// the Meshd-Member-Id header, or "conn-<n>" derived from the TCP
// connection). A member joins on its first poll, stays alive while it polls
// or commits within its session timeout, and leaves explicitly (DELETE),
// when its connection closes (derived ids) or by timeout. Every change bumps
// the generation. Assignment is the range assignor over members sorted by id:
// each gets a contiguous run of partitions, the first (n % m) one extra.
//
// Thread-safety: none; the owner holds a lock.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/clock.h"

namespace meshd::api {

class GroupMembership {
 public:
  explicit GroupMembership(const Clock* clock) : clock_(clock) {}

  // Joins or heartbeats. Returns true when the member is new (a rebalance).
  bool Touch(const std::string& member_id, int64_t session_timeout_ms);
  // Returns true when the member was present.
  bool Leave(const std::string& member_id);
  // Removes members whose session timed out; returns their ids.
  std::vector<std::string> Expire();

  // Partitions of `member_id` among `partitions` (empty if not a member).
  std::vector<int32_t> AssignmentFor(const std::string& member_id, int32_t partitions) const;
  // Owner of each partition ("" if no members).
  std::map<int32_t, std::string> Owners(int32_t partitions) const;

  int64_t generation() const { return generation_; }
  std::vector<std::string> members() const;
  bool empty() const { return members_.empty(); }
  bool contains(const std::string& id) const { return members_.count(id) != 0; }

 private:
  struct Member {
    int64_t last_seen_ms = 0;
    int64_t session_timeout_ms = 30000;
  };
  const Clock* clock_;
  std::map<std::string, Member> members_;  // sorted: the assignment order
  int64_t generation_ = 0;
};

}  // namespace meshd::api
