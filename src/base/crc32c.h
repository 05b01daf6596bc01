#pragma once
// CRC-32C (Castagnoli), the checksum Kafka's RecordBatch v2 uses. Uses the
// SSE4.2 crc32 instruction when the CPU has it (checked once at start) and a
// slicing-by-8 table otherwise; both give identical results.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace meshd::crc32c {

// Extends `crc` (the CRC of some prefix) with `data`. Start from 0.
uint32_t Extend(uint32_t crc, const void* data, size_t n);

inline uint32_t Value(const void* data, size_t n) { return Extend(0, data, n); }
inline uint32_t Value(std::string_view s) { return Extend(0, s.data(), s.size()); }

// Which implementation is active ("sse4.2" or "table"), for benchmarks and logs.
const char* Implementation();

}  // namespace meshd::crc32c
