#include "storage/producer_state.h"

#include <gtest/gtest.h>

#include <climits>

namespace meshd::storage {
namespace {

record::BatchHeader Batch(int64_t pid, int16_t epoch, int32_t seq, int32_t count, int64_t offset) {
  record::BatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = count - 1;
  h.records_count = count;
  h.base_offset = offset;
  return h;
}

TEST(ProducerStateTest, NewProducerMustStartAtZero) {
  ProducerStateMap m;
  std::optional<ProducerBatch> dup;
  EXPECT_EQ(m.Check(Batch(1, 0, 5, 1, 0), &dup).code(), StatusCode::kUnknownProducerId);
  EXPECT_TRUE(m.Check(Batch(1, 0, 0, 1, 0), &dup).ok());
  EXPECT_FALSE(dup.has_value());
}

TEST(ProducerStateTest, DuplicatesOfLastFiveBatchesAndGaps) {
  ProducerStateMap m;
  int64_t offset = 100;
  for (int i = 0; i < 7; ++i) {
    auto h = Batch(9, 2, i * 2, 2, offset);
    std::optional<ProducerBatch> dup;
    ASSERT_TRUE(m.Check(h, &dup).ok()) << i;
    ASSERT_FALSE(dup);
    m.Update(h);
    offset += 2;
  }
  // Batches 2..6 are retained; 6 is the newest.
  std::optional<ProducerBatch> dup;
  ASSERT_TRUE(m.Check(Batch(9, 2, 4, 2, 0), &dup).ok());
  ASSERT_TRUE(dup.has_value());
  EXPECT_EQ(dup->first_offset, 104);
  EXPECT_EQ(dup->last_offset, 105);
  // Batch 0 fell out of the window: now it is out of order, not a duplicate.
  EXPECT_EQ(m.Check(Batch(9, 2, 0, 2, 0), &dup).code(), StatusCode::kOutOfOrderSequence);
  EXPECT_EQ(m.Check(Batch(9, 2, 20, 1, 0), &dup).code(), StatusCode::kOutOfOrderSequence);
  EXPECT_TRUE(m.Check(Batch(9, 2, 14, 1, 0), &dup).ok());
  EXPECT_FALSE(dup);
  EXPECT_EQ(m.Check(Batch(9, 1, 14, 1, 0), &dup).code(), StatusCode::kInvalidProducerEpoch);
  EXPECT_EQ(m.Check(Batch(9, 3, 14, 1, 0), &dup).code(), StatusCode::kOutOfOrderSequence);
  EXPECT_TRUE(m.Check(Batch(9, 3, 0, 1, 0), &dup).ok()) << "a new epoch restarts at 0";
}

TEST(ProducerStateTest, SequenceWrapsAtInt32Max) {
  EXPECT_EQ(ProducerStateMap::LastSequence(INT32_MAX - 1, 3), 1);
  ProducerStateMap m;
  // Replay (unchecked, as at open) a batch ending exactly at INT32_MAX.
  m.Update(Batch(4, 0, INT32_MAX - 1, 2, 1));
  std::optional<ProducerBatch> dup;
  EXPECT_TRUE(m.Check(Batch(4, 0, 0, 1, 3), &dup).ok());
  EXPECT_FALSE(dup);
  EXPECT_EQ(m.Check(Batch(4, 0, 1, 1, 3), &dup).code(), StatusCode::kOutOfOrderSequence);
}

}  // namespace
}  // namespace meshd::storage
