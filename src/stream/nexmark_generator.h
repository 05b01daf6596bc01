#pragma once
// NexmarkGenerator: a deterministic generator of the Nexmark auction model
// (Person, Auction, Bid) for benchmarks and tests of the pipeline engine.
// Written from the model's published facts (see the brief, section 2.1):
//
//   - every block of 50 events holds 1 Person, 3 Auctions and 46 Bids (the
//     standard 1 : 3 : 46 proportions), in that order within the block;
//   - the standard field sets:
//       Person (id, name, emailAddress, creditCard, city, state, dateTime, extra)
//       Auction(id, itemName, description, initialBid, reserve, dateTime,
//               expires, seller, category, extra)
//       Bid    (auction, bidder, price, channel, url, dateTime, extra)
//     `extra` pads each kind towards the model's mean sizes (≈ 200, 500 and
//     100 bytes of JSON);
//   - bids reference live auctions only: an auction among the most recent
//     `in_flight_auctions` created, never expired at the bid's time; a bid
//     goes to a "hot" auction (the newest) with probability 1/2 by default,
//     and bidders and sellers are drawn likewise from recent persons;
//   - a fixed seed reproduces the same sequence.
//
// Each event becomes the JSON payload object the pipeline engine consumes
// (the CloudEvent `data`), flat, with `event_type` (0 person, 1 auction,
// 2 bid, as nexmark-flink numbers them) and the event time `dateTime` in
// epoch milliseconds. Event time advances by 1/events_per_second per event,
// so windows of a few seconds fire regularly over a bounded run.

#include <boost/json.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "stream/stream_record.h"

namespace meshd::stream {

struct NexmarkConfig {
  uint64_t seed = 20261127;
  int64_t first_event_ms = 1'700'000'000'000;  // event time of event 0
  double events_per_second = 10'000;           // event-time rate
  int64_t in_flight_auctions = 100;            // bids pick among the newest auctions
  int64_t active_people = 1'000;               // bidders/sellers among the newest persons
  int64_t hot_auction_ratio = 2;               // 1 in N bids goes to the newest auction
  int64_t hot_bidder_ratio = 4;                // 1 in N bids comes from the newest person
  int64_t auction_min_life_ms = 20'000;        // auction lifetime range (expires - dateTime);
  int64_t auction_max_life_ms = 60'000;        // must outlive the in-flight span at this rate
};

class NexmarkGenerator {
 public:
  enum EventType : int { kPerson = 0, kAuction = 1, kBid = 2 };
  static constexpr int64_t kFirstPersonId = 1000;
  static constexpr int64_t kFirstAuctionId = 1000;
  static constexpr int64_t kFirstCategoryId = 10;
  static constexpr int64_t kNumCategories = 5;

  explicit NexmarkGenerator(NexmarkConfig config = {});

  // Type of the n-th event (0-based) under the 1:3:46 block layout.
  static EventType TypeOf(int64_t event_number);

  // The next event's payload.
  boost::json::object NextObject();
  // The next event as a StreamRecord (timestamp = dateTime, key = the id of
  // the person/auction or the bid's auction as text).
  StreamRecord NextRecord();

  int64_t events_generated() const { return next_event_; }
  // Event time of the n-th event.
  int64_t EventTimeOf(int64_t event_number) const;

 private:
  boost::json::object Person(int64_t ts);
  boost::json::object Auction(int64_t ts);
  boost::json::object Bid(int64_t ts);
  int64_t Uniform(int64_t lo, int64_t hi);  // inclusive
  std::string Letters(size_t n);
  void Pad(boost::json::object& o, size_t target_bytes);
  // Newest person id at event `n` (persons created so far, at least one).
  int64_t LastPersonId() const;
  int64_t LastAuctionId() const;

  NexmarkConfig config_;
  std::mt19937_64 rng_;
  int64_t next_event_ = 0;
  int64_t persons_ = 0;   // persons generated so far
  int64_t auctions_ = 0;  // auctions generated so far
  std::vector<int64_t> auction_expires_;  // ring of the newest in_flight_auctions expiries
};

}  // namespace meshd::stream
