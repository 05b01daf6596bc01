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

}  // namespace
}  // namespace meshd
