#include "bus/retry_policy.h"

#include <algorithm>

#include "bus/json_util.h"

namespace meshd::bus {

int64_t BackoffDelayMs(int32_t retry, const BackoffOptions& options, std::mt19937_64& rng) {
  int64_t base = std::max<int64_t>(1, options.base_ms);
  int64_t cap = std::max<int64_t>(base, options.cap_ms);
  int64_t d = base;
  for (int32_t i = 1; i < retry && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  std::uniform_int_distribution<int64_t> dist(d / 2, d);
  return dist(rng);
}

RetryDecision DecideRetry(const RetryPolicy& policy, int32_t attempts, int64_t event_time_ms,
                          int64_t now_ms) {
  if (attempts - 1 >= policy.maximum_retry_attempts) return RetryDecision::kExhaustedAttempts;
  if (now_ms - event_time_ms >= static_cast<int64_t>(policy.maximum_event_age_seconds) * 1000) {
    return RetryDecision::kExhaustedAge;
  }
  return RetryDecision::kRetry;
}

const char* ExhaustedConditionName(RetryDecision d) {
  switch (d) {
    case RetryDecision::kExhaustedAttempts:
      return "MaximumRetryAttempts";
    case RetryDecision::kExhaustedAge:
      return "MaximumEventAgeInSeconds";
    case RetryDecision::kRetry:
      break;
  }
  return "";
}

std::string EncodeRetryState(const RetryState& s) {
  json::object o{{"bus_retry", 1},
                 {"offset", s.offset},
                 {"attempts", s.attempts},
                 {"first_attempt_ms", s.first_attempt_ms}};
  if (!s.last_error.empty()) o["last_error"] = s.last_error.substr(0, 512);
  return json::serialize(o);
}

RetryState DecodeRetryState(const std::string& metadata) {
  RetryState s;
  if (metadata.empty()) return s;
  auto v = ParseJson(metadata, "retry state");
  if (!v.ok() || !v->is_object() || !v->get_object().contains("bus_retry")) return s;
  const json::object& o = v->get_object();
  auto off = OptInt(o, "offset");
  auto att = OptInt(o, "attempts");
  auto first = OptInt(o, "first_attempt_ms");
  auto err = OptString(o, "last_error");
  if (!off.ok() || !att.ok() || !first.ok()) return s;
  s.offset = off->value_or(-1);
  s.attempts = static_cast<int32_t>(att->value_or(0));
  s.first_attempt_ms = first->value_or(0);
  if (err.ok() && *err) s.last_error = **err;
  return s;
}

}  // namespace meshd::bus
