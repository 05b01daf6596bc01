#include "api/idempotence_window.h"

namespace meshd::api {

IdempotenceWindow::IdempotenceWindow(int64_t window_ms, size_t max_entries, const Clock* clock)
    : window_ms_(window_ms), max_entries_(max_entries), clock_(clock) {}

std::string IdempotenceWindow::MakeKey(const std::string& topic, const std::string& source,
                                       const std::string& id) {
  // Length-prefixed so ("a","bc") and ("ab","c") differ.
  std::string k;
  k.reserve(topic.size() + source.size() + id.size() + 24);
  k.append(std::to_string(topic.size())).append(":").append(topic);
  k.append(std::to_string(source.size())).append(":").append(source);
  k.append(id);
  return k;
}

void IdempotenceWindow::EvictLocked(int64_t now) {
  while (!order_.empty() &&
         (order_.size() > max_entries_ || order_.front().first < now - window_ms_)) {
    auto it = entries_.find(order_.front().second);
    // Only erase if this queue entry is the live one (re-inserts leave stale keys).
    if (it != entries_.end() && it->second.accepted_ms == order_.front().first) {
      entries_.erase(it);
    }
    order_.pop_front();
  }
}

std::optional<StoredAt> IdempotenceWindow::Lookup(const std::string& topic,
                                                  const std::string& source,
                                                  const std::string& id) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->NowMillis();
  EvictLocked(now);
  auto it = entries_.find(MakeKey(topic, source, id));
  if (it == entries_.end() || it->second.accepted_ms < now - window_ms_) return std::nullopt;
  return it->second.at;
}

void IdempotenceWindow::Insert(const std::string& topic, const std::string& source,
                               const std::string& id, StoredAt at, int64_t accepted_ms) {
  if (max_entries_ == 0 || window_ms_ <= 0) return;
  std::lock_guard lock(mu_);
  std::string key = MakeKey(topic, source, id);
  auto [it, inserted] = entries_.try_emplace(key, Entry{at, accepted_ms});
  if (!inserted) {
    // Keep the first acceptance: that is the offset a retry must get back.
    return;
  }
  order_.emplace_back(accepted_ms, std::move(key));
  EvictLocked(clock_->NowMillis());
}

void IdempotenceWindow::ForgetTopic(const std::string& topic) {
  std::lock_guard lock(mu_);
  std::string prefix = std::to_string(topic.size()) + ":" + topic;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first.compare(0, prefix.size(), prefix) == 0) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t IdempotenceWindow::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace meshd::api
