#pragma once
// CompletenessWindow: the share of valid events over a sliding time window
// (ContractSpec::completeness_window_ms), kept in a ring of fixed-width
// buckets so that recording is O(1) and memory is constant however many
// events arrive. The window slides bucket by bucket: the oldest partial
// bucket is dropped whole, so the effective window is between
// window - window/kBuckets and window.
//
// Thread-safety: all methods lock an internal mutex (one per output port).

#include <cstdint>
#include <mutex>
#include <vector>

namespace meshd::governance {

class CompletenessWindow {
 public:
  static constexpr int kBuckets = 30;

  explicit CompletenessWindow(int64_t window_ms);

  void Record(int64_t now_ms, bool valid);

  struct Totals {
    int64_t valid = 0;
    int64_t total = 0;
    // 1.0 when nothing arrived in the window (no evidence of incompleteness).
    double ratio() const { return total == 0 ? 1.0 : static_cast<double>(valid) / static_cast<double>(total); }
  };
  Totals Sum(int64_t now_ms);

  int64_t window_ms() const { return window_ms_; }

 private:
  struct Bucket {
    int64_t index = -1;  // now_ms / bucket_ms this bucket holds; -1 = empty
    int64_t valid = 0;
    int64_t total = 0;
  };
  Bucket& At(int64_t index);

  std::mutex mu_;
  int64_t window_ms_;
  int64_t bucket_ms_;
  std::vector<Bucket> buckets_;
};

}  // namespace meshd::governance
