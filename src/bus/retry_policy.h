#pragma once
// Retry decisions for one (event, target) delivery, and the retry state that
// is persisted with the target's committed offset so that a restart in
// mid-retry continues counting instead of starting over.
//
// Backoff: exponential with "equal jitter": the n-th retry waits
// d = min(cap, base * 2^(n-1)), then a uniform value in [d/2, d]. Base and cap
// are configurable (tests use milliseconds). Pure; thread-safe.

#include <cstdint>
#include <random>
#include <string>

#include "base/result.h"
#include "bus/model.h"

namespace meshd::bus {

struct BackoffOptions {
  int64_t base_ms = 1000;
  int64_t cap_ms = 60000;
};

// Delay before retry number `retry` (1-based). `rng` supplies the jitter.
int64_t BackoffDelayMs(int32_t retry, const BackoffOptions& options, std::mt19937_64& rng);

enum class RetryDecision {
  kRetry,
  kExhaustedAttempts,  // MaximumRetryAttempts reached
  kExhaustedAge,       // MaximumEventAgeInSeconds reached
};

// After `attempts` failed attempts (>= 1) of an event ingested at
// `event_time_ms`, at `now_ms`.
RetryDecision DecideRetry(const RetryPolicy& policy, int32_t attempts, int64_t event_time_ms,
                          int64_t now_ms);

// AWS's EXHAUSTED_RETRY_CONDITION text for a decision.
const char* ExhaustedConditionName(RetryDecision d);

// Retry progress for the event at `offset`, stored as the commit metadata of
// the target's group (the committed offset stays at `offset` meanwhile).
struct RetryState {
  int64_t offset = -1;
  int32_t attempts = 0;
  int64_t first_attempt_ms = 0;
  std::string last_error;
};

std::string EncodeRetryState(const RetryState& s);
// Empty or foreign metadata decodes to a state with offset -1.
RetryState DecodeRetryState(const std::string& metadata);

}  // namespace meshd::bus
