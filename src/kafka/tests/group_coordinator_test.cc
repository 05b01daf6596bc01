// Group coordinator state machine with a ManualClock: join barrier,
// protocol selection, generations, rebalance on join/leave, session expiry,
// rebalance timeout, MEMBER_ID_REQUIRED and static membership.

#include "kafka/server/group_coordinator.h"

#include <gtest/gtest.h>

#include <optional>

namespace meshd::kafka {
namespace {

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  ManualClock clock_{1'000'000};
  GroupCoordinator gc_{clock_, GroupCoordinatorOptions{}};

  struct JoinSlot {
    std::optional<JoinGroupOutput> out;
  };

  std::shared_ptr<JoinSlot> Join(const std::string& member_id,
                                 std::vector<std::pair<std::string, std::string>> protocols =
                                     {{"range", "r"}, {"roundrobin", "rr"}},
                                 std::optional<std::string> instance = std::nullopt,
                                 bool v4 = false) {
    JoinGroupInput in;
    in.group_id = "g";
    in.member_id = member_id;
    in.group_instance_id = instance;
    in.client_id = "c";
    in.session_timeout_ms = 10'000;
    in.rebalance_timeout_ms = 30'000;
    in.protocol_type = "consumer";
    in.protocols = std::move(protocols);
    in.require_known_member_id = v4;
    auto slot = std::make_shared<JoinSlot>();
    gc_.Join(in, [slot](JoinGroupOutput o) { slot->out = std::move(o); });
    return slot;
  }

