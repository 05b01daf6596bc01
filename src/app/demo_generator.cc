#include "app/demo_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cloudevents/cloud_event.h"

namespace meshd::app {

namespace json = boost::json;

namespace {

constexpr const char* kSegments[] = {"standard", "premium", "basic"};
constexpr const char* kTiers[] = {"bronze", "silver", "gold"};
constexpr const char* kDepartments[] = {"sales", "engineering", "finance", "stores", "support"};
constexpr const char* kPresence[] = {"online", "away", "offline"};
constexpr const char* kFirstNames[] = {"Ana", "Ben", "Chloe", "Dev", "Eva", "Farid", "Greta", "Hugo"};
constexpr const char* kLastNames[] = {"Martin", "Okafor", "Schmidt", "Rossi", "Nguyen", "Silva"};

std::string Padded(const char* prefix, int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%0*lld", prefix, width, static_cast<long long>(n));
  return buf;
}

int64_t MinuteStart(int64_t ms) { return ms - (ms % 60'000); }

}  // namespace

RetailGenerator::RetailGenerator(GeneratorOptions options)
    : options_(options), rng_(options.seed) {
  total_ = std::max<int64_t>(
      options_.customers,
      static_cast<int64_t>(std::llround(options_.events_per_second * options_.duration_ms / 1000.0)));
  segment_.resize(options_.customers);
  created_.assign(options_.customers, false);
  late_.assign(options_.customers, false);
  // Segment mix: 55 % standard, 30 % premium, 15 % basic.
  std::uniform_real_distribution<double> u(0, 1);
  for (int c = 0; c < options_.customers; ++c) {
    double x = u(rng_);
    segment_[c] = x < 0.55 ? kSegments[0] : (x < 0.85 ? kSegments[1] : kSegments[2]);
    late_[c] = u(rng_) < options_.late_profile_ratio;
  }
}

std::string RetailGenerator::CustomerId(int c) const { return Padded("C", 1 + c, 4); }

DemoEvent RetailGenerator::MakeCustomerCreated(int c, int64_t t) {
  DemoEvent e;
  e.domain = "crm";
  e.type = "CustomerCreated";
  e.source = "/crm/customers";
  e.key = CustomerId(c);
  e.id = "crm-created-" + e.key;
  e.time_ms = t;
  const char* first = kFirstNames[c % std::size(kFirstNames)];
  const char* last = kLastNames[(c / 3) % std::size(kLastNames)];
  json::object d;
  d["customer_id"] = e.key;
  d["event_type"] = "CustomerCreated";
  d["name"] = std::string(first) + " " + last;
  d["email"] = std::string(first) + "." + last + "." + std::to_string(c) + "@example.com";
  d["segment"] = segment_[c];
  d["loyalty_tier"] = kTiers[c % 3];
  d["loyalty_points"] = static_cast<int64_t>(rng_() % 5000);
  d["contact_preferences"] = json::object{{"email_opt_in", (c % 2) == 0}, {"sms_opt_in", (c % 5) == 0}};
  d["updated_at"] = cloudevents::FormatRfc3339(t);
  e.data = std::move(d);
  created_[c] = true;
  return e;
}

DemoEvent RetailGenerator::MakeProfileUpdated(int c, int64_t t) {
  DemoEvent e = MakeCustomerCreated(c, t);
  // Loyalty moves; the segment stays, so that the premium-purchase alerts
  // do not depend on whether a sale overtakes a profile update on its way
  // through the bus (the reference answer stays exact).
  e.type = "CustomerProfileUpdated";
  e.id = Padded("crm-upd-", ++other_seq_, 6);
  e.data["event_type"] = "CustomerProfileUpdated";
  e.data["loyalty_tier"] = kTiers[(c + other_seq_) % 3];
  return e;
}

DemoEvent RetailGenerator::MakeSale(int64_t t) {
  // A customer whose profile is held back buys first; otherwise any created one.
  int c = -1;
  if (next_customer_ < options_.customers && late_[next_customer_]) {
    c = next_customer_++;
    pending_.push_back(MakeCustomerCreated(c, t));  // the profile follows the sale
  } else {
    std::vector<int> known;
    for (int i = 0; i < next_customer_; ++i)
      if (created_[i]) known.push_back(i);
    c = known.empty() ? 0 : known[rng_() % known.size()];
  }
  ++sale_seq_;
  DemoEvent e;
  e.domain = "pos";
  e.type = "SaleCompleted";
  e.source = "/pos/terminals";
  e.id = Padded("pos-sale-", sale_seq_, 6);
  e.time_ms = t;
  std::string store = Padded("store-", 1 + static_cast<int64_t>(rng_() % options_.stores), 2);
  e.key = store;
  json::array items;
  int64_t cents = 0;
  int n = 1 + static_cast<int>(rng_() % 3);
  bool big = (rng_() % 100) < 8;  // 8 % of baskets are large
  for (int i = 0; i < n; ++i) {
    int64_t qty = 1 + static_cast<int64_t>(rng_() % 3);
    int64_t unit = big ? 15'000 + static_cast<int64_t>(rng_() % 30'000) : 199 + static_cast<int64_t>(rng_() % 4'800);
    cents += qty * unit;
    items.push_back(json::object{{"sku", Padded("SKU-", 100 + static_cast<int64_t>(rng_() % 60), 4)},
                                 {"quantity", qty},
                                 {"unit_price", static_cast<double>(unit) / 100.0}});
  }
  double amount = static_cast<double>(cents) / 100.0;
  json::object d;
  d["transaction_id"] = Padded("T-", sale_seq_, 6);
  d["customer_id"] = CustomerId(c);
  d["store_id"] = store;
  d["amount"] = amount;
  d["currency"] = "EUR";
  d["items"] = std::move(items);
  d["sold_at"] = cloudevents::FormatRfc3339(t);
  std::uniform_real_distribution<double> u(0, 1);
  if (u(rng_) < options_.malformed_sale_ratio) {
    e.malformed = true;
    if (sale_seq_ % 2 == 0) {
      d["amount"] = -amount;
      e.malformed_reason = "amount below minimum 0";
    } else {
      d.erase("customer_id");
      e.malformed_reason = "customer_id missing";
    }
  }
  e.data = std::move(d);
  if (!e.malformed && amount > options_.large_purchase && segment_[c] == std::string("premium"))
    ++expected_.large_premium_purchases;
  return e;
}

DemoEvent RetailGenerator::MakeHire(int64_t t) {
  int emp = ++employees_;
  DemoEvent e;
  e.domain = "hr";
  e.type = "EmployeeHired";
  e.source = "/hr/workday";
  e.key = Padded("E", emp, 4);
  e.id = "hr-hired-" + e.key;
  e.time_ms = t;
  const char* first = kFirstNames[emp % std::size(kFirstNames)];
  const char* last = kLastNames[(emp / 2) % std::size(kLastNames)];
  e.data = json::object{{"employee_id", e.key},
                        {"full_name", std::string(first) + " " + last},
                        {"work_email", std::string(first) + "." + last + std::to_string(emp) + "@retail.example"},
                        {"department", kDepartments[emp % std::size(kDepartments)]},
                        {"start_date", cloudevents::FormatRfc3339(t).substr(0, 10)}};
  return e;
}

DemoEvent RetailGenerator::MakeDepartmentChange(int64_t t) {
  if (employees_ == 0) return MakeHire(t);
  int emp = 1 + static_cast<int>(rng_() % employees_);
  DemoEvent e;
  e.domain = "hr";
  e.type = "UserProfileUpdated";
  e.source = "/hr/workday";
  e.key = Padded("E", emp, 4);
  e.id = Padded("hr-upd-", ++other_seq_, 6);
  e.time_ms = t;
  size_t from = emp % std::size(kDepartments);
  size_t to = (from + 1 + rng_() % (std::size(kDepartments) - 1)) % std::size(kDepartments);
  e.data = json::object{{"employee_id", e.key},
                        {"department", kDepartments[to]},
                        {"previous_department", kDepartments[from]},
                        {"title", "Associate"},
                        {"updated_at", cloudevents::FormatRfc3339(t)}};
  return e;
}

DemoEvent RetailGenerator::MakePresence(int64_t t) {
  int emp = employees_ == 0 ? 1 : 1 + static_cast<int>(rng_() % employees_);
  DemoEvent e;
  e.domain = "hr";
  e.type = "EmployeePresence";
  e.source = "/workplace/presence";
  e.key = Padded("E", emp, 4);
  e.id = Padded("wp-presence-", ++other_seq_, 6);
  e.time_ms = t;
  e.data = json::object{{"employee_id", e.key},
                        {"status", kPresence[rng_() % std::size(kPresence)]},
                        {"at", cloudevents::FormatRfc3339(t)}};
  return e;
}

void RetailGenerator::Account(const DemoEvent& e) {
  ++expected_.events_per_domain[e.domain];
  if (e.type == "CustomerCreated") ++expected_.customers_created;
  if (e.type == "EmployeeHired") ++expected_.employees_hired;
  if (e.type == "UserProfileUpdated") ++expected_.department_changes;
  if (e.type == "EmployeePresence") {
    ++expected_.presence_events;
    expected_.presence_stalled_at_ms = e.time_ms;
  }
  if (e.type != "SaleCompleted") return;
  ++expected_.sales;
  if (e.malformed) {
    ++expected_.malformed_sales;
    ++expected_.malformed_by_reason[e.malformed_reason];
    return;
  }
  ++expected_.valid_sales;
  double amount = e.data.at("amount").to_number<double>();
  expected_.valid_revenue += amount;
  expected_.revenue_per_store_minute[{e.key, MinuteStart(e.time_ms)}] += amount;
}

std::optional<DemoEvent> RetailGenerator::Next() {
  DemoEvent e;
  if (!pending_.empty()) {
    e = std::move(pending_.front());
    pending_.erase(pending_.begin());
  } else if (emitted_ >= total_) {
    return std::nullopt;
  } else {
    int64_t t = options_.start_ms + emitted_ * options_.duration_ms / total_;
    // The first events seed the CRM with 70 % of the customers (late ones
    // are skipped: their profile follows their first sale).
    int initial = options_.customers * 7 / 10;
    if (next_customer_ < initial && !late_[next_customer_]) {
      e = MakeCustomerCreated(next_customer_++, t);
    } else if (next_customer_ < initial) {
      // A held-back customer inside the seeding phase: sell to them now.
      e = MakeSale(t);
    } else {
      bool presence_running = t < options_.start_ms + options_.duration_ms / 3;
      int roll = static_cast<int>(rng_() % 100);
      if (roll < 8 && next_customer_ < options_.customers) {
        e = late_[next_customer_] ? MakeSale(t) : MakeCustomerCreated(next_customer_++, t);
      } else if (roll < 14 && next_customer_ > 0) {
        int c = static_cast<int>(rng_() % next_customer_);
        e = created_[c] ? MakeProfileUpdated(c, t) : MakeSale(t);
      } else if (roll < 19) {
        e = MakeHire(t);
      } else if (roll < 22) {
        e = MakeDepartmentChange(t);
      } else if (roll < 34 && presence_running) {
        e = MakePresence(t);
      } else {
        e = MakeSale(t);
      }
    }
    ++emitted_;
  }
  Account(e);
  return e;
}

}  // namespace meshd::app
