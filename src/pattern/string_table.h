#pragma once
// StringTable<V>: an open-addressing hash map from strings to V, for the
// matcher's exact-value indexes.
//
// Why not std::unordered_map: with 100,000 keys, a lookup there walks a bucket
// array and then a node list (two or three cache misses), and most lookups on
// the hot path are for values no rule names. Here a lookup reads one 8-byte
// slot (hash tag + entry index) from a compact array and touches the entry
// only when the tag matches, so a miss usually costs one cache miss. Linear
// probing, load factor <= 1/2, backward-shift deletion (no tombstones).
// Not thread-safe; the Matcher's lock guards it.

#include <cstdint>
#include <cstring>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace meshd::pattern {

// A fast 64-bit hash for short strings (8 bytes per step, multiply-xorshift).
inline uint64_t HashString(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
  }
  h ^= h >> 29;
  h *= 0x9E3779B97F4A7C15ull;
  h ^= h >> 32;
  return h;
}

template <class V>
class StringTable {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  const V* Find(std::string_view key) const {
    if (size_ == 0) return nullptr;
    const uint64_t h = HashString(key);
    const uint32_t tag = Tag(h);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.entry == kEmpty) return nullptr;
      if (s.tag == tag && entries_[s.entry].key == key) return &entries_[s.entry].value;
    }
  }

  V* FindMutable(std::string_view key) { return const_cast<V*>(std::as_const(*this).Find(key)); }

  // The value for `key`, default-constructed if absent.
  V& operator[](std::string_view key) {
    if (V* v = FindMutable(key)) return *v;
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    uint32_t idx;
    if (!free_entries_.empty()) {
      idx = free_entries_.back();
      free_entries_.pop_back();
      entries_[idx] = Entry{std::string(key), V()};
    } else {
      idx = static_cast<uint32_t>(entries_.size());
      entries_.push_back(Entry{std::string(key), V()});
    }
    Place(HashString(key), idx);
    ++size_;
    return entries_[idx].value;
  }

  void Erase(std::string_view key) {
    if (size_ == 0) return;
    const uint64_t h = HashString(key);
    const uint32_t tag = Tag(h);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.entry == kEmpty) return;
      if (s.tag == tag && entries_[s.entry].key == key) break;
    }
    const uint32_t idx = slots_[i].entry;
    entries_[idx] = Entry();
    free_entries_.push_back(idx);
    --size_;
    // Backward-shift: pull later members of the probe run into the hole.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; slots_[j].entry != kEmpty; j = (j + 1) & mask_) {
      const size_t home = HashString(entries_[slots_[j].entry].key) & mask_;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const bool home_in_range =
          hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!home_in_range) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{0, kEmpty};
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    uint32_t tag;
    uint32_t entry;
  };
  struct Entry {
    std::string key;
    V value;
  };

  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

  void Place(uint64_t h, uint32_t idx) {
    size_t i = h & mask_;
    while (slots_[i].entry != kEmpty) i = (i + 1) & mask_;
    slots_[i] = Slot{Tag(h), idx};
  }

  void Grow() {
    const size_t n = slots_.empty() ? 16 : slots_.size() * 2;
    slots_.assign(n, Slot{0, kEmpty});
    mask_ = n - 1;
    for (uint32_t idx = 0; idx < entries_.size(); ++idx) {
      if (!entries_[idx].key.empty() || IsLive(idx)) Place(HashString(entries_[idx].key), idx);
    }
  }

  // Entries on the free list are dead; the empty string is a valid live key.
  bool IsLive(uint32_t idx) const {
    for (uint32_t f : free_entries_) {
      if (f == idx) return false;
    }
    return true;
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_entries_;
};

}  // namespace meshd::pattern
