#include "governance/completeness_window.h"

#include <gtest/gtest.h>

namespace meshd::governance {
namespace {

TEST(CompletenessWindow, EmptyWindowIsComplete) {
  CompletenessWindow w(60000);
  auto t = w.Sum(1000000);
  EXPECT_EQ(t.total, 0);
  EXPECT_DOUBLE_EQ(t.ratio(), 1.0);
}

TEST(CompletenessWindow, RatioOfValidEvents) {
  CompletenessWindow w(60000);
  const int64_t now = 10'000'000;
  for (int i = 0; i < 9; ++i) w.Record(now, true);
  w.Record(now, false);
  auto t = w.Sum(now);
  EXPECT_EQ(t.valid, 9);
  EXPECT_EQ(t.total, 10);
  EXPECT_DOUBLE_EQ(t.ratio(), 0.9);
}

TEST(CompletenessWindow, OldEventsSlideOut) {
  CompletenessWindow w(60000);  // buckets of 2 s
  const int64_t t0 = 10'000'000;
  w.Record(t0, false);
  w.Record(t0 + 30000, true);
  EXPECT_EQ(w.Sum(t0 + 30000).total, 2);
  // After a full window the first event is gone, the second still counts.
  auto later = w.Sum(t0 + 61000);
  EXPECT_EQ(later.total, 1);
  EXPECT_EQ(later.valid, 1);
  // And after another window nothing is left.
  EXPECT_EQ(w.Sum(t0 + 200000).total, 0);
}

TEST(CompletenessWindow, ReusedBucketSlotsStartEmpty) {
  CompletenessWindow w(3000);  // 30 buckets of 100 ms
  w.Record(1000, false);
  // Same ring slot, one full rotation later: the old count must not leak in.
  w.Record(1000 + 3000, true);
  auto t = w.Sum(4000);
  EXPECT_EQ(t.total, 1);
  EXPECT_EQ(t.valid, 1);
}

}  // namespace
}  // namespace meshd::governance
