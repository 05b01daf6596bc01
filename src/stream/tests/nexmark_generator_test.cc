#include "stream/nexmark_generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace meshd::stream {
namespace {

namespace json = boost::json;

std::set<std::string> Keys(const json::object& o) {
  std::set<std::string> k;
  for (const auto& kv : o) k.insert(std::string(kv.key()));
  return k;
}

TEST(NexmarkGenerator, StandardProportionsAndFieldSets) {
  NexmarkGenerator gen;
  std::map<int64_t, int64_t> counts;
  const std::set<std::string> person = {"event_type", "id",    "name",     "emailAddress", "creditCard",
                                        "city",       "state", "dateTime", "extra"};
  const std::set<std::string> auction = {"event_type", "id",      "itemName", "description", "initialBid", "reserve",
                                         "dateTime",   "expires", "seller",   "category",    "extra"};
  const std::set<std::string> bid = {"event_type", "auction", "bidder", "price", "channel", "url", "dateTime", "extra"};
  size_t bytes[3] = {0, 0, 0};
  for (int i = 0; i < 50'000; ++i) {
    json::object o = gen.NextObject();
    int64_t type = o.at("event_type").as_int64();
    EXPECT_EQ(type, NexmarkGenerator::TypeOf(i));
    ++counts[type];
    bytes[type] += json::serialize(o).size();
    const auto& want = type == 0 ? person : type == 1 ? auction : bid;
    ASSERT_EQ(Keys(o), want) << "event " << i;
  }
  EXPECT_EQ(counts[0], 1'000);
  EXPECT_EQ(counts[1], 3'000);
  EXPECT_EQ(counts[2], 46'000);
  // Mean sizes near the model's (~200 / 500 / 100 bytes; bids carry a URL).
  EXPECT_NEAR(bytes[0] / 1'000.0, 200, 30);
  EXPECT_NEAR(bytes[1] / 3'000.0, 500, 30);
  EXPECT_NEAR(bytes[2] / 46'000.0, 150, 50);
}

TEST(NexmarkGenerator, BidsReferenceLiveAuctionsAndKnownPersons) {
  NexmarkConfig cfg;
  cfg.events_per_second = 50;  // slow event time: lifetimes matter
  cfg.auction_min_life_ms = 1;
  cfg.auction_max_life_ms = 2;
  NexmarkGenerator gen(cfg);
  std::map<int64_t, std::pair<int64_t, int64_t>> auctions;  // id -> (created, expires)
  std::set<int64_t> persons;
  std::set<int64_t> bid_auctions;
  int64_t last_ts = 0;
  for (int i = 0; i < 100'000; ++i) {
    json::object o = gen.NextObject();
    int64_t ts = o.at("dateTime").as_int64();
    ASSERT_GE(ts, last_ts);
    last_ts = ts;
    switch (o.at("event_type").as_int64()) {
      case 0: persons.insert(o.at("id").as_int64()); break;
      case 1:
        ASSERT_TRUE(persons.count(o.at("seller").as_int64()));
        ASSERT_GT(o.at("expires").as_int64(), ts);
        auctions[o.at("id").as_int64()] = {ts, o.at("expires").as_int64()};
        break;
      case 2: {
        auto it = auctions.find(o.at("auction").as_int64());
        ASSERT_NE(it, auctions.end()) << "bid " << i << " references an auction not created yet";
        ASSERT_LE(it->second.first, ts);
        ASSERT_LT(ts, it->second.second) << "bid " << i << " on an expired auction";
        ASSERT_TRUE(persons.count(o.at("bidder").as_int64()));
        ASSERT_GT(o.at("price").as_int64(), 0);
        bid_auctions.insert(it->first);
        break;
      }
    }
  }
  // Bids spread over many auctions, not only the hot one.
  EXPECT_GT(bid_auctions.size(), auctions.size() / 2);
}

TEST(NexmarkGenerator, SameSeedSameEventsDifferentSeedDifferent) {
  NexmarkGenerator a, b;
  NexmarkConfig other;
  other.seed = 7;
  NexmarkGenerator c(other);
  bool differs = false;
  for (int i = 0; i < 2'000; ++i) {
    json::object x = a.NextObject();
    EXPECT_EQ(x, b.NextObject());
    differs |= x != c.NextObject();
  }
  EXPECT_TRUE(differs);
}

TEST(NexmarkGenerator, RecordsCarryEventTimeAndKey) {
  NexmarkGenerator gen;
  for (int i = 0; i < 100; ++i) {
    StreamRecord r = gen.NextRecord();
    EXPECT_EQ(r.timestamp_ms, r.fields.at("dateTime").as_int64());
    ASSERT_TRUE(r.key.has_value());
  }
  EXPECT_EQ(gen.events_generated(), 100);
}

}  // namespace
}  // namespace meshd::stream
