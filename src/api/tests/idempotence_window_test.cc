#include "api/idempotence_window.h"

#include <gtest/gtest.h>

namespace meshd::api {
namespace {

TEST(IdempotenceWindowTest, RemembersFirstAcceptance) {
  ManualClock clock(1000000);
  IdempotenceWindow w(60000, 100, &clock);
  EXPECT_FALSE(w.Lookup("t", "/s", "1").has_value());
  w.Insert("t", "/s", "1", {2, 40}, clock.NowMillis());
  w.Insert("t", "/s", "1", {3, 99}, clock.NowMillis());
  auto at = w.Lookup("t", "/s", "1");
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->partition, 2);
  EXPECT_EQ(at->offset, 40);
  EXPECT_FALSE(w.Lookup("other", "/s", "1").has_value());
  EXPECT_FALSE(w.Lookup("t", "/s2", "1").has_value());
}

TEST(IdempotenceWindowTest, KeysDoNotCollideAcrossFieldBoundaries) {
  ManualClock clock(0);
  IdempotenceWindow w(60000, 100, &clock);
  w.Insert("t", "a", "bc", {0, 1}, 0);
  EXPECT_FALSE(w.Lookup("t", "ab", "c").has_value());
}

TEST(IdempotenceWindowTest, ExpiresByAge) {
  ManualClock clock(1000000);
  IdempotenceWindow w(60000, 100, &clock);
  w.Insert("t", "/s", "1", {0, 1}, clock.NowMillis());
  clock.Advance(59000);
  EXPECT_TRUE(w.Lookup("t", "/s", "1").has_value());
  clock.Advance(2000);
  EXPECT_FALSE(w.Lookup("t", "/s", "1").has_value());
  EXPECT_EQ(w.size(), 0u);
}

TEST(IdempotenceWindowTest, EvictsOldestBeyondMaxEntries) {
  ManualClock clock(0);
  IdempotenceWindow w(60000, 3, &clock);
  for (int i = 0; i < 5; ++i) w.Insert("t", "/s", std::to_string(i), {0, i}, 0);
  EXPECT_EQ(w.size(), 3u);
  EXPECT_FALSE(w.Lookup("t", "/s", "0").has_value());
  EXPECT_FALSE(w.Lookup("t", "/s", "1").has_value());
  EXPECT_TRUE(w.Lookup("t", "/s", "4").has_value());
}

TEST(IdempotenceWindowTest, ForgetTopic) {
  ManualClock clock(0);
  IdempotenceWindow w(60000, 10, &clock);
  w.Insert("t", "/s", "1", {0, 1}, 0);
  w.Insert("u", "/s", "1", {0, 1}, 0);
  w.ForgetTopic("t");
  EXPECT_FALSE(w.Lookup("t", "/s", "1").has_value());
  EXPECT_TRUE(w.Lookup("u", "/s", "1").has_value());
}

TEST(IdempotenceWindowTest, DisabledWindowStoresNothing) {
  ManualClock clock(0);
  IdempotenceWindow w(0, 10, &clock);
  w.Insert("t", "/s", "1", {0, 1}, 0);
  EXPECT_FALSE(w.Lookup("t", "/s", "1").has_value());
}

}  // namespace
}  // namespace meshd::api
