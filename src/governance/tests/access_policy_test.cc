#include "governance/access_policy.h"

#include <gtest/gtest.h>

#include "governance/tests/fake_directory.h"

namespace meshd::governance {
namespace {

using testing::FakeDirectory;

Identity Who(std::string name, std::string domain, bool admin = false) {
  return Identity{std::move(name), std::move(domain), admin, true};
}

class AccessPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_.Put(testing::PosProduct()); }
  AccessDecision D(const Identity& who, AccessAction a, const std::string& topic) {
    return Decide(who, a, topic, &dir_);
  }
  FakeDirectory dir_;
};

// The decision table: one row per (who, action, topic) with the expected
// (allowed, pii_clear).
TEST_F(AccessPolicyTest, DecisionTable) {
  struct Row {
    Identity who;
    AccessAction action;
    std::string topic;
    bool allowed;
    bool pii_clear;
  };
  const Identity admin = Who("admin", "", true);
  const Identity pos = Who("pos-svc", "pos");
  const Identity crm = Who("crm-svc", "crm");
  const Identity fraud = Who("fraud-svc", "risk");
  const Identity dw = Who("dw-svc", "digital_workplace");
  const Identity other = Who("x", "marketing");
  const Identity anonymous{};
  const std::vector<Row> rows = {
      // admins: everything, in clear
      {admin, AccessAction::kProduce, "pos_transactions", true, true},
      {admin, AccessAction::kConsume, "pos_transactions", true, true},
      {admin, AccessAction::kConsume, "_audit", true, true},
      // the owning domain
      {pos, AccessAction::kProduce, "pos_transactions", true, true},
      {pos, AccessAction::kConsume, "pos_transactions", true, true},
      {pos, AccessAction::kManageTopic, "pos_transactions", true, true},
      {pos, AccessAction::kConsume, "pos_transactions.quarantine", true, true},
      // a domain granted read without PII
      {crm, AccessAction::kConsume, "pos_transactions", true, false},
      {crm, AccessAction::kProduce, "pos_transactions", false, false},
      {crm, AccessAction::kManageTopic, "pos_transactions", false, false},
      {crm, AccessAction::kConsume, "pos_transactions.quarantine", false, false},
      // a principal granted read with PII
      {fraud, AccessAction::kConsume, "pos_transactions", true, true},
      {fraud, AccessAction::kProduce, "pos_transactions", false, false},
      // a domain granted write only
      {dw, AccessAction::kProduce, "pos_transactions", true, false},
      {dw, AccessAction::kConsume, "pos_transactions", false, false},
      // no grant at all
      {other, AccessAction::kConsume, "pos_transactions", false, false},
      {other, AccessAction::kProduce, "pos_transactions", false, false},
      // topics outside data products: open to authenticated principals
      {other, AccessAction::kProduce, "scratch", true, false},
      {crm, AccessAction::kConsume, "scratch", true, false},
      {crm, AccessAction::kManageTopic, "scratch", true, false},
      // internal topics: admins only
      {crm, AccessAction::kConsume, "_audit", false, false},
      {pos, AccessAction::kConsume, "__consumer_offsets", false, false},
      {crm, AccessAction::kProduce, "_bus.default", false, false},
      // not authenticated: nothing
      {anonymous, AccessAction::kConsume, "scratch", false, false},
  };
  for (const Row& r : rows) {
    AccessDecision d = D(r.who, r.action, r.topic);
    EXPECT_EQ(d.allowed, r.allowed) << r.who.name << " " << AccessActionName(r.action) << " "
                                    << r.topic << ": " << d.reason;
    if (d.allowed) {
      EXPECT_EQ(d.pii_clear, r.pii_clear) << r.who.name << " " << r.topic;
    }
    EXPECT_FALSE(d.reason.empty());
  }
}

TEST_F(AccessPolicyTest, RefusalNamesPrincipalTopicAndOwner) {
  AccessDecision d = D(Who("crm-svc", "crm"), AccessAction::kProduce, "pos_transactions");
  ASSERT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("crm-svc"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("pos_transactions"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("'pos'"), std::string::npos) << d.reason;
  ASSERT_NE(d.product, nullptr);
  EXPECT_EQ(d.product->name, "pos_transactions");
}

TEST_F(AccessPolicyTest, NoDirectoryMeansNoProducts) {
  AccessDecision d = Decide(Who("crm-svc", "crm"), AccessAction::kProduce, "pos_transactions", nullptr);
  EXPECT_TRUE(d.allowed);
}

}  // namespace
}  // namespace meshd::governance
