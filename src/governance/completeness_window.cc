#include "governance/completeness_window.h"

#include <algorithm>

namespace meshd::governance {

CompletenessWindow::CompletenessWindow(int64_t window_ms)
    : window_ms_(std::max<int64_t>(window_ms, 1)),
      bucket_ms_(std::max<int64_t>(window_ms_ / kBuckets, 1)),
      buckets_(kBuckets) {}

CompletenessWindow::Bucket& CompletenessWindow::At(int64_t index) {
  Bucket& b = buckets_[static_cast<size_t>(index % kBuckets)];
  if (b.index != index) b = Bucket{index, 0, 0};  // reuse a slot that slid out
  return b;
}

void CompletenessWindow::Record(int64_t now_ms, bool valid) {
  std::lock_guard lock(mu_);
  Bucket& b = At(std::max<int64_t>(now_ms, 0) / bucket_ms_);
  ++b.total;
  if (valid) ++b.valid;
}

CompletenessWindow::Totals CompletenessWindow::Sum(int64_t now_ms) {
  std::lock_guard lock(mu_);
  const int64_t current = std::max<int64_t>(now_ms, 0) / bucket_ms_;
  const int64_t oldest = current - (window_ms_ / bucket_ms_) + 1;
  Totals t;
  for (const Bucket& b : buckets_) {
    if (b.index >= oldest && b.index <= current) {
      t.valid += b.valid;
      t.total += b.total;
    }
  }
  return t;
}

}  // namespace meshd::governance
