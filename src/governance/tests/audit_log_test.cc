#include "governance/audit_log.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace meshd::governance {
namespace {

TEST(AuditLog, ReadsAreRecordedOncePerPrincipalTopicAndMinute) {
  ManualClock clock(1'700'000'000'000);
  auto log = AuditLog::Open(nullptr, &clock);
  ASSERT_TRUE(log.ok());
  AuditEntry read{"crm-svc", "consume", "topic:pos_transactions", "ok", ""};
  for (int i = 0; i < 50; ++i) (*log)->RecordAccess(read);
  (*log)->RecordAccess({"crm-svc", "consume", "topic:other", "ok", ""});
  (*log)->RecordAccess({"crm-svc", "consume", "topic:pos_transactions", "denied", ""});
  clock.Advance(59'000);
  (*log)->RecordAccess(read);
  clock.Advance(1'000);
  (*log)->RecordAccess(read);
  (*log)->Record({"admin", "create", "principal:crm-svc", "ok", ""});
  (*log)->Record({"admin", "create", "principal:crm-svc", "ok", ""});
  auto all = (*log)->Read({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 6u);  // 1 + other + denied + after a minute + 2 admin
  AuditLog::Query q;
  q.principal = "admin";
  auto admin = (*log)->Read(q);
  ASSERT_TRUE(admin.ok());
  ASSERT_EQ(admin->size(), 2u);
  const auto& e = (*admin)[0].as_object();
  EXPECT_EQ(e.at("action"), "create");
  EXPECT_EQ(e.at("resource"), "principal:crm-svc");
  EXPECT_EQ(e.at("outcome"), "ok");
  EXPECT_EQ(e.at("time"), "2023-11-14T22:14:20.000Z");
  q = {};
  q.limit = 2;
  auto last = (*log)->Read(q);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->size(), 2u) << "limit keeps the newest";
  EXPECT_EQ((*last)[0].at("principal"), "admin");
}

}  // namespace
}  // namespace meshd::governance
