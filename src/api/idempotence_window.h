#pragma once
// IdempotenceWindow: remembers which CloudEvents (source, id) were accepted
// recently and where they were stored, so a republished event returns its
// original partition and offset instead of being stored again. Bounded by age
// (window_ms) and by entry count (max_entries); the oldest entries go first.
// Rebuilt at start by scanning recent records' ce_source/ce_id headers.
//
// Thread-safety: all methods are safe to call concurrently (one mutex).

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "base/clock.h"

namespace meshd::api {

struct StoredAt {
  int32_t partition = 0;
  int64_t offset = 0;
};

class IdempotenceWindow {
 public:
  IdempotenceWindow(int64_t window_ms, size_t max_entries, const Clock* clock);

  std::optional<StoredAt> Lookup(const std::string& topic, const std::string& source,
                                 const std::string& id);
  // `accepted_ms`: when the event was accepted (record timestamp on rebuild).
  void Insert(const std::string& topic, const std::string& source, const std::string& id,
              StoredAt at, int64_t accepted_ms);
  // Forgets a topic (on delete), so a recreated topic starts clean.
  void ForgetTopic(const std::string& topic);
  size_t size() const;
  int64_t window_ms() const { return window_ms_; }

 private:
  struct Entry {
    StoredAt at;
    int64_t accepted_ms;
  };
  static std::string MakeKey(const std::string& topic, const std::string& source,
                             const std::string& id);
  void EvictLocked(int64_t now);

  const int64_t window_ms_;
  const size_t max_entries_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<int64_t, std::string>> order_;  // (accepted_ms, key), insertion order
};

}  // namespace meshd::api
