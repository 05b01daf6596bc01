#include "record/record_batch.h"

#include <gtest/gtest.h>

#include <string>

#include "base/endian.h"
#include "record/varint.h"

namespace meshd::record {
namespace {

std::string BuildSample(Compression codec) {
  RecordBatchBuilder b(codec, 42, 3, 7);
  b.Add(1000, "k1", "v1", {{"h1", "x"}, {"h2", std::nullopt}});
  b.Add(1005, std::nullopt, "no key");
  b.Add(999, "k3", std::nullopt);  // tombstone, earlier timestamp
  for (int i = 0; i < 50; ++i) b.Add(1010 + i, "key" + std::to_string(i), std::string(200, 'a' + i % 26));
  return b.Build();
}

class RoundTripTest : public ::testing::TestWithParam<Compression> {};

TEST_P(RoundTripTest, BuilderThenDecode) {
  std::string batch = BuildSample(GetParam());
  ASSERT_TRUE(ValidateBatch(batch).ok()) << ValidateBatch(batch).ToString();
  auto h = ParseHeader(batch);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->compression(), GetParam());
  EXPECT_EQ(h->records_count, 53);
  EXPECT_EQ(h->last_offset_delta, 52);
  EXPECT_EQ(h->base_timestamp, 1000);
  EXPECT_EQ(h->max_timestamp, 1059);
  EXPECT_EQ(h->producer_id, 42);
  EXPECT_EQ(h->producer_epoch, 3);
  EXPECT_EQ(h->base_sequence, 7);
  EXPECT_EQ(h->total_size(), batch.size());

  SetBaseOffset(batch.data(), 500);
  SetPartitionLeaderEpoch(batch.data(), 9);
  EXPECT_TRUE(ValidateBatch(batch).ok()) << "offset and epoch lie outside the CRC";

  auto recs = DecodeRecords(batch);
  ASSERT_TRUE(recs.ok()) << recs.error().ToString();
  ASSERT_EQ(recs->size(), 53u);
  const auto& r0 = (*recs)[0];
  EXPECT_EQ(r0.offset, 500);
  EXPECT_EQ(r0.timestamp, 1000);
  EXPECT_EQ(r0.key, "k1");
  EXPECT_EQ(r0.value, "v1");
  ASSERT_EQ(r0.headers.size(), 2u);
  EXPECT_EQ(r0.headers[0].key, "h1");
  EXPECT_EQ(r0.headers[0].value, "x");
  EXPECT_EQ(r0.headers[1].key, "h2");
  EXPECT_FALSE(r0.headers[1].value.has_value());
  EXPECT_FALSE((*recs)[1].key.has_value());
  EXPECT_EQ((*recs)[1].value, "no key");
  EXPECT_EQ((*recs)[2].timestamp, 999);
  EXPECT_FALSE((*recs)[2].value.has_value()) << "tombstone";
  EXPECT_EQ((*recs)[52].offset, 552);
  EXPECT_EQ((*recs)[52].value, std::string(200, 'a' + 49 % 26));
}

// DecodeRecordViews sees the same records as DecodeRecords (views, no headers).
TEST_P(RoundTripTest, ViewsMatchDecodedRecords) {
  std::string batch = BuildSample(GetParam());
  auto recs = DecodeRecords(batch);
  ASSERT_TRUE(recs.ok());
  std::string decompressed;
  std::vector<RecordView> views = {RecordView{}};  // cleared by the call
  ASSERT_TRUE(DecodeRecordViews(batch, &decompressed, &views).ok());
  ASSERT_EQ(views.size(), recs->size());
  for (size_t i = 0; i < views.size(); ++i) {
    EXPECT_EQ(views[i].offset, (*recs)[i].offset);
    EXPECT_EQ(views[i].timestamp, (*recs)[i].timestamp);
    EXPECT_EQ(views[i].key.has_value(), (*recs)[i].key.has_value());
    if (views[i].key) {
      EXPECT_EQ(*views[i].key, *(*recs)[i].key);
    }
    EXPECT_EQ(views[i].value.has_value(), (*recs)[i].value.has_value());
    if (views[i].value) {
      EXPECT_EQ(*views[i].value, *(*recs)[i].value);
    }
  }
  if (GetParam() == Compression::kNone) {
    // Uncompressed: the value views point into the batch itself.
    EXPECT_GE(views[0].value->data(), batch.data());
    EXPECT_LT(views[0].value->data(), batch.data() + batch.size());
  }
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTripTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd));

TEST(RecordBatchTest, EveryCorruptByteIsDetected) {
  std::string batch = BuildSample(Compression::kNone);
  // Bytes 0..11 (BaseOffset, BatchLength) and 12..15 (epoch) are outside the
  // CRC; BatchLength is checked against the size. Everything else is covered.
  for (size_t i = 8; i < batch.size(); ++i) {
    if (i >= 12 && i < 16) continue;
    std::string bad = batch;
    bad[i] ^= 0x01;
    EXPECT_FALSE(ValidateBatch(bad).ok()) << "flip at byte " << i;
  }
}

