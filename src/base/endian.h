#pragma once
// Big-endian (network order) loads and stores, as every Kafka wire field is
// big-endian. memcpy + byte swap compiles to a single mov+bswap.

#include <bit>
#include <cstdint>
#include <cstring>

namespace meshd {

template <class T>
inline T LoadBE(const void* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    if constexpr (sizeof(T) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(T) == 8) u = __builtin_bswap64(u);
    v = static_cast<T>(u);
  }
  return v;
}

template <class T>
inline void StoreBE(void* p, T v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    using U = std::make_unsigned_t<T>;
    U u = static_cast<U>(v);
    if constexpr (sizeof(T) == 2) u = __builtin_bswap16(u);
    if constexpr (sizeof(T) == 4) u = __builtin_bswap32(u);
    if constexpr (sizeof(T) == 8) u = __builtin_bswap64(u);
    v = static_cast<T>(u);
  }
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace meshd
