#include "governance/freshness_monitor.h"

#include <gtest/gtest.h>

#include "base/clock.h"

namespace meshd::governance {
namespace {

TEST(FreshnessMonitor, ViolatedOnlyAfterTheMaximumDelay) {
  ManualClock clock(1'000'000);
  FreshnessMonitor m(5 * 60 * 1000, clock.NowMillis());
  m.Observe(clock.NowMillis());
  clock.Advance(5 * 60 * 1000);
  EXPECT_FALSE(m.Violated(clock.NowMillis()));  // exactly at the limit: still fresh
  clock.Advance(1);
  EXPECT_TRUE(m.Violated(clock.NowMillis()));
  EXPECT_EQ(m.AgeMillis(clock.NowMillis()), 5 * 60 * 1000 + 1);
}

TEST(FreshnessMonitor, CountsFromStartWhenNothingEverArrived) {
  ManualClock clock(50'000);
  FreshnessMonitor m(1000, clock.NowMillis());
  clock.Advance(1001);
  EXPECT_TRUE(m.Violated(clock.NowMillis()));
}

TEST(FreshnessMonitor, NewEventRestores) {
  ManualClock clock(0);
  FreshnessMonitor m(1000, 0);
  clock.Advance(5000);
  EXPECT_TRUE(m.Violated(clock.NowMillis()));
  m.Observe(clock.NowMillis());
  EXPECT_FALSE(m.Violated(clock.NowMillis()));
}

TEST(FreshnessMonitor, OlderObservationDoesNotMoveBack) {
  FreshnessMonitor m(1000, 0);
  m.Observe(5000);
  m.Observe(4000);
  EXPECT_EQ(m.newest_ms(), 5000);
}

}  // namespace
}  // namespace meshd::governance