TEST(RecordBatchTest, RejectsWrongMagicAndSizes) {
  std::string batch = BuildSample(Compression::kNone);
  std::string bad = batch;
  bad[16] = 1;
  EXPECT_FALSE(ParseHeader(bad).ok());
  EXPECT_FALSE(ValidateBatch(batch.substr(0, 60)).ok());
  EXPECT_FALSE(ValidateBatch(batch + "x").ok());
  EXPECT_FALSE(ValidateBatch(batch.substr(0, batch.size() - 1)).ok());
}

TEST(RecordBatchTest, SplitBatchesHandlesPartialTail) {
  std::string a = BuildSample(Compression::kNone);
  std::string b = BuildSample(Compression::kLz4);
  std::string both = a + b;
  auto parts = SplitBatches(both);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].size(), a.size());
  EXPECT_EQ((*parts)[1], b);
  std::string torn = both.substr(0, both.size() - 10);
  EXPECT_FALSE(SplitBatches(torn).ok());
  auto partial = SplitBatches(torn, true);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->size(), 1u);
  EXPECT_FALSE(SplitBatches(std::string(12, '\0'), true).ok()) << "length 0 is corrupt";
}

TEST(RecordBatchTest, UpdateCrcAfterChangingCoveredField) {
  std::string batch = BuildSample(Compression::kNone);
  StoreBE<int64_t>(batch.data() + 35, 123456);  // MaxTimestamp
  EXPECT_FALSE(ValidateBatch(batch).ok());
  UpdateCrc(batch.data(), batch.size());
  EXPECT_TRUE(ValidateBatch(batch).ok());
}

TEST(RecordBatchTest, ExplicitOffsetDeltasKeepGaps) {
  RecordBatchBuilder b;
  b.AddWithOffsetDelta(2, 10, "a", "1");
  b.AddWithOffsetDelta(7, 11, "b", "2");
  b.SetLastOffsetDelta(9);
  std::string batch = b.Build();
  ASSERT_TRUE(ValidateBatch(batch).ok());
  SetBaseOffset(batch.data(), 100);
  auto h = ParseHeader(batch);
  EXPECT_EQ(h->last_offset(), 109);
  EXPECT_EQ(h->records_count, 2);
  auto recs = DecodeRecords(batch);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ((*recs)[0].offset, 102);
  EXPECT_EQ((*recs)[1].offset, 107);
}

TEST(RecordBatchTest, TruncatedRecordsAreCorruption) {
  RecordBatchBuilder b;
  b.Add(1, "key", "value");
  std::string batch = b.Build();
  // Claim two records while only one is encoded.
  StoreBE<int32_t>(batch.data() + 57, 2);
  StoreBE<int32_t>(batch.data() + 23, 1);
  UpdateCrc(batch.data(), batch.size());
  EXPECT_TRUE(ValidateBatch(batch).ok());
  auto recs = DecodeRecords(batch);
  ASSERT_FALSE(recs.ok());
  EXPECT_TRUE(recs.error().IsCorruption());
  std::string decompressed;
  std::vector<RecordView> views;
  Status v = DecodeRecordViews(batch, &decompressed, &views);
  ASSERT_FALSE(v.ok());
  EXPECT_TRUE(v.IsCorruption());
}

TEST(VarintTest, ZigzagRoundTrip) {
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 63, -64, 64, 300, -300, INT64_MAX, INT64_MIN}) {
    std::string s;
    PutVarint(&s, v);
    EXPECT_EQ(s.size(), VarintSize(v));
    std::string_view in = s;
    int64_t got = 0;
    ASSERT_TRUE(GetVarint(&in, &got));
    EXPECT_EQ(got, v);
    EXPECT_TRUE(in.empty());
  }
  std::string one;
  PutVarint(&one, -1);
  EXPECT_EQ(one, std::string("\x01", 1)) << "zigzag maps -1 to 1";
}

// The 1- and 2-byte fast paths and the general loop: each reads exactly its
// bytes (the next byte is left), and a cut or overlong varint is an error.
TEST(VarintTest, UnsignedLengthsAtEveryByteBoundary) {
  for (uint64_t v : std::initializer_list<uint64_t>{0, 1, 127, 128, 300, 16383, 16384, 2097151, 2097152,
                                                    UINT32_MAX, UINT64_MAX}) {
    std::string s;
    PutUVarint(&s, v);
    EXPECT_EQ(s.size(), UVarintSize(v));
    s.push_back('\x7f');  // a following byte that must stay
    std::string_view in = s;
    uint64_t got = 0;
    ASSERT_TRUE(GetUVarint(&in, &got)) << v;
    EXPECT_EQ(got, v);
    EXPECT_EQ(in, std::string_view("\x7f", 1)) << v;
    std::string_view cut(s.data(), UVarintSize(v) - 1);  // the last byte missing
    EXPECT_FALSE(GetUVarint(&cut, &got)) << v;
  }
  std::string_view overlong("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
  uint64_t got = 0;
  EXPECT_FALSE(GetUVarint(&overlong, &got));
}

}  // namespace
}  // namespace meshd::record
