#include "api/group_membership.h"

#include <gtest/gtest.h>

namespace meshd::api {
namespace {

TEST(GroupMembershipTest, SingleMemberOwnsEverything) {
  ManualClock clock(0);
  GroupMembership g(&clock);
  EXPECT_TRUE(g.Touch("a", 30000));
  EXPECT_EQ(g.AssignmentFor("a", 4), std::vector<int32_t>({0, 1, 2, 3}));
  EXPECT_TRUE(g.AssignmentFor("nobody", 4).empty());
}

TEST(GroupMembershipTest, RangeAssignmentAmongMembers) {
  ManualClock clock(0);
  GroupMembership g(&clock);
  g.Touch("b", 30000);
  g.Touch("a", 30000);
  EXPECT_EQ(g.AssignmentFor("a", 4), std::vector<int32_t>({0, 1}));
  EXPECT_EQ(g.AssignmentFor("b", 4), std::vector<int32_t>({2, 3}));
  g.Touch("c", 30000);
  EXPECT_EQ(g.AssignmentFor("a", 5), std::vector<int32_t>({0, 1}));
  EXPECT_EQ(g.AssignmentFor("b", 5), std::vector<int32_t>({2, 3}));
  EXPECT_EQ(g.AssignmentFor("c", 5), std::vector<int32_t>({4}));
  // More members than partitions: the last members get nothing.
  g.Touch("d", 30000);
  EXPECT_EQ(g.AssignmentFor("a", 2), std::vector<int32_t>({0}));
  EXPECT_EQ(g.AssignmentFor("b", 2), std::vector<int32_t>({1}));
  EXPECT_TRUE(g.AssignmentFor("d", 2).empty());
}

TEST(GroupMembershipTest, EveryPartitionHasExactlyOneOwner) {
  ManualClock clock(0);
  GroupMembership g(&clock);
  for (int m = 1; m <= 7; ++m) {
    g.Touch("m" + std::to_string(m), 30000);
    for (int32_t n : {1, 3, 4, 8, 13}) {
      std::vector<int> owners(n, 0);
      for (const auto& id : g.members()) {
        for (int32_t p : g.AssignmentFor(id, n)) owners[p]++;
      }
      for (int c : owners) EXPECT_EQ(c, 1) << "members=" << m << " partitions=" << n;
    }
  }
}

TEST(GroupMembershipTest, JoinAndLeaveBumpGenerationHeartbeatDoesNot) {
  ManualClock clock(0);
  GroupMembership g(&clock);
  g.Touch("a", 30000);
  int64_t gen = g.generation();
  EXPECT_FALSE(g.Touch("a", 30000));
  EXPECT_EQ(g.generation(), gen);
  g.Touch("b", 30000);
  EXPECT_EQ(g.generation(), gen + 1);
  EXPECT_TRUE(g.Leave("b"));
  EXPECT_FALSE(g.Leave("b"));
  EXPECT_EQ(g.generation(), gen + 2);
  EXPECT_EQ(g.AssignmentFor("a", 2), std::vector<int32_t>({0, 1}));
}

TEST(GroupMembershipTest, SessionTimeoutExpiresSilentMembersOnly) {
  ManualClock clock(0);
  GroupMembership g(&clock);
  g.Touch("a", 10000);
  g.Touch("b", 10000);
  clock.Advance(6000);
  g.Touch("a", 10000);  // heartbeat
  clock.Advance(5000);
  EXPECT_EQ(g.Expire(), std::vector<std::string>({"b"}));
  EXPECT_EQ(g.members(), std::vector<std::string>({"a"}));
  EXPECT_EQ(g.AssignmentFor("a", 3), std::vector<int32_t>({0, 1, 2}));
  EXPECT_TRUE(g.Expire().empty());
  clock.Advance(10001);
  EXPECT_EQ(g.Expire(), std::vector<std::string>({"a"}));
  EXPECT_TRUE(g.empty());
}

}  // namespace
}  // namespace meshd::api
