#pragma once
// Variable-length integers: zigzag varints (inside record batches) and
// unsigned varints (Kafka's flexible-version compact lengths and tags).

#include <cstdint>
#include <string>
#include <string_view>

namespace meshd::record {

inline void PutUVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline void PutVarint(std::string* out, int64_t v) {
  PutUVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline size_t UVarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline size_t VarintSize(int64_t v) {
  return UVarintSize((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

// Reads an unsigned varint from `*in`, advancing it. False on truncation or
// more than 10 bytes.
inline bool GetUVarint(std::string_view* in, uint64_t* v) {
  // Lengths and deltas inside a record batch are nearly all one or two
  // bytes: those skip the general loop (a record's header has five).
  const auto* b = reinterpret_cast<const uint8_t*>(in->data());
  if (!in->empty() && b[0] < 0x80) {
    *v = b[0];
    in->remove_prefix(1);
    return true;
  }
  if (in->size() >= 2 && b[1] < 0x80) {
    *v = (b[0] & 0x7Fu) | (static_cast<uint64_t>(b[1]) << 7);
    in->remove_prefix(2);
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0, i = 0; i < 10; ++i, shift += 7) {
    if (in->empty()) return false;
    uint8_t b = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline bool GetVarint(std::string_view* in, int64_t* v) {
  uint64_t u;
  if (!GetUVarint(in, &u)) return false;
  *v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  return true;
}

}  // namespace meshd::record
