#include "governance/quarantine_store.h"

#include <gtest/gtest.h>

#include "governance/tests/governance_test_util.h"

namespace meshd::governance {
namespace {

using testing::Header;
using testing::ReadAll;
using testing::TempLog;

QuarantineItem Item(std::string value, std::string reason = "bad") {
  QuarantineItem it;
  it.source_partition = 0;
  it.timestamp_ms = 1000;
  it.key = "k";
  it.value = std::move(value);
  it.headers = {{"ce_id", std::string("e1")}};
  it.rule = "amount.minimum";
  it.reason = std::move(reason);
  return it;
}

Validity Pass(const std::string&, std::string_view) { return {}; }

TEST(QuarantineStore, PutWritesReasonHeadersToTheQuarantineTopic) {
  TempLog t;
  ManualClock clock(5000);
  QuarantineStore q(t.log(), clock);
  ASSERT_TRUE(q.Open().ok());
  auto off = q.Put("pos", {Item(R"({"amount":-1})", "field 'amount' is -1")});
  ASSERT_TRUE(off.ok()) << off.error().ToString();
  auto recs = ReadAll(t.log(), "pos.quarantine");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(*recs[0].value, R"({"amount":-1})");
  EXPECT_EQ(Header(recs[0], kHeaderReason), "field 'amount' is -1");
  EXPECT_EQ(Header(recs[0], kHeaderRule), "amount.minimum");
  EXPECT_EQ(Header(recs[0], kHeaderSourceTopic), "pos");
  EXPECT_EQ(Header(recs[0], kHeaderSourcePartition), "0");
  EXPECT_EQ(Header(recs[0], "ce_id"), "e1");
}

TEST(QuarantineStore, ReleaseAppendsPassingKeepsFailingAndNeverTwice) {
  TempLog t;
  ManualClock clock(5000);
  ASSERT_TRUE(t.log().CreateTopic("pos", 1, {}).ok());
  QuarantineStore q(t.log(), clock);
  ASSERT_TRUE(q.Open().ok());
  ASSERT_TRUE(q.Put("pos", {Item("fixable"), Item("broken")}).ok());
  auto recheck = [](const std::string&, std::string_view v) {
    Validity r;
    if (v == "broken") {
      r.kind = Validity::Kind::kInvalid;
      r.rule = "x.required";
      r.reason = "still broken";
    }
    return r;
  };
  auto rep = q.Release("pos", std::nullopt, recheck);
  ASSERT_TRUE(rep.ok()) << rep.error().ToString();
  ASSERT_EQ(rep->released.size(), 1u);
  EXPECT_EQ(rep->released[0].offset, 0);
  ASSERT_EQ(rep->kept.size(), 1u);
  EXPECT_EQ(rep->kept[0].reason, "still broken");
  auto source = ReadAll(t.log(), "pos");
  ASSERT_EQ(source.size(), 1u);
  EXPECT_EQ(*source[0].value, "fixable");
  EXPECT_EQ(Header(source[0], kHeaderReleasedFrom), "pos.quarantine@0");
  EXPECT_EQ(Header(source[0], kHeaderReason), "");  // quarantine headers stripped
  EXPECT_EQ(Header(source[0], "ce_id"), "e1");
  // Releasing again (by offset or all) does nothing for the released one.
  auto again = q.Release("pos.quarantine", std::vector<int64_t>{0}, Pass);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->released.empty());
  EXPECT_EQ(again->not_found, std::vector<int64_t>{0});
  auto listed = q.List("pos");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].offset, 1);
  EXPECT_EQ((*listed)[0].rule, "amount.minimum");
}

TEST(QuarantineStore, StateSurvivesReopen) {
  TempLog t;
  ManualClock clock(5000);
  ASSERT_TRUE(t.log().CreateTopic("pos", 1, {}).ok());
  {
    QuarantineStore q(t.log(), clock);
    ASSERT_TRUE(q.Open().ok());
    ASSERT_TRUE(q.Put("pos", {Item("a"), Item("b"), Item("c")}).ok());
    ASSERT_TRUE(q.Release("pos", std::vector<int64_t>{0}, Pass).ok());
    auto d = q.Drop("pos", std::vector<int64_t>{1, 7});
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->dropped, std::vector<int64_t>{1});
    EXPECT_EQ(d->not_found, std::vector<int64_t>{7});
  }
  QuarantineStore reopened(t.log(), clock);
  ASSERT_TRUE(reopened.Open().ok());
  auto listed = reopened.List("pos");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].offset, 2);
  auto all = reopened.Release("pos", std::nullopt, Pass);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->released.size(), 1u);
  EXPECT_EQ(ReadAll(t.log(), "pos").size(), 2u);  // a and c, once each
}

TEST(QuarantineStore, DuplicateOffsetsReleaseOnce) {
  TempLog t;
  ManualClock clock(5000);
  ASSERT_TRUE(t.log().CreateTopic("pos", 1, {}).ok());
  QuarantineStore q(t.log(), clock);
  ASSERT_TRUE(q.Open().ok());
  ASSERT_TRUE(q.Put("pos", {Item("a")}).ok());
  auto rep = q.Release("pos", std::vector<int64_t>{0, 0}, Pass);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->released.size(), 1u);
  EXPECT_EQ(ReadAll(t.log(), "pos").size(), 1u);
}

TEST(QuarantineStore, ListAcrossTopics) {
  TempLog t;
  ManualClock clock(5000);
  QuarantineStore q(t.log(), clock);
  ASSERT_TRUE(q.Open().ok());
  ASSERT_TRUE(q.Put("a", {Item("1")}).ok());
  ASSERT_TRUE(q.Put("b", {Item("2")}).ok());
  auto all = q.List("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].source_topic, "a");
  EXPECT_EQ((*all)[1].source_topic, "b");
}

}  // namespace
}  // namespace meshd::governance
