// Every operator against a straightforward reference computation over the
// same generated input (out-of-order and late events included).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "stream/operator_chain.h"
#include "stream/pipeline_spec.h"

namespace meshd::stream {
namespace {

namespace json = boost::json;

std::unique_ptr<OperatorChain> Chain(const std::string& yaml) {
  auto spec = ParsePipeline(yaml);
  EXPECT_TRUE(spec.ok()) << spec.error().ToString();
  if (!spec.ok()) return nullptr;
  auto chain = OperatorChain::Build(*spec);
  EXPECT_TRUE(chain.ok());
  return chain.ok() ? std::move(*chain) : nullptr;
}

struct Sale {
  std::string store;
  std::string customer;
  int64_t amount;
  int64_t ts;
};

// Sales with event times that mostly increase, some out of order by up to
// `disorder` ms, and a few `very_late` ones (far behind).
std::vector<Sale> GenerateSales(int n, uint32_t seed, int64_t disorder, double late_share) {
  std::mt19937 rng(seed);
  std::vector<Sale> out;
  int64_t clock = 1'000'000;
  for (int i = 0; i < n; ++i) {
    clock += rng() % 400;
    int64_t ts = clock - static_cast<int64_t>(rng() % (disorder + 1));
    if ((rng() % 1000) < late_share * 1000) ts = clock - 20'000 - static_cast<int64_t>(rng() % 20'000);
    out.push_back({"s" + std::to_string(rng() % 4), "c" + std::to_string(rng() % 40),
                   static_cast<int64_t>(1 + rng() % 500), ts});
  }
  return out;
}

StreamRecord ToRecord(const Sale& s, int64_t offset) {
  StreamRecord r;
  r.fields = {{"store_id", s.store}, {"customer_id", s.customer}, {"amount", s.amount}, {"ts", s.ts}};
  r.topic = "pos_transactions";
  r.offset = offset;
  r.timestamp_ms = s.ts;
  return r;
}

// Applies upserts/retractions keyed by `key` columns: the final table.
std::map<std::string, json::object> FinalTable(const std::vector<EmittedRecord>& out, size_t target,
                                               const std::vector<std::string>& key) {
  std::map<std::string, json::object> t;
  for (const auto& e : out) {
    if (e.target != target) continue;
    json::array k;
    for (const auto& c : key) k.push_back(e.record.fields.at(c));
    if (e.record.retract) t.erase(json::serialize(k));
    else t[json::serialize(k)] = e.record.fields;
  }
  return t;
}

TEST(OperatorsTest, FilterAndMapMatchReference) {
  auto chain = Chain(R"Y(
name: fm
inputs: [pos_transactions]
operators:
  - filter: "amount > 100 AND store_id IN ('s1', 's2')"
  - filter:
      pattern: {customer_id: [{prefix: "c1"}]}
  - map:
      select: [store_id, customer_id, amount]
      rename: {customer_id: customer}
      compute:
        amount_cents: "amount * 100"
        band: "CASE WHEN amount >= 400 THEN 'high' ELSE 'mid' END"
        label: "concat(upper(store_id), '/', customer_id)"
outputs: [{topic: out}]
)Y");
  ASSERT_TRUE(chain);
  auto sales = GenerateSales(3000, 7, 0, 0);
  std::vector<json::object> expected;
  for (size_t i = 0; i < sales.size(); ++i) {
    const Sale& s = sales[i];
    if (s.amount > 100 && (s.store == "s1" || s.store == "s2") && s.customer.rfind("c1", 0) == 0) {
      expected.push_back({{"store_id", s.store},
                          {"amount", s.amount},
                          {"customer", s.customer},
                          {"amount_cents", s.amount * 100},
                          {"band", s.amount >= 400 ? "high" : "mid"},
                          {"label", (s.store == "s1" ? std::string("S1") : std::string("S2")) + "/" + s.customer}});
    }
    ASSERT_TRUE(chain->Process(ToRecord(s, static_cast<int64_t>(i))).ok());
  }
  auto out = chain->TakeOutputs();
  ASSERT_EQ(out.size(), expected.size());
  ASSERT_GT(out.size(), 50u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].record.fields, expected[i]) << i;
}

struct Agg {
  int64_t count = 0, sum = 0, min = INT64_MAX, max = INT64_MIN;
  std::set<std::string> customers;
  // max_by / min_by reference: the winner's (customer, ts); equal amounts:
  // the smaller tuple wins, whatever the arrival order.
  std::pair<std::string, int64_t> top, bottom;
  int64_t top_ties = 0;  // sales at the max amount
  void Add(const Sale& s) {
    ++count;
    sum += s.amount;
    if (s.amount > max) top_ties = 1;
    else if (s.amount == max) ++top_ties;
    std::pair<std::string, int64_t> t{s.customer, s.ts};
    if (s.amount > max || (s.amount == max && t < top)) top = t;
    if (s.amount < min || (s.amount == min && t < bottom)) bottom = t;
    min = std::min(min, s.amount);
    max = std::max(max, s.amount);
    customers.insert(s.customer);
  }
};

