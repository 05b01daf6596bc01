#pragma once
// AuditLog: who created, changed, granted, released or read what. Each entry
// is one JSON record appended to the internal topic `_audit`:
//   {"time":"2026-11-27T13:01:02.345Z","time_ms":..., "principal":"crm-svc",
//    "action":"consume","resource":"topic:pos_transactions",
//    "outcome":"denied","detail":"..."}
// Data reads and writes (consume/produce on any path) are recorded once per
// (principal, action, resource, outcome) per minute, not per fetch, so a busy
// consumer does not flood the log; administrative actions are recorded
// every time.
//
// Thread-safety: thread-safe. Appends are asynchronous (never block an I/O
// thread on fsync); Read scans the topic.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <boost/json/value.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "storage/event_log.h"

namespace meshd::governance {

inline constexpr const char* kAuditTopic = "_audit";

struct AuditEntry {
  std::string principal;  // "" = anonymous
  std::string action;     // create, delete, grant, release, consume, produce, ...
  std::string resource;   // "topic:pos_transactions", "principal:crm-svc", "route:POST /v1/products"
  std::string outcome;    // ok | denied | error
  std::string detail;     // optional free text
};

class AuditLog {
 public:
  // Creates `_audit` if needed (delete policy, 30 days). `log` may be null
  // (entries are then kept in memory only; unit tests).
  static Result<std::unique_ptr<AuditLog>> Open(storage::EventLog* log, const Clock* clock = nullptr);

  void Record(const AuditEntry& entry);
  // Throttled variant for data access: at most one entry per
  // (principal, action, resource, outcome) per `window_ms`.
  void RecordAccess(const AuditEntry& entry);

  struct Query {
    std::string principal;  // "" = all
    std::string action;     // "" = all
    std::string resource;   // "" = all; substring match
    size_t limit = 1000;    // newest entries kept
  };
  Result<std::vector<boost::json::value>> Read(const Query& q) const;

  int64_t access_window_ms = 60'000;

 private:
  AuditLog(storage::EventLog* log, const Clock* clock) : log_(log), clock_(clock) {}
  boost::json::value ToJson(const AuditEntry& e, int64_t now_ms) const;

  storage::EventLog* log_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int64_t> last_access_;
  std::vector<boost::json::value> memory_;  // only without a log
};

// RFC 3339 UTC with milliseconds.
std::string FormatUtcMillis(int64_t ms);

}  // namespace meshd::governance
