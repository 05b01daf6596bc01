#pragma once
// ConsumerGroups: HTTP consumption — consumer groups with server-side
// partition assignment, long polls, commits, explicit (group-less) reads and
// Server-Sent Events streams.
//
// Model. A group consumes one topic per (group, topic) pair. Members are
// identified by ?member_id= / the Meshd-Member-Id header (client-chosen,
// e.g. one per worker), or else by the TCP connection ("conn-<n>", so a
// keep-alive client needs nothing). Every poll reports the member id in the
// Meshd-Member-Id response header and the "member_id" field. Partitions are
// range-assigned among live members (GroupMembership) and rebalance on join,
// leave (DELETE .../members/{m}, or connection close for derived ids) and
// session timeout (?session_timeout_ms=, default 30 s).
//
// The group keeps a delivery position per partition, starting at the
// committed offset (or ?reset=earliest|latest when none; default earliest).
// A poll returns events from the member's partitions and advances their
// positions, so members never receive each other's events. Committed offsets
// (POST .../commit, or ?auto_commit=true which commits what the previous poll
// of the member returned when its next poll arrives, or when it leaves) go to
// EventLog::CommitOffsets, the namespace shared with Kafka groups. When a
// member's session times out, its partitions rewind to the committed offsets
// (at-least-once delivery); a member that leaves (DELETE or, for derived
// ids, connection close) has its pending auto-commit committed and its
// positions kept. After a restart every group resumes from its committed
// offsets, so only the uncommitted tail is delivered again.
//
// Thread-safety: per-group state has its own mutex, never held across an
// await; storage reads happen under it (they are short preads).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/api_options.h"
#include "api/group_membership.h"
#include "api/read_filter.h"
#include "base/clock.h"
#include "http/async_wait.h"
#include "http/router.h"
#include "storage/event_log.h"

namespace meshd::api {

class ConsumerGroups {
 public:
  ConsumerGroups(storage::EventLog& log, const ApiOptions& options, const Clock* clock);
  ~ConsumerGroups();

  void Mount(http::Router& router);
  void OnConnectionClosed(uint64_t connection_id);
  void ForgetTopic(const std::string& topic);
  // Server shutdown: wakes every long poll and stream; polls answer with
  // what they have and streams end.
  void Shutdown() { waiters_.WakeAllAndStop(); }
  // Access control's per-reader value rewriting (PII masking); set before serving.
  void set_read_filter(ReadFilter filter) { read_filter_ = std::move(filter); }

 private:
  struct Group;
  struct PollRequest;
  struct PollResult {
    boost::json::array events;
    std::string member_id;
    std::vector<int32_t> assignment;
    int64_t generation = 0;
  };

  boost::asio::awaitable<http::Reply> Consume(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> Stream(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> Commit(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> DescribeGroup(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> LeaveGroup(http::RequestContext& ctx);

  Result<PollRequest> ParsePoll(const http::RequestContext& ctx, std::string* symbol) const;
  // One non-blocking poll; fills `out`. Errors carry a symbol.
  Status PollOnce(PollRequest& req, PollResult* out, std::string* symbol);
  Status ReadGroup(PollRequest& req, PollResult* out, std::string* symbol);
  Status ReadExplicit(PollRequest& req, PollResult* out, std::string* symbol);
  // Reads from one partition at `offset`, appending at most `max` events;
  // returns the next offset to read.
  Result<int64_t> ReadPartition(const std::string& topic, int32_t partition, int64_t offset,
                                int32_t max, boost::json::array* events,
                                const ValueRewriter& rewrite = {});

  std::shared_ptr<Group> GetGroup(const std::string& group, const std::string& topic,
                                  bool create);
  // With g->mu held: removes members. A leave (DELETE, connection close)
  // commits their pending auto-commits and keeps the positions (a client
  // that polls over short-lived connections commits right after its poll);
  // a session timeout (`expired`) commits nothing and rewinds their
  // partitions to the committed offsets, since the member presumably died.
  void RemoveMembersLocked(Group& g, const std::vector<std::string>& ids, bool expired);
  Status CommitLocked(Group& g, const std::map<int32_t, int64_t>& offsets);
  void RecordOut(const std::string& topic, size_t events, size_t bytes);

  storage::EventLog& log_;
  const ApiOptions& options_;
  const Clock* clock_;
  http::WaiterRegistry waiters_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Group>> groups_;
  // connection id → (group, topic, member) derived from it
  std::multimap<uint64_t, std::tuple<std::string, std::string, std::string>> conn_members_;
  ReadFilter read_filter_;
};

}  // namespace meshd::api
