#include "record/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <string>

namespace meshd::record {
namespace {

std::string Sample(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "event-" + std::to_string(i * 7919 % 1000) + ";";
  s.resize(n);
  return s;
}

class CodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RoundTripSizes) {
  for (size_t n : {0u, 1u, 100u, 70000u, 300000u}) {
    std::string in = Sample(n);
    auto c = Compress(GetParam(), in);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    auto d = Decompress(GetParam(), *c);
    ASSERT_TRUE(d.ok()) << n << ": " << d.error().ToString();
    EXPECT_EQ(*d, in);
  }
}

TEST_P(CodecTest, GarbageIsAnError) {
  if (GetParam() == Compression::kNone) GTEST_SKIP();
  std::string in = Sample(5000);
  auto c = Compress(GetParam(), in);
  ASSERT_TRUE(c.ok());
  std::string truncated = c->substr(0, c->size() / 2);
  auto d = Decompress(GetParam(), truncated);
  EXPECT_FALSE(d.ok() && *d == in);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd));

TEST(CompressionTest, SnappyUsesXerialFraming) {
  auto c = Compress(Compression::kSnappy, Sample(100000));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->substr(0, 8), std::string("\x82SNAPPY\0", 8));
  EXPECT_EQ(c->substr(8, 8), std::string("\0\0\0\1\0\0\0\1", 8));
}

TEST(CompressionTest, SnappyAcceptsRawBlocks) {
  std::string in = Sample(1000);
  std::string raw;
  snappy::Compress(in.data(), in.size(), &raw);
  auto d = Decompress(Compression::kSnappy, raw);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, in);
}

TEST(CompressionTest, GzipHasGzipMagic) {
  auto c = Compress(Compression::kGzip, "hello");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(static_cast<unsigned char>((*c)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*c)[1]), 0x8b);
}

}  // namespace
}  // namespace meshd::record
