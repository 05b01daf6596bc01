#pragma once
// FreshnessMonitor: the age of the newest event of an output port against
// the contract's maximum delay (ContractSpec::freshness_max_delay_ms). It is
// evaluated from a timer (ContractEnforcer::Tick), not from arrivals, so a
// producer that stops is noticed even though no event comes to trigger it.
// Before the first event the age counts from when monitoring started.
//
// Thread-safety: lock-free (atomics); Observe runs on every publish.

#include <atomic>
#include <cstdint>

namespace meshd::governance {

class FreshnessMonitor {
 public:
  FreshnessMonitor(int64_t max_delay_ms, int64_t started_ms)
      : max_delay_ms_(max_delay_ms), newest_ms_(started_ms) {}

  // An event arrived at `now_ms`.
  void Observe(int64_t now_ms) {
    int64_t prev = newest_ms_.load(std::memory_order_relaxed);
    while (prev < now_ms && !newest_ms_.compare_exchange_weak(prev, now_ms, std::memory_order_relaxed)) {
    }
  }
  int64_t AgeMillis(int64_t now_ms) const { return now_ms - newest_ms_.load(std::memory_order_relaxed); }
  bool Violated(int64_t now_ms) const { return AgeMillis(now_ms) > max_delay_ms_; }
  int64_t max_delay_ms() const { return max_delay_ms_; }
  int64_t newest_ms() const { return newest_ms_.load(std::memory_order_relaxed); }

 private:
  int64_t max_delay_ms_;
  std::atomic<int64_t> newest_ms_;
};

}  // namespace meshd::governance
