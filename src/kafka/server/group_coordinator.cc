#include "kafka/server/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

namespace meshd::kafka {

GroupCoordinator::GroupCoordinator(const Clock& clock, GroupCoordinatorOptions options)
    : clock_(clock), options_(options) {}

const char* GroupCoordinator::StateName(State s) {
  switch (s) {
    case State::kEmpty: return "Empty";
    case State::kPreparingRebalance: return "PreparingRebalance";
    case State::kCompletingRebalance: return "CompletingRebalance";
    case State::kStable: return "Stable";
    case State::kDead: return "Dead";
  }
  return "Unknown";
}

void GroupCoordinator::Run(Deferred& d) {
  for (auto& f : d) f();
  d.clear();
}

std::string GroupCoordinator::NewMemberId(const std::string& prefix) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[40];
  std::snprintf(buf, sizeof(buf), "-%016llx%04llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(++id_counter_ & 0xffff));
  return (prefix.empty() ? std::string("member") : prefix) + buf;
}

bool GroupCoordinator::ProtocolsCompatible(const Group& g, const JoinGroupInput& in) const {
  if (in.protocol_type.empty() || in.protocols.empty()) return false;
  bool has_others = false;
  std::set<std::string> common;
  for (const auto& p : in.protocols) common.insert(p.first);
  for (const auto& [id, m] : g.members) {
    if (id == in.member_id) continue;
    has_others = true;
    if (m.protocol_type != in.protocol_type) return false;
    std::set<std::string> next;
    for (const auto& p : m.protocols) {
      if (common.count(p.first)) next.insert(p.first);
    }
    common = std::move(next);
  }
  return !has_others || !common.empty();
}

std::string GroupCoordinator::SelectProtocol(const Group& g) const {
  if (g.members.empty()) return "";
  std::vector<std::string> candidates;
  const Member& first = g.members.begin()->second;
  for (const auto& p : first.protocols) {
    bool everywhere = std::all_of(g.members.begin(), g.members.end(), [&](const auto& kv) {
      return std::any_of(kv.second.protocols.begin(), kv.second.protocols.end(),
                         [&](const auto& q) { return q.first == p.first; });
    });
    if (everywhere) candidates.push_back(p.first);
  }
  if (candidates.empty()) return "";
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members) {
    for (const auto& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.first) != candidates.end()) {
        ++votes[p.first];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

JoinGroupOutput GroupCoordinator::JoinOutputFor(const Group& g, const Member& m) const {
  JoinGroupOutput out;
  out.generation_id = g.generation;
  out.protocol_name = g.protocol_name;
  out.leader = g.leader;
  out.member_id = m.id;
  if (m.id == g.leader) {
    for (const auto& [id, mm] : g.members) {
      JoinGroupOutput::Member e;
      e.member_id = id;
      e.group_instance_id = mm.instance_id;
      for (const auto& p : mm.protocols) {
        if (p.first == g.protocol_name) e.metadata = p.second;
      }
      out.members.push_back(std::move(e));
    }
  }
  return out;
}

void GroupCoordinator::AddOrUpdateMember(Group& g, Member& m, JoinGroupInput& in,
                                         JoinCallback done) {
  m.client_id = in.client_id;
  m.client_host = in.client_host;
  m.session_timeout_ms = in.session_timeout_ms;
  m.rebalance_timeout_ms = in.rebalance_timeout_ms;
  m.protocol_type = in.protocol_type;
  m.protocols = std::move(in.protocols);
  m.pending_join = std::move(done);
  m.last_heartbeat_ms = clock_.NowMillis();
  if (g.members.size() == 1 || g.protocol_type.empty()) g.protocol_type = m.protocol_type;
}

void GroupCoordinator::PrepareRebalance(Group& g, Deferred& out) {
  if (g.state == State::kCompletingRebalance) {
    for (auto& [id, m] : g.members) {
      if (m.pending_sync) {
        auto cb = std::move(m.pending_sync);
        m.pending_sync = nullptr;
        out.push_back([cb] { cb({ErrorCode::kRebalanceInProgress, {}}); });
      }
    }
  }
  if (g.state == State::kPreparingRebalance) return;
  int64_t now = clock_.NowMillis();
  int32_t timeout = 0;
  for (const auto& [id, m] : g.members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  if (g.state == State::kEmpty && options_.initial_rebalance_delay_ms > 0) {
    g.initial_delay_until_ms = now + options_.initial_rebalance_delay_ms;
  } else {
    g.initial_delay_until_ms = 0;
  }
  g.rebalance_deadline_ms = now + std::max<int64_t>(timeout, g.initial_delay_until_ms - now);
  g.state = State::kPreparingRebalance;
}

void GroupCoordinator::MaybeCompleteJoin(Group& g, Deferred& out) {
  if (g.state != State::kPreparingRebalance) return;
  if (clock_.NowMillis() < g.initial_delay_until_ms) return;
  if (!g.pending_members.empty()) return;
  for (const auto& [id, m] : g.members) {
    if (!m.pending_join) return;
  }
  CompleteJoin(g, out);
}

void GroupCoordinator::CompleteJoin(Group& g, Deferred& out) {
  // Members that did not rejoin before the barrier closed are dropped.
  std::vector<std::string> absent;
  for (const auto& [id, m] : g.members) {
    if (!m.pending_join) absent.push_back(id);
  }
  for (const auto& id : absent) RemoveMember(g, id, out);
  g.pending_members.clear();
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    g.protocol_name.clear();
    g.leader.clear();
    return;
  }
  g.protocol_name = SelectProtocol(g);
  g.protocol_type = g.members.begin()->second.protocol_type;
  if (!g.members.count(g.leader)) g.leader = g.members.begin()->first;
  g.state = State::kCompletingRebalance;
  int64_t now = clock_.NowMillis();
  for (auto& [id, m] : g.members) {
    m.last_heartbeat_ms = now;
    m.assignment.clear();
    auto cb = std::move(m.pending_join);
    m.pending_join = nullptr;
    out.push_back([cb, o = JoinOutputFor(g, m)]() mutable { cb(std::move(o)); });
  }
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, Deferred& out) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  Member& m = it->second;
  if (m.pending_join) {
    auto cb = std::move(m.pending_join);
    out.push_back([cb, member_id] {
      JoinGroupOutput o;
      o.error = ErrorCode::kUnknownMemberId;
      o.member_id = member_id;
      cb(std::move(o));
    });
  }
  if (m.pending_sync) {
    auto cb = std::move(m.pending_sync);
    out.push_back([cb] { cb({ErrorCode::kUnknownMemberId, {}}); });
  }
  if (m.instance_id) {
    auto s = g.static_members.find(*m.instance_id);
    if (s != g.static_members.end() && s->second == member_id) g.static_members.erase(s);
  }
  if (g.leader == member_id) g.leader.clear();
  g.members.erase(it);
}

// After members left or expired: an empty group becomes Empty (new
// generation); otherwise the survivors must rebalance.
void GroupCoordinator::AfterMembershipLoss(Group& g, Deferred& out) {
  if (g.members.empty() && g.pending_members.empty()) {
    if (g.state != State::kEmpty) ++g.generation;
    g.state = State::kEmpty;
    g.protocol_name.clear();
    g.leader.clear();
    return;
  }
  if (g.state == State::kStable || g.state == State::kCompletingRebalance) {
    PrepareRebalance(g, out);
  }
  MaybeCompleteJoin(g, out);
}

void GroupCoordinator::Join(JoinGroupInput in, JoinCallback done) {
  Deferred deferred;
  auto fail = [&](ErrorCode e, std::string member_id = {}) {
    JoinGroupOutput o;
    o.error = e;
    o.member_id = std::move(member_id);
    deferred.push_back([done, o]() mutable { done(std::move(o)); });
  };
  {
    std::lock_guard lock(mu_);
    if (in.rebalance_timeout_ms <= 0) in.rebalance_timeout_ms = in.session_timeout_ms;
    if (in.group_id.empty()) {
      fail(ErrorCode::kInvalidGroupId);
    } else if (in.session_timeout_ms < options_.min_session_timeout_ms ||
               in.session_timeout_ms > options_.max_session_timeout_ms) {
      fail(ErrorCode::kInvalidSessionTimeout);
    } else if (!in.member_id.empty() && !groups_.count(in.group_id)) {
      fail(ErrorCode::kUnknownMemberId);
    } else {
      Group& g = groups_[in.group_id];
      g.id = in.group_id;
      if (!ProtocolsCompatible(g, in)) {
        fail(ErrorCode::kInconsistentGroupProtocol);
      } else {
        JoinLocked(g, in, done, deferred, fail);  // copy: `fail` still uses done
      }
    }
  }
  Run(deferred);
}

template <class Fail>
void GroupCoordinator::JoinLocked(Group& g, JoinGroupInput& in, JoinCallback done,
                                  Deferred& deferred, Fail& fail) {
  int64_t now = clock_.NowMillis();
  if (in.member_id.empty()) {
    if (in.group_instance_id) {
      auto s = g.static_members.find(*in.group_instance_id);
      if (s != g.static_members.end() && g.members.count(s->second)) {
        // Static rejoin (e.g. after a restart): the instance keeps its slot
        // under a new member id; the old id is fenced.
        std::string old_id = s->second;
        Member m = std::move(g.members[old_id]);
        g.members.erase(old_id);
        if (m.pending_join) {
          auto cb = std::move(m.pending_join);
          deferred.push_back([cb] {
            JoinGroupOutput o;
            o.error = ErrorCode::kFencedInstanceId;
            cb(std::move(o));
          });
        }
        if (m.pending_sync) {
          auto cb = std::move(m.pending_sync);
          deferred.push_back([cb] { cb({ErrorCode::kFencedInstanceId, {}}); });
        }
        m.pending_join = nullptr;
        m.pending_sync = nullptr;
        m.id = NewMemberId(*in.group_instance_id);
        s->second = m.id;
        if (g.leader == old_id) g.leader = m.id;
        bool same_protocols = m.protocols == in.protocols;
        Member& placed = g.members[m.id] = std::move(m);
        if (g.state == State::kStable && same_protocols) {
          placed.last_heartbeat_ms = now;
          placed.client_id = in.client_id;
          placed.client_host = in.client_host;
          placed.session_timeout_ms = in.session_timeout_ms;
          placed.rebalance_timeout_ms = in.rebalance_timeout_ms;
          deferred.push_back([done, o = JoinOutputFor(g, placed)]() mutable { done(std::move(o)); });
          return;
        }
        AddOrUpdateMember(g, placed, in, std::move(done));
        PrepareRebalance(g, deferred);
        MaybeCompleteJoin(g, deferred);
        return;
      }
      std::string id = NewMemberId(*in.group_instance_id);
      Member& m = g.members[id];
      m.id = id;
      m.instance_id = in.group_instance_id;
      g.static_members[*in.group_instance_id] = id;
      AddOrUpdateMember(g, m, in, std::move(done));
      PrepareRebalance(g, deferred);
      MaybeCompleteJoin(g, deferred);
      return;
    }
    std::string id = NewMemberId(in.client_id);
    if (in.require_known_member_id) {
      g.pending_members[id] = now + in.session_timeout_ms;
      fail(ErrorCode::kMemberIdRequired, id);
      return;
    }
    Member& m = g.members[id];
    m.id = id;
    AddOrUpdateMember(g, m, in, std::move(done));
    PrepareRebalance(g, deferred);
    MaybeCompleteJoin(g, deferred);
    return;
  }

  auto pending = g.pending_members.find(in.member_id);
  if (pending != g.pending_members.end()) {
    g.pending_members.erase(pending);
    Member& m = g.members[in.member_id];
    m.id = in.member_id;
    m.instance_id = in.group_instance_id;
    AddOrUpdateMember(g, m, in, std::move(done));
    PrepareRebalance(g, deferred);
    MaybeCompleteJoin(g, deferred);
    return;
  }
  auto it = g.members.find(in.member_id);
  if (it == g.members.end()) {
    fail(ErrorCode::kUnknownMemberId, in.member_id);
    return;
  }
  Member& m = it->second;
  if (in.group_instance_id && m.instance_id != in.group_instance_id) {
    fail(ErrorCode::kFencedInstanceId, in.member_id);
    return;
  }
  bool same_protocols = m.protocols == in.protocols;
  switch (g.state) {
    case State::kCompletingRebalance:
    case State::kStable:
      if (same_protocols && (g.state == State::kCompletingRebalance || m.id != g.leader)) {
        // Nothing changed: hand back the current generation.
        m.last_heartbeat_ms = now;
        deferred.push_back([done, o = JoinOutputFor(g, m)]() mutable { done(std::move(o)); });
        return;
      }
      AddOrUpdateMember(g, m, in, std::move(done));
      PrepareRebalance(g, deferred);
      MaybeCompleteJoin(g, deferred);
      return;
    case State::kPreparingRebalance:
    case State::kEmpty:
    case State::kDead:
      if (m.pending_join) {
        // A duplicate join replaces the earlier one, which is answered as
        // superseded so the client does not wait forever.
        auto cb = std::move(m.pending_join);
        deferred.push_back([cb] {
          JoinGroupOutput o;
          o.error = ErrorCode::kRebalanceInProgress;
          cb(std::move(o));
        });
      }
      AddOrUpdateMember(g, m, in, std::move(done));
      PrepareRebalance(g, deferred);
      MaybeCompleteJoin(g, deferred);
      return;
  }
}

void GroupCoordinator::Sync(const std::string& group_id, int32_t generation_id,
                            const std::string& member_id,
                            const std::optional<std::string>& group_instance_id,
                            std::map<std::string, std::string> assignments, SyncCallback done) {
  Deferred deferred;
  auto reply = [&](ErrorCode e, std::string a = {}) {
    deferred.push_back([done, e, a = std::move(a)] { done({e, a}); });
  };
  {
    std::lock_guard lock(mu_);
    auto git = groups_.find(group_id);
    if (git == groups_.end()) {
      reply(ErrorCode::kUnknownMemberId);
    } else {
      Group& g = git->second;
      auto it = g.members.find(member_id);
      if (it == g.members.end()) {
        reply(ErrorCode::kUnknownMemberId);
      } else if (group_instance_id && it->second.instance_id != group_instance_id) {
        reply(ErrorCode::kFencedInstanceId);
      } else if (generation_id != g.generation) {
        reply(ErrorCode::kIllegalGeneration);
      } else if (g.state == State::kPreparingRebalance) {
        reply(ErrorCode::kRebalanceInProgress);
      } else if (g.state == State::kStable) {
        it->second.last_heartbeat_ms = clock_.NowMillis();
        reply(ErrorCode::kNone, it->second.assignment);
      } else if (g.state == State::kCompletingRebalance) {
        Member& m = it->second;
        m.pending_sync = std::move(done);
        m.last_heartbeat_ms = clock_.NowMillis();
        if (member_id == g.leader) {
          for (auto& [id, mm] : g.members) {
            auto a = assignments.find(id);
            mm.assignment = a == assignments.end() ? std::string() : a->second;
          }
          g.state = State::kStable;
          for (auto& [id, mm] : g.members) {
            if (!mm.pending_sync) continue;
            auto cb = std::move(mm.pending_sync);
            mm.pending_sync = nullptr;
            deferred.push_back([cb, a = mm.assignment] { cb({ErrorCode::kNone, a}); });
          }
        }
      } else {
        reply(ErrorCode::kUnknownMemberId);
      }
    }
  }
  Run(deferred);
}

ErrorCode GroupCoordinator::Heartbeat(const std::string& group_id, int32_t generation_id,
                                      const std::string& member_id,
                                      const std::optional<std::string>& group_instance_id) {
  std::lock_guard lock(mu_);
  auto git = groups_.find(group_id);
  if (git == groups_.end()) return ErrorCode::kUnknownMemberId;
  Group& g = git->second;
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return ErrorCode::kUnknownMemberId;
  if (group_instance_id && it->second.instance_id != group_instance_id) {
    return ErrorCode::kFencedInstanceId;
  }
  it->second.last_heartbeat_ms = clock_.NowMillis();
  if (g.state == State::kPreparingRebalance) return ErrorCode::kRebalanceInProgress;
  if (generation_id != g.generation) return ErrorCode::kIllegalGeneration;
  return ErrorCode::kNone;
}

std::vector<ErrorCode> GroupCoordinator::Leave(
    const std::string& group_id,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& members) {
  Deferred deferred;
  std::vector<ErrorCode> result;
  {
    std::lock_guard lock(mu_);
    auto git = groups_.find(group_id);
    if (git == groups_.end()) {
      result.assign(members.size(), ErrorCode::kUnknownMemberId);
    } else {
      Group& g = git->second;
      bool removed = false;
      for (const auto& [member_id, instance] : members) {
        std::string id = member_id;
        if (instance) {
          auto s = g.static_members.find(*instance);
          if (s == g.static_members.end()) {
            result.push_back(ErrorCode::kUnknownMemberId);
            continue;
          }
          if (!id.empty() && s->second != id) {
            result.push_back(ErrorCode::kFencedInstanceId);
            continue;
          }
          id = s->second;
        }
        if (!g.members.count(id)) {
          result.push_back(g.pending_members.erase(id) ? ErrorCode::kNone
                                                       : ErrorCode::kUnknownMemberId);
          continue;
        }
        RemoveMember(g, id, deferred);
        removed = true;
        result.push_back(ErrorCode::kNone);
      }
      if (removed) AfterMembershipLoss(g, deferred);
    }
  }
  Run(deferred);
  return result;
}

ErrorCode GroupCoordinator::ValidateOffsetCommit(
    const std::string& group_id, int32_t generation_id, const std::string& member_id,
    const std::optional<std::string>& group_instance_id) {
  std::lock_guard lock(mu_);
  if (group_id.empty()) return ErrorCode::kInvalidGroupId;
  auto git = groups_.find(group_id);
  if (generation_id < 0 && member_id.empty()) {
    if (git == groups_.end() || git->second.members.empty()) return ErrorCode::kNone;
    return ErrorCode::kUnknownMemberId;
  }
  if (git == groups_.end()) return ErrorCode::kUnknownMemberId;
  const Group& g = git->second;
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return ErrorCode::kUnknownMemberId;
  if (group_instance_id && it->second.instance_id != group_instance_id) {
    return ErrorCode::kFencedInstanceId;
  }
  if (generation_id != g.generation) return ErrorCode::kIllegalGeneration;
  // As Kafka: a member of the current generation may commit while the group
  // prepares a rebalance (consumers commit in their revoke callback), but not
  // between the join barrier and the leader's SyncGroup.
  if (g.state == State::kCompletingRebalance) return ErrorCode::kRebalanceInProgress;
  return ErrorCode::kNone;
}

void GroupCoordinator::Tick() {
  Deferred deferred;
  {
    std::lock_guard lock(mu_);
    int64_t now = clock_.NowMillis();
    for (auto& [gid, g] : groups_) {
      bool lost = false;
      for (auto p = g.pending_members.begin(); p != g.pending_members.end();) {
        if (now >= p->second) {
          p = g.pending_members.erase(p);
          lost = true;
        } else {
          ++p;
        }
      }
      std::vector<std::string> expired;
      for (const auto& [id, m] : g.members) {
        bool awaiting_join = g.state == State::kPreparingRebalance && m.pending_join;
        if (!awaiting_join && now - m.last_heartbeat_ms > m.session_timeout_ms) {
          expired.push_back(id);
        }
      }
      for (const auto& id : expired) RemoveMember(g, id, deferred);
      if (!expired.empty()) {
        AfterMembershipLoss(g, deferred);
      } else if (lost) {
        MaybeCompleteJoin(g, deferred);
      }
      if (g.state == State::kPreparingRebalance) {
        if (now >= g.rebalance_deadline_ms) {
          CompleteJoin(g, deferred);
        } else {
          MaybeCompleteJoin(g, deferred);
        }
      }
    }
  }
  Run(deferred);
}

std::optional<GroupSummary> GroupCoordinator::Describe(const std::string& group_id) const {
  std::lock_guard lock(mu_);
  auto git = groups_.find(group_id);
  if (git == groups_.end()) return std::nullopt;
  const Group& g = git->second;
  GroupSummary s;
  s.group_id = g.id;
  s.state = StateName(g.state);
  s.protocol_type = g.protocol_type;
  s.protocol_name = g.protocol_name;
  s.generation_id = g.generation;
  for (const auto& [id, m] : g.members) {
    GroupMemberSummary ms;
    ms.member_id = id;
    ms.group_instance_id = m.instance_id;
    ms.client_id = m.client_id;
    ms.client_host = m.client_host;
    for (const auto& p : m.protocols) {
      if (p.first == g.protocol_name) ms.metadata = p.second;
    }
    ms.assignment = m.assignment;
    s.members.push_back(std::move(ms));
  }
  return s;
}

std::vector<GroupSummary> GroupCoordinator::List() const {
  std::vector<std::string> ids;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, g] : groups_) ids.push_back(id);
  }
  std::vector<GroupSummary> out;
  for (const auto& id : ids) {
    if (auto s = Describe(id)) out.push_back(std::move(*s));
  }
  return out;
}

}  // namespace meshd::kafka