  std::optional<SyncGroupOutput> Sync(const std::string& member, int32_t gen,
                                      std::map<std::string, std::string> a = {},
                                      std::shared_ptr<std::optional<SyncGroupOutput>> slot = {}) {
    if (!slot) slot = std::make_shared<std::optional<SyncGroupOutput>>();
    gc_.Sync("g", gen, member, std::nullopt, std::move(a),
             [slot](SyncGroupOutput o) { *slot = std::move(o); });
    return *slot;
  }
};

TEST_F(GroupCoordinatorTest, SingleMemberJoinSyncHeartbeat) {
  auto j = Join("");
  ASSERT_TRUE(j->out.has_value());
  EXPECT_EQ(j->out->error, ErrorCode::kNone);
  EXPECT_EQ(j->out->generation_id, 1);
  EXPECT_EQ(j->out->leader, j->out->member_id);
  EXPECT_EQ(j->out->protocol_name, "range");
  ASSERT_EQ(j->out->members.size(), 1u);
  EXPECT_EQ(j->out->members[0].metadata, "r");
  std::string id = j->out->member_id;
  auto s = Sync(id, 1, {{id, "A"}});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->error, ErrorCode::kNone);
  EXPECT_EQ(s->assignment, "A");
  EXPECT_EQ(gc_.Heartbeat("g", 1, id, std::nullopt), ErrorCode::kNone);
  EXPECT_EQ(gc_.Heartbeat("g", 0, id, std::nullopt), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(gc_.Heartbeat("g", 1, "nobody", std::nullopt), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", 1, id, std::nullopt), ErrorCode::kNone);
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", 2, id, std::nullopt), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(gc_.Describe("g")->state, "Stable");
}

TEST_F(GroupCoordinatorTest, SecondMemberTriggersRebalanceAndBarrierWaitsForAll) {
  auto a = Join("");
  std::string ida = a->out->member_id;
  ASSERT_EQ(Sync(ida, 1, {{ida, "all"}})->error, ErrorCode::kNone);

  auto b = Join("");
  EXPECT_FALSE(b->out.has_value()) << "barrier must wait for the existing member";
  EXPECT_EQ(gc_.Heartbeat("g", 1, ida, std::nullopt), ErrorCode::kRebalanceInProgress);
  // Kafka accepts commits of the current generation while a rebalance is
  // being prepared (the revoke callback's final commit).
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", 1, ida, std::nullopt), ErrorCode::kNone);

  auto a2 = Join(ida);
  ASSERT_TRUE(a2->out.has_value());
  ASSERT_TRUE(b->out.has_value());
  EXPECT_EQ(a2->out->generation_id, 2);
  EXPECT_EQ(b->out->generation_id, 2);
  // Between the barrier and the leader's SyncGroup: not yet.
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", 2, ida, std::nullopt), ErrorCode::kRebalanceInProgress);
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", 1, ida, std::nullopt), ErrorCode::kIllegalGeneration);
  EXPECT_EQ(a2->out->leader, ida) << "previous leader stays leader";
  EXPECT_EQ(a2->out->members.size(), 2u);
  EXPECT_TRUE(b->out->members.empty()) << "followers do not get the member list";
  std::string idb = b->out->member_id;

  // Follower syncs first and waits for the leader's assignment.
  auto fs = std::make_shared<std::optional<SyncGroupOutput>>();
  EXPECT_FALSE(Sync(idb, 2, {}, fs).has_value());
  auto ls = Sync(ida, 2, {{ida, "p0"}, {idb, "p1"}});
  ASSERT_TRUE(ls.has_value());
  EXPECT_EQ(ls->assignment, "p0");
  ASSERT_TRUE(fs->has_value());
  EXPECT_EQ((*fs)->assignment, "p1");
  EXPECT_EQ(Sync(idb, 1)->error, ErrorCode::kIllegalGeneration);
}

TEST_F(GroupCoordinatorTest, InconsistentProtocols) {
  auto a = Join("", {{"range", ""}});
  ASSERT_EQ(a->out->error, ErrorCode::kNone);
  auto b = Join("", {{"RoundRobinAssigner", ""}});
  ASSERT_TRUE(b->out.has_value());
  EXPECT_EQ(b->out->error, ErrorCode::kInconsistentGroupProtocol);
}

TEST_F(GroupCoordinatorTest, ProtocolChosenByVotes) {
  auto a = Join("", {{"roundrobin", ""}, {"range", ""}});
  std::string ida = a->out->member_id;
  auto b = Join("", {{"range", ""}, {"roundrobin", ""}});
  auto c = Join("", {{"roundrobin", ""}, {"range", ""}});
  Join(ida, {{"roundrobin", ""}, {"range", ""}});
  // Barrier still waits for nobody else (b and c are new and pending).
  ASSERT_TRUE(b->out.has_value());
  EXPECT_EQ(b->out->protocol_name, "roundrobin");
}

TEST_F(GroupCoordinatorTest, RebalanceTimeoutDropsMembersThatDidNotRejoin) {
  auto a = Join("");
  std::string ida = a->out->member_id;
  Sync(ida, 1, {{ida, "x"}});
  auto b = Join("");
  EXPECT_FALSE(b->out.has_value());
  // a keeps heartbeating but never rejoins.
  clock_.Advance(29'000);
  gc_.Heartbeat("g", 1, ida, std::nullopt);
  gc_.Tick();
  EXPECT_FALSE(b->out.has_value());
  clock_.Advance(2'000);
  gc_.Tick();
  ASSERT_TRUE(b->out.has_value());
  EXPECT_EQ(b->out->generation_id, 2);
  EXPECT_EQ(b->out->leader, b->out->member_id);
  EXPECT_EQ(gc_.Describe("g")->members.size(), 1u);
  EXPECT_EQ(gc_.Heartbeat("g", 2, ida, std::nullopt), ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, SessionExpiryRemovesMemberAndRebalances) {
  auto a = Join("");
  std::string ida = a->out->member_id;
  auto b = Join("");
  auto a2 = Join(ida);
  std::string idb = b->out->member_id;
  Sync(ida, 2, {{ida, "1"}, {idb, "2"}});
  ASSERT_EQ(gc_.Describe("g")->state, "Stable");
  clock_.Advance(6'000);
  EXPECT_EQ(gc_.Heartbeat("g", 2, ida, std::nullopt), ErrorCode::kNone);
  clock_.Advance(6'000);  // b silent for 12 s > 10 s session timeout
  gc_.Tick();
  auto d = gc_.Describe("g");
  EXPECT_EQ(d->members.size(), 1u);
  EXPECT_EQ(d->state, "PreparingRebalance");
  EXPECT_EQ(gc_.Heartbeat("g", 2, ida, std::nullopt), ErrorCode::kRebalanceInProgress);
  auto a3 = Join(ida);
  ASSERT_TRUE(a3->out.has_value());
  EXPECT_EQ(a3->out->generation_id, 3);
}

TEST_F(GroupCoordinatorTest, LeaveEmptiesGroupAndSimpleCommitsAllowed) {
  auto a = Join("");
  std::string ida = a->out->member_id;
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", -1, "", std::nullopt), ErrorCode::kUnknownMemberId);
  auto r = gc_.Leave("g", {{ida, std::nullopt}, {"ghost", std::nullopt}});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], ErrorCode::kNone);
  EXPECT_EQ(r[1], ErrorCode::kUnknownMemberId);
  EXPECT_EQ(gc_.Describe("g")->state, "Empty");
  EXPECT_EQ(gc_.ValidateOffsetCommit("g", -1, "", std::nullopt), ErrorCode::kNone);
  EXPECT_EQ(gc_.ValidateOffsetCommit("other", -1, "", std::nullopt), ErrorCode::kNone);
}

TEST_F(GroupCoordinatorTest, MemberIdRequiredOnFirstJoinV4) {
  auto first = Join("", {{"range", ""}}, std::nullopt, /*v4=*/true);
  ASSERT_TRUE(first->out.has_value());
  EXPECT_EQ(first->out->error, ErrorCode::kMemberIdRequired);
  ASSERT_FALSE(first->out->member_id.empty());
  auto again = Join(first->out->member_id, {{"range", ""}}, std::nullopt, true);
  ASSERT_TRUE(again->out.has_value());
  EXPECT_EQ(again->out->error, ErrorCode::kNone);
  EXPECT_EQ(again->out->member_id, first->out->member_id);
  EXPECT_EQ(Join("made-up", {{"range", ""}}, std::nullopt, true)->out->error,
            ErrorCode::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, StaticMemberRejoinKeepsAssignmentWithoutRebalance) {
  auto a = Join("", {{"range", "m"}}, std::string("inst-a"));
  std::string ida = a->out->member_id;
  auto b = Join("", {{"range", "m"}}, std::string("inst-b"));
  Join(ida, {{"range", "m"}}, std::string("inst-a"));
  std::string idb = b->out->member_id;
  Sync(ida, 2, {{ida, "A"}, {idb, "B"}});
  ASSERT_EQ(gc_.Describe("g")->state, "Stable");

  // inst-b restarts: joins with no member id but the same instance id.
  auto b2 = Join("", {{"range", "m"}}, std::string("inst-b"));
  ASSERT_TRUE(b2->out.has_value());
  EXPECT_EQ(b2->out->error, ErrorCode::kNone);
  EXPECT_NE(b2->out->member_id, idb);
  EXPECT_EQ(b2->out->generation_id, 2) << "no rebalance for a static rejoin";
  EXPECT_EQ(gc_.Describe("g")->state, "Stable");
  auto s = Sync(b2->out->member_id, 2);
  EXPECT_EQ(s->assignment, "B");
  // The old member id is fenced out.
  EXPECT_EQ(gc_.Heartbeat("g", 2, idb, std::nullopt), ErrorCode::kUnknownMemberId);
  EXPECT_EQ(gc_.Heartbeat("g", 2, b2->out->member_id, std::string("inst-a")),
            ErrorCode::kFencedInstanceId);
  // Leave by instance id.
  auto r = gc_.Leave("g", {{"", std::string("inst-b")}});
  EXPECT_EQ(r[0], ErrorCode::kNone);
  EXPECT_EQ(gc_.Describe("g")->state, "PreparingRebalance");
}

TEST_F(GroupCoordinatorTest, InvalidInputs) {
  JoinGroupInput in;
  in.group_id = "g";
  in.session_timeout_ms = 10;
  in.protocol_type = "consumer";
  in.protocols = {{"range", ""}};
  std::optional<JoinGroupOutput> out;
  gc_.Join(in, [&](JoinGroupOutput o) { out = o; });
  EXPECT_EQ(out->error, ErrorCode::kInvalidSessionTimeout);
  in.session_timeout_ms = 10'000;
  in.group_id = "";
  gc_.Join(in, [&](JoinGroupOutput o) { out = o; });
  EXPECT_EQ(out->error, ErrorCode::kInvalidGroupId);
  in.group_id = "nope";
  in.member_id = "x";
  gc_.Join(in, [&](JoinGroupOutput o) { out = o; });
  EXPECT_EQ(out->error, ErrorCode::kUnknownMemberId);
}

TEST(GroupCoordinatorDelay, InitialRebalanceDelayCollectsMembers) {
  ManualClock clock(0);
  GroupCoordinatorOptions opt;
  opt.initial_rebalance_delay_ms = 3000;
  GroupCoordinator gc(clock, opt);
  std::optional<JoinGroupOutput> a, b;
  JoinGroupInput in;
  in.group_id = "g";
  in.session_timeout_ms = 10'000;
  in.rebalance_timeout_ms = 10'000;
  in.protocol_type = "consumer";
  in.protocols = {{"range", ""}};
  gc.Join(in, [&](JoinGroupOutput o) { a = o; });
  gc.Join(in, [&](JoinGroupOutput o) { b = o; });
  gc.Tick();
  EXPECT_FALSE(a.has_value());
  clock.Advance(3000);
  gc.Tick();
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->generation_id, 1);
  EXPECT_EQ(b->generation_id, 1);
}

}  // namespace
}  // namespace meshd::kafka
