#include "governance/pii_batch_rewriter.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "record/record_batch.h"

namespace meshd::governance {
namespace {

namespace json = boost::json;

// Two batches as the log stores them (offsets 100.. and 103..), the first
// compressed, produced by an idempotent producer; plus a control batch.
std::string StoredBatches() {
  record::RecordBatchBuilder a(record::Compression::kZstd, /*producer_id=*/42, /*epoch=*/3,
                               /*base_sequence=*/7);
  a.Add(1000, std::string_view("k1"), std::string_view(R"({"email":"ann@example.com","n":1})"),
        {{"ce_id", std::string("e1")}});
  a.Add(1001, std::nullopt, std::string_view(R"({"n":2})"));
  a.Add(1002, std::string_view("k3"), std::nullopt);  // tombstone
  std::string b1 = a.Build();
  record::SetBaseOffset(b1.data(), 100);
  record::RecordBatchBuilder b;
  b.Add(2000, std::string_view("k4"), std::string_view(R"({"n":4})"));
  std::string b2 = b.Build();
  record::SetBaseOffset(b2.data(), 103);
  return b1 + b2;
}

TEST(PiiBatchRewriter, RewritesValuesAndKeepsEverythingElse) {
  PiiMasker m({{"email", "pii", catalog::PiiTreatment::kMask}});
  const std::string original = StoredBatches();
  std::string bytes = original;
  ASSERT_TRUE(RewriteBatches(m, &bytes).ok());
  auto batches = record::SplitBatches(bytes);
  ASSERT_TRUE(batches.ok()) << batches.error().ToString();
  ASSERT_EQ(batches->size(), 2u);
  for (auto b : *batches) EXPECT_TRUE(record::ValidateBatch(b).ok()) << "CRC must be recomputed";

  auto h = record::ParseHeader((*batches)[0]);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->base_offset, 100);
  EXPECT_EQ(h->last_offset_delta, 2);
  EXPECT_EQ(h->producer_id, 42);
  EXPECT_EQ(h->producer_epoch, 3);
  EXPECT_EQ(h->base_sequence, 7);
  EXPECT_EQ(h->base_timestamp, 1000);
  EXPECT_EQ(h->max_timestamp, 1002);
  auto recs = record::DecodeRecords((*batches)[0]);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].offset, 100);
  EXPECT_EQ((*recs)[0].timestamp, 1000);
  EXPECT_EQ((*recs)[0].key, "k1");
  EXPECT_EQ(json::parse(*(*recs)[0].value).at("email"), "***");
  EXPECT_EQ(json::parse(*(*recs)[0].value).at("n"), 1);
  ASSERT_EQ((*recs)[0].headers.size(), 1u);
  EXPECT_EQ((*recs)[0].headers[0].key, "ce_id");
  EXPECT_EQ((*recs)[1].offset, 101);
  EXPECT_FALSE((*recs)[1].key.has_value());
  EXPECT_EQ(*(*recs)[1].value, R"({"n":2})");
  EXPECT_EQ((*recs)[2].offset, 102);
  EXPECT_FALSE((*recs)[2].value.has_value()) << "tombstones stay tombstones";

  // The untouched second batch is copied byte for byte.
  auto orig = record::SplitBatches(original);
  ASSERT_TRUE(orig.ok());
  EXPECT_EQ((*batches)[1], (*orig)[1]);
}

TEST(PiiBatchRewriter, NothingToMaskLeavesBytesIdentical) {
  PiiMasker m({{"ssn", "pii", catalog::PiiTreatment::kDrop}});
  std::string bytes = StoredBatches();
  const std::string original = bytes;
  ASSERT_TRUE(RewriteBatches(m, &bytes).ok());
  EXPECT_EQ(bytes, original);
}

TEST(PiiBatchRewriter, PartialTailIsDropped) {
  PiiMasker m({{"email", "pii", catalog::PiiTreatment::kMask}});
  std::string bytes = StoredBatches();
  bytes.resize(bytes.size() - 5);
  ASSERT_TRUE(RewriteBatches(m, &bytes).ok());
  auto batches = record::SplitBatches(bytes);
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ(batches->size(), 1u);
}

}  // namespace
}  // namespace meshd::governance