int64_t FloorTo(int64_t t, int64_t m) { return (t >= 0 ? t / m : (t - m + 1) / m) * m; }

void CheckWindowTable(const std::map<std::string, json::object>& table,
                      const std::map<std::pair<std::string, int64_t>, Agg>& ref, int64_t size) {
  ASSERT_EQ(table.size(), ref.size());
  for (const auto& [k, a] : ref) {
    json::array key{json::value(k.first), json::value(k.second)};
    auto it = table.find(json::serialize(key));
    ASSERT_NE(it, table.end()) << json::serialize(key);
    const json::object& row = it->second;
    EXPECT_EQ(row.at("window_end").as_int64(), k.second + size);
    EXPECT_EQ(row.at("sales").as_int64(), a.count);
    EXPECT_EQ(row.at("revenue").as_int64(), a.sum);
    EXPECT_EQ(row.at("smallest").as_int64(), a.min);
    EXPECT_EQ(row.at("largest").as_int64(), a.max);
    EXPECT_DOUBLE_EQ(row.at("average").as_double(), static_cast<double>(a.sum) / static_cast<double>(a.count));
    EXPECT_EQ(row.at("customers").as_int64(), static_cast<int64_t>(a.customers.size()));
    EXPECT_EQ(row.at("top").as_int64(), a.max);
    EXPECT_EQ(row.at("customer_id").as_string(), a.top.first);
    EXPECT_EQ(row.at("ts").as_int64(), a.top.second);
    EXPECT_EQ(row.at("top_ties").as_int64(), a.top_ties);
    EXPECT_EQ(row.at("bottom").as_int64(), a.min);
    EXPECT_EQ(row.at("bottom_customer").as_string(), a.bottom.first);
    EXPECT_EQ(row.at("bottom_ts").as_int64(), a.bottom.second);
  }
}

const char* kAggregates = R"Y(
      aggregates:
        sales: count(*)
        revenue: sum(amount)
        smallest: min(amount)
        largest: max(amount)
        average: avg(amount)
        customers: count_distinct(customer_id)
        top: {max_by: amount, fields: [customer_id, ts], ties: top_ties}
        bottom: {min_by: amount, fields: {bottom_customer: customer_id, bottom_ts: ts}}
)Y";

class WindowTest : public ::testing::TestWithParam<int64_t> {};  // allowed lateness

