#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace meshd {
namespace {

// Check values from RFC 3720 (iSCSI) appendix B.4.
TEST(Crc32cTest, KnownVectors) {
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c::Value(inc), 0x46dd794eu);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string s = "the quick brown fox jumps over the lazy dog, repeatedly and at length";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = crc32c::Extend(crc32c::Value(s.data(), cut), s.data() + cut, s.size() - cut);
    EXPECT_EQ(a, crc32c::Value(s)) << cut;
  }
}

// Long inputs take the interleaved path (three 4 KiB stripes per round);
// compare with a bit-at-a-time reference at and around its boundaries.
TEST(Crc32cTest, LongInputsMatchBitwiseReference) {
  auto reference = [](const std::string& s) {
    uint32_t c = 0xffffffffu;
    for (unsigned char byte : s) {
      c ^= byte;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    }
    return ~c;
  };
  std::string data;
  uint32_t x = 12345;
  for (size_t i = 0; i < 100'000; ++i) {
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<char>(x >> 16));
  }
  for (size_t n : {size_t{12287}, size_t{12288}, size_t{12289}, size_t{24576 + 7}, size_t{100'000}}) {
    std::string s = data.substr(0, n);
    EXPECT_EQ(crc32c::Value(s), reference(s)) << n;
    // A split inside a stripe round must give the same result.
    uint32_t split = crc32c::Extend(crc32c::Value(s.data(), 5000), s.data() + 5000, n - 5000);
    EXPECT_EQ(split, reference(s)) << n;
  }
}

}  // namespace
}  // namespace meshd
