#pragma once
// GroupCoordinator: the broker side of Kafka's classic consumer-group
// protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup) for every group
// this node owns (all of them: meshd is a single node).
//
// State machine per group (as Kafka's GroupCoordinator):
//   Empty --join--> PreparingRebalance --barrier--> CompletingRebalance
//   --leader's SyncGroup--> Stable --join/leave/expiry--> PreparingRebalance
// The join barrier completes when every known member has a JoinGroup pending,
// or when the rebalance timeout (max over members) passes; members that did
// not rejoin by then are removed. Each completed barrier bumps the
// generation, picks a protocol every member supports (by member votes) and a
// leader (the previous one if still present); only the leader receives the
// member list and sends the assignment in SyncGroup.
// Static members (group.instance.id) keep their slot across restarts: a
// rejoin with an unknown member id replaces the old id without a rebalance.
// v4+ joins without a member id get MEMBER_ID_REQUIRED plus an id to rejoin
// with. Session timeouts are checked by Tick() against an injectable Clock.
//
// Offsets are not stored here: handlers call ValidateOffsetCommit and then
// EventLog::CommitOffsets, so HTTP and Kafka groups share one namespace.
//
// Thread-safety: all methods may be called from any thread (one mutex).
// Completion callbacks run after the mutex is released, on the calling
// thread (the one whose request or Tick completed the barrier).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "kafka/protocol/error_codes.h"

namespace meshd::kafka {

struct GroupCoordinatorOptions {
  int32_t min_session_timeout_ms = 1000;
  int32_t max_session_timeout_ms = 1800000;
  // Delay before the first rebalance of an empty group completes, so that
  // members starting together land in one generation (Kafka:
  // group.initial.rebalance.delay.ms = 3000). 0 = no delay.
  int32_t initial_rebalance_delay_ms = 0;
};

struct JoinGroupInput {
  std::string group_id;
  std::string member_id;  // "" on first join
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 10000;
  std::string protocol_type;
  std::vector<std::pair<std::string, std::string>> protocols;  // (name, metadata), preference order
  bool require_known_member_id = false;  // JoinGroup v4+
};

struct JoinGroupOutput {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  struct Member {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string metadata;
  };
  std::vector<Member> members;  // only for the leader
};

struct SyncGroupOutput {
  ErrorCode error = ErrorCode::kNone;
  std::string assignment;
};

struct GroupMemberSummary {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;    // for the chosen protocol
  std::string assignment;
};

struct GroupSummary {
  std::string group_id;
  std::string state;  // "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
  std::string protocol_type;
  std::string protocol_name;
  int32_t generation_id = 0;
  std::vector<GroupMemberSummary> members;
};

class GroupCoordinator {
 public:
  using JoinCallback = std::function<void(JoinGroupOutput)>;
  using SyncCallback = std::function<void(SyncGroupOutput)>;

  GroupCoordinator(const Clock& clock, GroupCoordinatorOptions options);
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // Completes `done` now (errors, MEMBER_ID_REQUIRED, static rejoin) or when
  // the join barrier completes.
  void Join(JoinGroupInput in, JoinCallback done);
  // Completes `done` now (errors, Stable group) or when the leader's
  // assignment arrives. `assignments` is non-empty only from the leader.
  void Sync(const std::string& group_id, int32_t generation_id, const std::string& member_id,
            const std::optional<std::string>& group_instance_id,
            std::map<std::string, std::string> assignments, SyncCallback done);
  ErrorCode Heartbeat(const std::string& group_id, int32_t generation_id,
                      const std::string& member_id,
                      const std::optional<std::string>& group_instance_id);
  // One error per (member_id, instance id) leaving; the member id may be
  // empty when the instance id identifies a static member.
  std::vector<ErrorCode> Leave(
      const std::string& group_id,
      const std::vector<std::pair<std::string, std::optional<std::string>>>& members);
  // Whether an OffsetCommit with this identity may be stored. generation -1
  // with an empty member id is a "simple" commit (no membership), allowed
  // while the group has no members.
  ErrorCode ValidateOffsetCommit(const std::string& group_id, int32_t generation_id,
                                 const std::string& member_id,
                                 const std::optional<std::string>& group_instance_id);

  std::optional<GroupSummary> Describe(const std::string& group_id) const;
  std::vector<GroupSummary> List() const;

  // Evaluates deadlines: session expiry of members, the rebalance timeout of
  // the join barrier. The server calls it periodically; tests after moving
  // a ManualClock.
  void Tick();

 private:
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::string protocol_type;
    std::vector<std::pair<std::string, std::string>> protocols;
    std::string assignment;
    JoinCallback pending_join;
    SyncCallback pending_sync;
    int64_t last_heartbeat_ms = 0;
  };
  struct Group {
    std::string id;
    State state = State::kEmpty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader;
    std::map<std::string, Member> members;
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::map<std::string, int64_t> pending_members;     // MEMBER_ID_REQUIRED ids -> deadline
    int64_t rebalance_deadline_ms = 0;
    int64_t initial_delay_until_ms = 0;
  };
  using Deferred = std::vector<std::function<void()>>;

  static const char* StateName(State s);
  std::string NewMemberId(const std::string& prefix);
  bool ProtocolsCompatible(const Group& g, const JoinGroupInput& in) const;
  void AddOrUpdateMember(Group& g, Member& m, JoinGroupInput& in, JoinCallback done);
  void PrepareRebalance(Group& g, Deferred& out);
  void MaybeCompleteJoin(Group& g, Deferred& out);
  void CompleteJoin(Group& g, Deferred& out);
  void RemoveMember(Group& g, const std::string& member_id, Deferred& out);
  void AfterMembershipLoss(Group& g, Deferred& out);
  template <class Fail>
  void JoinLocked(Group& g, JoinGroupInput& in, JoinCallback done, Deferred& deferred,
                  Fail& fail);
  JoinGroupOutput JoinOutputFor(const Group& g, const Member& m) const;
  std::string SelectProtocol(const Group& g) const;
  static void Run(Deferred& d);

  const Clock& clock_;
  GroupCoordinatorOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Group> groups_;
  uint64_t id_counter_ = 0;
};

}  // namespace meshd::kafka
