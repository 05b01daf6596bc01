#include "api/partitioner.h"

#include <gtest/gtest.h>

namespace meshd::api {
namespace {

// Expected values computed independently with kafka-python's
// kafka.partitioner.default.murmur2 (Debian python3-kafka), which mirrors
// Kafka's Utils.murmur2; shown as Java's signed int.
TEST(Murmur2Test, MatchesKafkaVectors) {
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
  EXPECT_EQ(Murmur2(""), 275646681);
}

TEST(PartitionForKeyTest, MatchesKafkaDefaultPartitioner) {
  EXPECT_EQ(PartitionForKey("21", 4), 0);
  EXPECT_EQ(PartitionForKey("foobar", 4), 2);
  EXPECT_EQ(PartitionForKey("a-little-bit-longer-string", 4), 3);
  EXPECT_EQ(PartitionForKey("customer-42", 4), 1);
  EXPECT_EQ(PartitionForKey("customer-42", 12), 9);
  EXPECT_EQ(PartitionForKey("a-little-bit-longer-string", 12), 11);
}

TEST(PartitionerTest, StickyRoundRobinCoversAllPartitions) {
  Partitioner p;
  std::vector<int> seen(3, 0);
  for (int i = 0; i < 9; ++i) seen[p.NextSticky(3)]++;
  EXPECT_EQ(seen, std::vector<int>({3, 3, 3}));
}

}  // namespace
}  // namespace meshd::api
