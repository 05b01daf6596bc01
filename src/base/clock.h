#pragma once
// Clocks. Wall-clock milliseconds (Kafka timestamps) and a monotonic clock for
// timeouts. Components that evaluate deadlines take a Clock& so tests can
// inject time (contract freshness, group session timeouts).

#include <atomic>
#include <chrono>
#include <cstdint>

namespace meshd {

inline int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t MonoMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline int64_t MonoMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;  // wall clock, ms since epoch
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override { return WallMillis(); }
  static SystemClock& Instance() {
    static SystemClock c;
    return c;
  }
};

// A clock tests move by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_(start_ms) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t ms) { now_ += ms; }
  void Set(int64_t ms) { now_ = ms; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace meshd