TEST_P(WindowTest, TumblingMatchesReferenceWithOutOfOrderAndLateEvents) {
  const int64_t size = 10'000, ooo = 2'000, lateness = GetParam();
  auto chain = Chain(std::string(R"Y(
name: tw
inputs: [pos_transactions]
operators:
  - window:
      type: tumbling
      size: 10s
      key: [store_id]
      time: ts
      out_of_orderness: 2s
      allowed_lateness: )Y") + std::to_string(lateness) + R"Y(
      late_output: late_sales
)Y" + kAggregates + R"Y(
outputs: [{table: revenue, key: [store_id, window_start]}]
)Y");
  ASSERT_TRUE(chain);
  auto sales = GenerateSales(4000, 11, 3'000, 0.03);
  // Reference: a plain loop over the input in arrival order.
  std::map<std::pair<std::string, int64_t>, Agg> ref;
  int64_t max_ts = INT64_MIN, late = 0;
  for (size_t i = 0; i < sales.size(); ++i) {
    const Sale& s = sales[i];
    int64_t start = FloorTo(s.ts, size);
    bool is_late = max_ts != INT64_MIN && start + size + lateness <= max_ts - ooo;
    if (is_late) ++late;
    else ref[{s.store, start}].Add(s);
    max_ts = std::max(max_ts, s.ts);
    ASSERT_TRUE(chain->Process(ToRecord(s, static_cast<int64_t>(i))).ok());
  }
  chain->Flush();
  auto out = chain->TakeOutputs();
  ASSERT_GT(late, 10);
  size_t late_out = 0;
  for (const auto& e : out) late_out += e.target == 1;
  EXPECT_EQ(static_cast<int64_t>(late_out), late);
  CheckWindowTable(FinalTable(out, 0, {"store_id", "window_start"}), ref, size);
  EXPECT_EQ(chain->Stats()[0].as_object().at("late").as_int64(), late);
}

TEST_P(WindowTest, EmitChangesKeepsOpenWindowsCurrentWithoutAFlush) {
  const int64_t size = 10'000, ooo = 2'000, lateness = GetParam();
  auto yaml = [&](const char* emit) {
    return std::string(R"Y(
name: tw
inputs: [pos_transactions]
operators:
  - window:
      type: tumbling
      size: 10s
      key: [store_id]
      time: ts
      out_of_orderness: 2s
      emit: )Y") + emit + R"Y(
      allowed_lateness: )Y" + std::to_string(lateness) + kAggregates + R"Y(
outputs: [{table: revenue, key: [store_id, window_start]}]
)Y";
  };
  auto changes = Chain(yaml("changes"));
  auto final_only = Chain(yaml("final"));
  ASSERT_TRUE(changes && final_only);
  auto sales = GenerateSales(3000, 12, 3'000, 0.03);
  std::map<std::pair<std::string, int64_t>, Agg> ref;
  int64_t max_ts = INT64_MIN;
  for (size_t i = 0; i < sales.size(); ++i) {
    const Sale& s = sales[i];
    int64_t start = FloorTo(s.ts, size);
    if (max_ts == INT64_MIN || start + size + lateness > max_ts - ooo) ref[{s.store, start}].Add(s);
    max_ts = std::max(max_ts, s.ts);
    ASSERT_TRUE(changes->Process(ToRecord(s, static_cast<int64_t>(i))).ok());
    ASSERT_TRUE(final_only->Process(ToRecord(s, static_cast<int64_t>(i))).ok());
  }
  // No Flush: the input simply stops, as a demo's or an idle partition's does.
  CheckWindowTable(FinalTable(changes->TakeOutputs(), 0, {"store_id", "window_start"}), ref, size);
  EXPECT_LT(FinalTable(final_only->TakeOutputs(), 0, {"store_id", "window_start"}).size(), ref.size())
      << "emit: final must hold back the windows the watermark has not passed";
  EXPECT_FALSE(ParsePipeline(yaml("sometimes")).ok());
}

TEST_P(WindowTest, HoppingMatchesReference) {
  const int64_t size = 10'000, slide = 2'500, ooo = 1'000, lateness = GetParam();
  auto chain = Chain(std::string(R"Y(
name: hw
inputs: [pos_transactions]
operators:
  - window:
      type: hopping
      size: 10s
      slide: 2500ms
      key: [store_id]
      time: ts
      out_of_orderness: 1s
      allowed_lateness: )Y") + std::to_string(lateness) + kAggregates + R"Y(
outputs: [{table: hot, key: [store_id, window_start]}]
)Y");
  ASSERT_TRUE(chain);
  auto sales = GenerateSales(3000, 5, 3'000, 0.02);
  std::map<std::pair<std::string, int64_t>, Agg> ref;
  int64_t max_ts = INT64_MIN, late = 0;
  for (size_t i = 0; i < sales.size(); ++i) {
    const Sale& s = sales[i];
    bool any = false;
    for (int64_t start = FloorTo(s.ts, slide); start > s.ts - size; start -= slide) {
      if (max_ts != INT64_MIN && start + size + lateness <= max_ts - ooo) continue;
      ref[{s.store, start}].Add(s);
      any = true;
    }
    if (!any) ++late;
    max_ts = std::max(max_ts, s.ts);
    ASSERT_TRUE(chain->Process(ToRecord(s, static_cast<int64_t>(i))).ok());
  }
  chain->Flush();
  ASSERT_GT(late, 5);
  CheckWindowTable(FinalTable(chain->TakeOutputs(), 0, {"store_id", "window_start"}), ref, size);
  EXPECT_EQ(chain->Stats()[0].as_object().at("late").as_int64(), late);
}

INSTANTIATE_TEST_SUITE_P(Lateness, WindowTest, ::testing::Values(0, 5000));

TEST(OperatorsTest, MaxByTiesGoToTheSmallestFieldsWhateverTheArrivalOrder) {
  const std::string yaml = R"Y(
name: ties
inputs: [pos_transactions]
operators:
  - window:
      type: tumbling
      size: 10s
      time: ts
      aggregates:
        top: {max_by: amount, fields: [customer_id, ts], ties: top_ties}
        low: {min_by: amount, fields: {low_customer: customer_id}, ties: low_ties}
outputs: [{table: t, key: [window_start]}]
)Y";
  // Equal maxima (500) and minima (7) arriving in both orders; a
  // non-comparable value (text) is ignored like max() ignores it.
  std::vector<Sale> sales = {{"s0", "c5", 500, 1'000}, {"s0", "c2", 500, 3'000}, {"s0", "c9", 7, 2'000},
                             {"s0", "c1", 7, 4'000},   {"s0", "c2", 500, 2'500}, {"s0", "c3", 9, 5'000}};
  for (bool reversed : {false, true}) {
    auto chain = Chain(yaml);
    ASSERT_TRUE(chain);
    std::vector<Sale> order = sales;
    if (reversed) std::reverse(order.begin(), order.end());
    for (size_t i = 0; i < order.size(); ++i) ASSERT_TRUE(chain->Process(ToRecord(order[i], static_cast<int64_t>(i))).ok());
    StreamRecord odd = ToRecord({"s0", "c0", 0, 6'000}, 99);
    odd.fields["amount"] = "lots";
    ASSERT_TRUE(chain->Process(odd).ok());
    chain->Flush();
    auto out = chain->TakeOutputs();
    ASSERT_EQ(out.size(), 1u);
    const json::object& row = out[0].record.fields;
    EXPECT_EQ(row.at("top").as_int64(), 500);
    EXPECT_EQ(row.at("customer_id").as_string(), "c2");
    EXPECT_EQ(row.at("ts").as_int64(), 2'500);
    EXPECT_EQ(row.at("low").as_int64(), 7);
    EXPECT_EQ(row.at("low_customer").as_string(), "c1");
    EXPECT_EQ(row.at("top_ties").as_int64(), 3);
    EXPECT_EQ(row.at("low_ties").as_int64(), 2);
  }
}

TEST(OperatorsTest, SessionWindowsMatchBatchSessionization) {
  // Disorder stays within out_of_orderness, so no event is late and the
  // final sessions must equal sessionizing the sorted input.
  const int64_t gap = 1'500;
  auto chain = Chain(R"Y(
name: sw
inputs: [pos_transactions]
operators:
  - window:
      type: session
      gap: 1500ms
      key: [customer_id]
      time: ts
      out_of_orderness: 3s
      aggregates:
        sales: count(*)
        revenue: sum(amount)
        top: {max_by: amount, fields: {top_ts: ts}, ties: top_ties}
outputs: [{table: sessions, key: [customer_id, window_start]}]
)Y");
  ASSERT_TRUE(chain);
  std::mt19937 rng(3);
  std::vector<Sale> sales;
  int64_t clock = 0;
  for (int i = 0; i < 3000; ++i) {
    clock += rng() % 120;
    sales.push_back({"s0", "c" + std::to_string(rng() % 8), static_cast<int64_t>(1 + rng() % 50),
                     clock - static_cast<int64_t>(rng() % 2'500)});
  }
  for (size_t i = 0; i < sales.size(); ++i) ASSERT_TRUE(chain->Process(ToRecord(sales[i], static_cast<int64_t>(i))).ok());
  chain->Flush();
  auto table = FinalTable(chain->TakeOutputs(), 0, {"customer_id", "window_start"});
  // Reference: per customer, sort times; a new session starts when the gap
  // to the previous event is >= gap.
  std::map<std::string, std::vector<const Sale*>> by;
  for (const auto& s : sales) by[s.customer].push_back(&s);
  size_t sessions = 0;
  for (auto& [c, v] : by) {
    std::stable_sort(v.begin(), v.end(), [](const Sale* a, const Sale* b) { return a->ts < b->ts; });
    size_t i = 0;
    while (i < v.size()) {
      size_t j = i;
      int64_t sum = v[i]->amount;
      while (j + 1 < v.size() && v[j + 1]->ts < v[j]->ts + gap) sum += v[++j]->amount;
      // max_by across merged sessions: largest amount, equal amounts the earliest ts.
      int64_t top = INT64_MIN, top_ts = 0, top_ties = 0;
      for (size_t x = i; x <= j; ++x) {
        if (v[x]->amount > top) top_ties = 1;
        else if (v[x]->amount == top) ++top_ties;
        if (v[x]->amount > top || (v[x]->amount == top && v[x]->ts < top_ts)) top = v[x]->amount, top_ts = v[x]->ts;
      }
      json::array key{json::value(c), json::value(v[i]->ts)};
      auto it = table.find(json::serialize(key));
      ASSERT_NE(it, table.end()) << json::serialize(key);
      EXPECT_EQ(it->second.at("window_end").as_int64(), v[j]->ts + gap);
      EXPECT_EQ(it->second.at("sales").as_int64(), static_cast<int64_t>(j - i + 1));
      EXPECT_EQ(it->second.at("revenue").as_int64(), sum);
      EXPECT_EQ(it->second.at("top").as_int64(), top);
      EXPECT_EQ(it->second.at("top_ts").as_int64(), top_ts);
      EXPECT_EQ(it->second.at("top_ties").as_int64(), top_ties);
      ++sessions;
      i = j + 1;
    }
  }
  EXPECT_EQ(table.size(), sessions);
  EXPECT_GT(sessions, 50u);
}

TEST(OperatorsTest, JoinWithLateProfilesMatchesReference) {
  const int64_t wait = 3'000, ooo = 500;
  auto chain = Chain(R"Y(
name: enrich
inputs: [pos_transactions]
operators:
  - join:
      table: crm_customer_profiles
      table_key: customer_id
      on: customer_id
      type: left
      wait: 3s
      time: ts
      out_of_orderness: 500ms
      fields: [segment, name]
      prefix: customer_
outputs: [{table: enriched, key: [sale_id]}]
)Y");
  ASSERT_TRUE(chain);
  // Interleave: sales, and profiles for 75% of customers; each profile shows
  // up at a random point (before or after that customer's first sales).
  auto sales = GenerateSales(2000, 21, 1'000, 0);
  std::mt19937 rng(99);
  std::map<std::string, size_t> profile_at;  // customer -> input position (before sale i)
  for (int c = 0; c < 40; ++c)
    if (rng() % 4 != 0) profile_at["c" + std::to_string(c)] = rng() % (sales.size() + 200);
  std::vector<int64_t> wm_after(sales.size());
  int64_t max_ts = INT64_MIN;
  for (size_t i = 0; i < sales.size(); ++i) {
    max_ts = std::max(max_ts, sales[i].ts);
    wm_after[i] = max_ts - ooo;
  }
  for (size_t i = 0; i < sales.size(); ++i) {
    for (const auto& [c, at] : profile_at) {
      if (at != i) continue;
      StreamRecord p;
      p.topic = "crm_customer_profiles";
      p.fields = {{"customer_id", c}, {"segment", "seg-" + c}, {"name", "Name " + c}};
      ASSERT_TRUE(chain->OnTableRecord("crm_customer_profiles", p).ok());
    }
    StreamRecord r = ToRecord(sales[i], static_cast<int64_t>(i));
    r.fields["sale_id"] = static_cast<int64_t>(i);
    ASSERT_TRUE(chain->Process(r).ok());
  }
  chain->Flush();
  auto table = FinalTable(chain->TakeOutputs(), 0, {"sale_id"});
  ASSERT_EQ(table.size(), sales.size());
  int enriched_late = 0, nulls = 0;
  for (size_t i = 0; i < sales.size(); ++i) {
    const Sale& s = sales[i];
    bool enriched = false;
    auto p = profile_at.find(s.customer);
    if (p != profile_at.end()) {
      if (p->second <= i) {
        enriched = true;
      } else if (p->second < sales.size()) {
        // Still waiting when the profile arrives: no sale in [i, arrival)
        // pushed the watermark past ts + wait.
        enriched = true;
        for (size_t k = i; k < p->second; ++k)
          if (wm_after[k] >= s.ts + wait) enriched = false;
        enriched_late += enriched;
      }
    }
    const json::object& row = table.at(json::serialize(json::array{json::value(static_cast<int64_t>(i))}));
    if (enriched) {
      EXPECT_EQ(row.at("customer_segment"), json::value("seg-" + s.customer)) << i;
      EXPECT_EQ(row.at("customer_name"), json::value("Name " + s.customer)) << i;
    } else {
      ++nulls;
      EXPECT_TRUE(row.at("customer_segment").is_null()) << i;
    }
  }
  EXPECT_GT(enriched_late, 5);
  EXPECT_GT(nulls, 5);
}

TEST(OperatorsTest, InnerJoinDropsUnmatched) {
  auto chain = Chain(R"Y(
name: inner
inputs: [t]
operators:
  - join: {table: profiles, on: customer_id, type: inner, fields: [segment]}
outputs: [{topic: o}]
)Y");
  ASSERT_TRUE(chain);
  StreamRecord p;
  p.key = "c1";
  p.fields = {{"segment", "gold"}};
  ASSERT_TRUE(chain->OnTableRecord("profiles", p).ok());
  StreamRecord a;
  a.fields = {{"customer_id", "c1"}};
  StreamRecord b;
  b.fields = {{"customer_id", "c2"}};
  ASSERT_TRUE(chain->Process(a).ok());
  ASSERT_TRUE(chain->Process(b).ok());
  auto out = chain->TakeOutputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].record.fields.at("segment"), json::value("gold"));
  // A tombstone removes the row.
  StreamRecord tomb;
  tomb.key = "c1";
  ASSERT_TRUE(chain->OnTableRecord("profiles", tomb).ok());
  ASSERT_TRUE(chain->Process(a).ok());
  EXPECT_TRUE(chain->TakeOutputs().empty());
}

// Operator state kept in memory, as RocksDB would keep it.
class MapWriter final : public StateWriter {
 public:
  void Put(std::string_view k, std::string_view v) override { m[std::string(k)] = std::string(v); }
  void Delete(std::string_view k) override { m.erase(std::string(k)); }
  std::map<std::string, std::string> m;
};

TEST(OperatorsTest, DedupKeepLastMatchesReference) {
  const int64_t size = 5'000, ooo = 1'000;
  auto chain = Chain(R"Y(
name: dd
inputs: [t]
operators:
  - dedup: {key: [customer_id], window: 5s, time: ts, out_of_orderness: 1s}
outputs: [{table: last_sale, key: [customer_id, ts]}]
)Y");
  ASSERT_TRUE(chain);
  auto sales = GenerateSales(3000, 17, 2'000, 0.02);
  std::map<std::pair<int64_t, std::string>, std::pair<int64_t, size_t>> ref;  // (window, customer) -> (ts, index)
  int64_t max_ts = INT64_MIN, late = 0;
  for (size_t i = 0; i < sales.size(); ++i) {
    const Sale& s = sales[i];
    int64_t end = FloorTo(s.ts, size) + size;
    if (max_ts != INT64_MIN && end <= max_ts - ooo) {
      ++late;
    } else {
      auto& slot = ref[{end, s.customer}];
      if (slot.second == 0 && slot.first == 0) slot = {s.ts, i + 1};
      else if (s.ts >= slot.first) slot = {s.ts, i + 1};
    }
    max_ts = std::max(max_ts, s.ts);
    StreamRecord r = ToRecord(s, static_cast<int64_t>(i));
    r.fields["i"] = static_cast<int64_t>(i + 1);
    ASSERT_TRUE(chain->Process(r).ok());
  }
  chain->Flush();
  auto out = chain->TakeOutputs();
  ASSERT_EQ(out.size(), ref.size());
  std::set<int64_t> got, want;
  for (const auto& e : out) got.insert(e.record.fields.at("i").as_int64());
  for (const auto& [k, v] : ref) want.insert(static_cast<int64_t>(v.second));
  EXPECT_EQ(got, want);
  EXPECT_GT(late, 5);
}

TEST(OperatorsTest, WindowedDedupStateRoundTripGivesTheSameResult) {
  const std::string yaml = R"Y(
name: dd_rt
inputs: [t]
operators:
  - dedup: {key: [customer_id], window: 5s, time: ts, out_of_orderness: 1s}
outputs: [{table: last_sale, key: [customer_id, ts]}]
)Y";
  auto sales = GenerateSales(3000, 29, 2'000, 0.02);
  auto feed = [&](OperatorChain& c, size_t from, size_t to, std::vector<int64_t>* emitted) {
    for (size_t i = from; i < to; ++i) {
      StreamRecord r = ToRecord(sales[i], static_cast<int64_t>(i));
      r.fields["i"] = static_cast<int64_t>(i);
      ASSERT_TRUE(c.Process(std::move(r)).ok());
    }
    for (auto& e : c.TakeOutputs()) emitted->push_back(e.record.fields.at("i").as_int64());
  };
  auto whole = Chain(yaml);
  std::vector<int64_t> want;
  feed(*whole, 0, sales.size(), &want);
  whole->Flush();
  for (auto& e : whole->TakeOutputs()) want.push_back(e.record.fields.at("i").as_int64());

  auto first = Chain(yaml);
  MapWriter w;
  std::vector<int64_t> got;
  feed(*first, 0, 1500, &got);
  first->SaveState(w);
  first.reset();
  auto second = Chain(yaml);
  ASSERT_TRUE(second->LoadState(StateEntries(w.m.begin(), w.m.end())).ok());
  feed(*second, 1500, sales.size(), &got);
  second->Flush();
  for (auto& e : second->TakeOutputs()) got.push_back(e.record.fields.at("i").as_int64());
  EXPECT_GT(want.size(), 100u);
  EXPECT_EQ(got, want);
}

TEST(OperatorsTest, DedupWithoutWindowEmitsEachNewerRecordAsAnUpdate) {
  const std::string yaml = R"Y(
name: latest
inputs: [t]
operators:
  - dedup: {key: [customer_id], time: ts}
outputs: [{table: last_sale, key: [customer_id]}]
)Y";
  auto sales = GenerateSales(3000, 23, 5'000, 0.05);  // out of order, some far behind
  // Reference: per customer the newest sale by event time (equal times: the
  // later arrival); a sale goes out when it is at least as new as the kept one.
  std::map<std::string, std::pair<int64_t, int64_t>> kept;  // customer -> (ts, i)
  std::vector<int64_t> want_emitted;
  for (size_t i = 0; i < sales.size(); ++i) {
    auto it = kept.find(sales[i].customer);
    if (it != kept.end() && sales[i].ts < it->second.first) continue;
    kept[sales[i].customer] = {sales[i].ts, static_cast<int64_t>(i)};
    want_emitted.push_back(static_cast<int64_t>(i));
  }
  auto feed = [&](OperatorChain& c, size_t from, size_t to, std::vector<int64_t>* emitted) {
    for (size_t i = from; i < to; ++i) {
      StreamRecord r = ToRecord(sales[i], static_cast<int64_t>(i));
      r.fields["i"] = static_cast<int64_t>(i);
      ASSERT_TRUE(c.Process(std::move(r)).ok());
    }
    for (auto& e : c.TakeOutputs()) emitted->push_back(e.record.fields.at("i").as_int64());
  };
  auto whole = Chain(yaml);
  ASSERT_TRUE(whole);
  std::vector<int64_t> emitted;
  feed(*whole, 0, sales.size(), &emitted);
  EXPECT_EQ(emitted, want_emitted);
  EXPECT_LT(want_emitted.size(), sales.size() - 100) << "the input must have superseded sales to drop";
  EXPECT_EQ(whole->Stats()[0].as_object().at("superseded").as_int64(),
            static_cast<int64_t>(sales.size() - want_emitted.size()));

  // Saved at 1500 and restored into a new chain: the same emissions.
  auto first = Chain(yaml);
  MapWriter w;
  std::vector<int64_t> split;
  feed(*first, 0, 1500, &split);
  first->SaveState(w);
  first.reset();
  auto second = Chain(yaml);
  ASSERT_TRUE(second->LoadState(StateEntries(w.m.begin(), w.m.end())).ok());
  feed(*second, 1500, sales.size(), &split);
  EXPECT_EQ(split, want_emitted);
}

TEST(OperatorsTest, AlertEmitsSideEventsAndPassesRecordsThrough) {
  auto chain = Chain(R"Y(
name: al
inputs: [t]
operators:
  - alert:
      when: "amount > 450 AND store_id = 's1'"
      bus: default
      detail_type: LargePurchase
      fields: {customer_id: customer_id, amount: amount}
outputs: [{topic: all}]
)Y");
  ASSERT_TRUE(chain);
  ASSERT_EQ(chain->targets().size(), 2u);
  EXPECT_EQ(chain->targets()[1].kind, OutputSpec::Kind::kBus);
  auto sales = GenerateSales(2000, 4, 0, 0);
  size_t expected = 0;
  for (size_t i = 0; i < sales.size(); ++i) {
    expected += sales[i].amount > 450 && sales[i].store == "s1";
    ASSERT_TRUE(chain->Process(ToRecord(sales[i], static_cast<int64_t>(i))).ok());
  }
  auto out = chain->TakeOutputs();
  size_t alerts = 0, passed = 0;
  for (const auto& e : out) {
    if (e.target == 1) {
      ++alerts;
      EXPECT_EQ(e.record.fields.size(), 3u);
      EXPECT_GT(e.record.fields.at("amount").as_int64(), 450);
      EXPECT_EQ(e.record.fields.at("alert"), json::value("LargePurchase"));
    } else {
      ++passed;
    }
  }
  EXPECT_EQ(alerts, expected);
  EXPECT_GT(alerts, 0u);
  EXPECT_EQ(passed, sales.size());
}

TEST(OperatorsTest, StateRoundTripGivesTheSameResult) {
  // Processing half, saving state into a map, rebuilding a chain from it and
  // processing the rest equals processing everything in one chain.
  const std::string yaml = std::string(R"Y(
name: rt
inputs: [pos_transactions]
operators:
  - join: {table: crm, table_key: customer_id, on: customer_id, wait: 2s, time: ts, fields: [segment]}
  - window:
      type: tumbling
      size: 10s
      key: [store_id, segment]
      time: ts
      out_of_orderness: 2s
      allowed_lateness: 3s
)Y") + kAggregates + R"Y(
outputs: [{table: w, key: [store_id, segment, window_start]}]
)Y";
  auto sales = GenerateSales(3000, 8, 3'000, 0.02);
  auto feed = [&](OperatorChain& c, size_t from, size_t to, std::vector<EmittedRecord>* out) {
    for (size_t i = from; i < to; ++i) {
      if (i % 50 == 0) {
        StreamRecord p;
        p.fields = {{"customer_id", "c" + std::to_string((i / 50) % 40)}, {"segment", "g" + std::to_string(i % 3)}};
        ASSERT_TRUE(c.OnTableRecord("crm", p).ok());
      }
      ASSERT_TRUE(c.Process(ToRecord(sales[i], static_cast<int64_t>(i))).ok());
    }
    for (auto& e : c.TakeOutputs()) out->push_back(std::move(e));
  };
  std::vector<EmittedRecord> whole, split;
  auto a = Chain(yaml);
  feed(*a, 0, sales.size(), &whole);
  a->Flush();
  for (auto& e : a->TakeOutputs()) whole.push_back(std::move(e));

  auto b = Chain(yaml);
  MapWriter w;
  feed(*b, 0, 1234, &split);
  b->SaveState(w);
  feed(*b, 1234, 1800, &split);  // more work, then "crash": b is dropped
  b->SaveState(w);
  b.reset();
  auto c = Chain(yaml);
  StateEntries entries(w.m.begin(), w.m.end());
  ASSERT_TRUE(c->LoadState(entries).ok());
  feed(*c, 1800, sales.size(), &split);
  c->Flush();
  for (auto& e : c->TakeOutputs()) split.push_back(std::move(e));
  std::vector<std::string> key = {"store_id", "segment", "window_start"};
  EXPECT_EQ(FinalTable(whole, 0, key), FinalTable(split, 0, key));
  EXPECT_GT(FinalTable(whole, 0, key).size(), 20u);
}

TEST(PipelineSpecTest, ErrorsNameTheField) {
  struct Case {
    const char* yaml;
    const char* expect;
  } cases[] = {
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m}}]", "aggregates"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {type: weekly, size: 1m, aggregates: {n: count()}}}]", "weekly"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{filter: \"a +\"}]", "expression"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{filter: {pattern: {a: [{numeric: [\"<<\", 1]}]}}}]", "pattern"},
      {"name: x\ninputs: [a]\noutputs: [{tabel: t}]", "tabel"},
      {"name: x\noutputs: [{table: t}]", "inputs"},
      {"name: x\ninputs: [a]", "outputs"},
      {"name: 'bad name'\ninputs: [a]\noutputs: [{table: t}]", "name"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{join: {table: p}}]", "join"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m, aggregates: {n: median(a)}}}]", "median"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{explode: {}}]", "unknown operator"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m, aggregates: {p: {max_by: price}}}}]",
       "aggregates.p.fields: required"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m, aggregates: {p: {max_by: price, min_by: price, fields: [a]}}}}]",
       "one of max_by or min_by"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m, aggregates: {p: {max_by: 'price +', fields: [a]}}}}]",
       "aggregates.p.max_by"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m, aggregates: {p: {top_by: price, fields: [a]}}}}]",
       "aggregates.p.top_by: unknown key"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{window: {size: 1m, aggregates: {p: {max_by: price, fields: [p]}}}}]",
       "aggregate's own column"},
      {"name: x\ninputs: [a]\noutputs: [{table: t}]\noperators: [{dedup: {key: [a], out_of_orderness: 1s}}]",
       "dedup.out_of_orderness: only with window"},
      {"[1, 2", "YAML"},
  };
  for (const auto& c : cases) {
    auto r = ParsePipeline(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
}

// Checkpoints write records with RecordToJsonText; it must be the same
// document as RecordToJson and read back to the same record.
TEST(StreamRecordState, TextFormMatchesObjectFormAndRoundTrips) {
  StreamRecord r;
  r.fields = json::parse(R"({"a":1,"s":"q\"uote\n","n":{"x":[1,2.5,null]}})").as_object();
  r.topic = "t\\1";
  r.partition = 3;
  r.offset = 42;
  r.timestamp_ms = -5;
  r.id = "id";
  r.type = "ty";
  r.source = "/src";
  r.seq = 7;
  for (bool keyed : {false, true}) {
    if (keyed) r.key = "k\u00e9";
    std::string text = RecordToJsonText(r);
    EXPECT_EQ(text, json::serialize(RecordToJson(r)));
    StreamRecord back = RecordFromJson(json::parse(text).as_object());
    EXPECT_EQ(back.fields, r.fields);
    EXPECT_EQ(back.topic, r.topic);
    EXPECT_EQ(back.key, r.key);
    EXPECT_EQ(back.offset, r.offset);
    EXPECT_EQ(back.timestamp_ms, r.timestamp_ms);
    EXPECT_EQ(back.seq, r.seq);
  }
}

}  // namespace
}  // namespace meshd::stream
