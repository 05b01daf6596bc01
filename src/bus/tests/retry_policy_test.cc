#include "bus/retry_policy.h"

#include <gtest/gtest.h>

namespace meshd::bus {
namespace {

TEST(RetryPolicyTest, BackoffGrowsExponentiallyWithinJitterBounds) {
  std::mt19937_64 rng(7);
  BackoffOptions o{100, 1000};
  for (int i = 0; i < 200; ++i) {
    int64_t d1 = BackoffDelayMs(1, o, rng);
    EXPECT_GE(d1, 50);
    EXPECT_LE(d1, 100);
    int64_t d3 = BackoffDelayMs(3, o, rng);
    EXPECT_GE(d3, 200);
    EXPECT_LE(d3, 400);
    int64_t d10 = BackoffDelayMs(10, o, rng);  // capped
    EXPECT_GE(d10, 500);
    EXPECT_LE(d10, 1000);
  }
}

TEST(RetryPolicyTest, JitterActuallyVaries) {
  std::mt19937_64 rng(1);
  BackoffOptions o{1000, 60000};
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) seen.insert(BackoffDelayMs(4, o, rng));
  EXPECT_GT(seen.size(), 5u);
}

TEST(RetryPolicyTest, AttemptLimitCountsRetriesAfterTheFirstAttempt) {
  RetryPolicy p{2, 86400};
  EXPECT_EQ(DecideRetry(p, 1, 0, 0), RetryDecision::kRetry);
  EXPECT_EQ(DecideRetry(p, 2, 0, 0), RetryDecision::kRetry);
  EXPECT_EQ(DecideRetry(p, 3, 0, 0), RetryDecision::kExhaustedAttempts);
  RetryPolicy none{0, 86400};
  EXPECT_EQ(DecideRetry(none, 1, 0, 0), RetryDecision::kExhaustedAttempts);
}

TEST(RetryPolicyTest, AgeLimitEndsRetries) {
  RetryPolicy p{185, 60};
  EXPECT_EQ(DecideRetry(p, 1, 1000, 1000 + 59999), RetryDecision::kRetry);
  EXPECT_EQ(DecideRetry(p, 1, 1000, 1000 + 60000), RetryDecision::kExhaustedAge);
  EXPECT_STREQ(ExhaustedConditionName(RetryDecision::kExhaustedAge), "MaximumEventAgeInSeconds");
  EXPECT_STREQ(ExhaustedConditionName(RetryDecision::kExhaustedAttempts), "MaximumRetryAttempts");
}

TEST(RetryPolicyTest, StateRoundTripsThroughCommitMetadata) {
  RetryState s{17, 3, 123456, "HTTP_500: boom"};
  RetryState d = DecodeRetryState(EncodeRetryState(s));
  EXPECT_EQ(d.offset, 17);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.first_attempt_ms, 123456);
  EXPECT_EQ(d.last_error, "HTTP_500: boom");
}

TEST(RetryPolicyTest, ForeignMetadataDecodesToNoState) {
  EXPECT_EQ(DecodeRetryState("").offset, -1);
  EXPECT_EQ(DecodeRetryState("some consumer metadata").offset, -1);
  EXPECT_EQ(DecodeRetryState(R"({"offset":3})").offset, -1);
}

}  // namespace
}  // namespace meshd::bus
