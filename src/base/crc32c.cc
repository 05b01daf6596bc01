#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace meshd::crc32c {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  constexpr Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kPolyReflected : 0);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};
constexpr Tables kTables;

uint32_t ExtendTable(uint32_t crc, const uint8_t* p, size_t n) {
  uint32_t c = ~crc;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian host assumed (x86_64, aarch64)
    w ^= c;
    c = kTables.t[7][w & 0xFF] ^ kTables.t[6][(w >> 8) & 0xFF] ^ kTables.t[5][(w >> 16) & 0xFF] ^
        kTables.t[4][(w >> 24) & 0xFF] ^ kTables.t[3][(w >> 32) & 0xFF] ^
        kTables.t[2][(w >> 40) & 0xFF] ^ kTables.t[1][(w >> 48) & 0xFF] ^ kTables.t[0][w >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) c = (c >> 8) ^ kTables.t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
// Long inputs run as three interleaved crc32 chains: one chain is bound by
// the instruction's 3-cycle latency, three keep the unit busy (record
// batches are ~1 MB; the broker checks every byte). The chains are joined
// with the linearity of the CRC register: reg(c, A||B) = reg(c, A) * x^(8|B|)
// xor reg(0, B), multiplication mod P in the reflected bit order.
constexpr size_t kStripe = 4096;  // bytes per chain per round

// a * b mod P; bit 31 holds the x^0 coefficient (reflected).
uint32_t MulModP(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & (0x80000000u >> i)) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kPolyReflected : b >> 1;  // b *= x
  }
  return product;
}

// x^(8 * kStripe) mod P: shifts a register past one stripe of bytes.
uint32_t StripeShift() {
  uint32_t r = 0x80000000u;  // x^0
  for (size_t i = 0; i < 8 * kStripe; ++i) r = (r & 1) ? (r >> 1) ^ kPolyReflected : r >> 1;
  return r;
}
const uint32_t kStripeShift = StripeShift();

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc, const uint8_t* p,
                                                           size_t n) {
  uint64_t c = ~crc;
  while (n >= 3 * kStripe) {
    uint64_t a = c, b = 0, d = 0;
    for (size_t i = 0; i < kStripe; i += 8) {
      uint64_t wa, wb, wd;
      std::memcpy(&wa, p + i, 8);
      std::memcpy(&wb, p + kStripe + i, 8);
      std::memcpy(&wd, p + 2 * kStripe + i, 8);
      a = _mm_crc32_u64(a, wa);
      b = _mm_crc32_u64(b, wb);
      d = _mm_crc32_u64(d, wd);
    }
    uint32_t ab = MulModP(static_cast<uint32_t>(a), kStripeShift) ^ static_cast<uint32_t>(b);
    c = MulModP(ab, kStripeShift) ^ static_cast<uint32_t>(d);
    p += 3 * kStripe;
    n -= 3 * kStripe;
  }
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool HasSse42() { return __builtin_cpu_supports("sse4.2"); }
#endif

using ExtendFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

ExtendFn Choose() {
#if defined(__x86_64__)
  if (HasSse42()) return &ExtendHardware;
#endif
  return &ExtendTable;
}

const ExtendFn kExtend = Choose();

}  // namespace

uint32_t Extend(uint32_t crc, const void* data, size_t n) {
  return kExtend(crc, static_cast<const uint8_t*>(data), n);
}

const char* Implementation() { return kExtend == &ExtendTable ? "table" : "sse4.2"; }

}  // namespace meshd::crc32c
