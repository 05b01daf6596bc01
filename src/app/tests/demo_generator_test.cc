#include "app/demo_generator.h"

#include <gtest/gtest.h>

#include <set>

namespace meshd::app {
namespace {

GeneratorOptions Small() {
  GeneratorOptions o;
  o.duration_ms = 10'000;
  o.events_per_second = 300;
  o.start_ms = 1'800'000'000'000;
  return o;
}

TEST(RetailGeneratorTest, DeterministicForASeed) {
  RetailGenerator a(Small()), b(Small());
  for (;;) {
    auto x = a.Next();
    auto y = b.Next();
    ASSERT_EQ(x.has_value(), y.has_value());
    if (!x) break;
    EXPECT_EQ(x->id, y->id);
    EXPECT_EQ(boost::json::serialize(x->data), boost::json::serialize(y->data));
  }
}

TEST(RetailGeneratorTest, ExpectedMatchesARecount) {
  RetailGenerator g(Small());
  std::set<std::string> ids;
  int64_t sales = 0, malformed = 0, valid = 0, hires = 0, presence = 0;
  double revenue = 0;
  std::set<std::string> customers_with_profile;
  int64_t sales_before_profile = 0;
  int64_t last_presence = 0;
  while (auto e = g.Next()) {
    EXPECT_TRUE(ids.insert(e->id).second) << "duplicate id " << e->id;
    EXPECT_GE(e->time_ms, g.options().start_ms);
    EXPECT_LE(e->time_ms, g.options().start_ms + g.options().duration_ms);
    if (e->type == "CustomerCreated") customers_with_profile.insert(e->key);
    if (e->type == "EmployeeHired") ++hires;
    if (e->type == "EmployeePresence") {
      ++presence;
      last_presence = e->time_ms;
    }
    if (e->type != "SaleCompleted") continue;
    ++sales;
    if (e->malformed) {
      ++malformed;
      const auto& d = e->data;
      EXPECT_TRUE(!d.contains("customer_id") || d.at("amount").to_number<double>() < 0);
      continue;
    }
    ++valid;
    revenue += e->data.at("amount").to_number<double>();
    if (!customers_with_profile.count(std::string(e->data.at("customer_id").as_string())))
      ++sales_before_profile;
  }
  const Expected& x = g.expected();
  EXPECT_EQ(x.sales, sales);
  EXPECT_EQ(x.malformed_sales, malformed);
  EXPECT_EQ(x.valid_sales, valid);
  EXPECT_NEAR(x.valid_revenue, revenue, 1e-6);
  EXPECT_EQ(x.employees_hired, hires);
  EXPECT_EQ(x.presence_events, presence);
  EXPECT_EQ(x.presence_stalled_at_ms, last_presence);
  // The scenario needs each ingredient to be present.
  EXPECT_GT(malformed, 0);
  EXPECT_GT(sales_before_profile, 0) << "no late profile: the join's wait window is untested";
  EXPECT_GT(x.large_premium_purchases, 0);
  EXPECT_LT(last_presence, g.options().start_ms + g.options().duration_ms / 3 + 1)
      << "the presence producer must stall after a third of the run";
  double per_window = 0;
  for (const auto& [k, v] : x.revenue_per_store_minute) per_window += v;
  EXPECT_NEAR(per_window, revenue, 1e-6);
}

}  // namespace
}  // namespace meshd::app
