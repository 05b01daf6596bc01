#pragma once
// RetailGenerator: the deterministic event source of `meshd demo`. It plays
// the three domains of the retail scenario (product.md) over a configurable
// duration and rate:
//   crm  CustomerCreated / CustomerProfileUpdated  (some profiles arrive only
//        after the customer's first sale, to exercise the join's wait window)
//   pos  SaleCompleted, with a share of malformed sales (negative amount or
//        no customer_id) that the pos contract must quarantine
//   hr   EmployeeHired, UserProfileUpdated, EmployeePresence; the presence
//        producer stalls after a third of the run (a freshness violation)
// Events come out in publish order; event times are spread over the run.
//
// The generator also keeps the reference answers (Expected) computed the
// straightforward way, so the demo can print its results beside them and
// a test can check the two agree.

#include <boost/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace meshd::app {

struct GeneratorOptions {
  int64_t duration_ms = 30'000;  // span of event time
  double events_per_second = 200;
  uint32_t seed = 20261127;
  int64_t start_ms = 0;          // event time of the first event
  int customers = 120;
  int stores = 6;
  double malformed_sale_ratio = 0.03;
  double late_profile_ratio = 0.05;  // customers whose profile follows their first sale
  double large_purchase = 500.0;     // alert threshold (premium customers only)
};

struct DemoEvent {
  std::string domain;  // crm | pos | hr
  std::string type;    // CloudEvents type / EventBridge detail-type
  std::string source;  // "/crm/customers", ...
  std::string id;
  std::string key;     // partition key (customer, store, employee id)
  int64_t time_ms = 0;
  boost::json::object data;
  bool malformed = false;
  std::string malformed_reason;  // which rule it breaks
};

struct Expected {
  std::map<std::string, int64_t> events_per_domain;  // everything generated
  int64_t sales = 0;                                 // SaleCompleted generated
  int64_t valid_sales = 0;
  int64_t malformed_sales = 0;
  std::map<std::string, int64_t> malformed_by_reason;
  double valid_revenue = 0;
  // (store_id, minute start ms) -> revenue of valid sales
  std::map<std::pair<std::string, int64_t>, double> revenue_per_store_minute;
  int64_t large_premium_purchases = 0;  // valid sale, amount > threshold, segment premium|vip
  int64_t customers_created = 0;
  int64_t employees_hired = 0;
  int64_t department_changes = 0;
  int64_t presence_events = 0;
  int64_t presence_stalled_at_ms = 0;  // event time of the last presence event
};

class RetailGenerator {
 public:
  explicit RetailGenerator(GeneratorOptions options);

  // The next event in publish order, or nullopt at the end of the run.
  std::optional<DemoEvent> Next();
  const Expected& expected() const { return expected_; }
  const GeneratorOptions& options() const { return options_; }
  int64_t total_events() const { return total_; }

 private:
  DemoEvent MakeCustomerCreated(int customer, int64_t t);
  DemoEvent MakeProfileUpdated(int customer, int64_t t);
  DemoEvent MakeSale(int64_t t);
  DemoEvent MakeHire(int64_t t);
  DemoEvent MakeDepartmentChange(int64_t t);
  DemoEvent MakePresence(int64_t t);
  void Account(const DemoEvent& e);
  std::string CustomerId(int c) const;

  GeneratorOptions options_;
  std::mt19937_64 rng_;
  int64_t total_ = 0;
  int64_t emitted_ = 0;
  std::vector<std::string> segment_;      // per customer
  std::vector<bool> created_;             // profile published
  std::vector<bool> late_;                // profile held back until after a sale
  std::vector<DemoEvent> pending_;        // queued events (late profiles)
  int next_customer_ = 0;
  int employees_ = 0;
  int64_t sale_seq_ = 0;
  int64_t other_seq_ = 0;
  Expected expected_;
};

}  // namespace meshd::app
