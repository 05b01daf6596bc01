#include "governance/audit_log.h"

#include <boost/json.hpp>
#include <ctime>
#include <deque>

#include "base/logging.h"
#include "governance/access_log_io.h"
#include "record/record_batch.h"

namespace meshd::governance {

namespace json = boost::json;

std::string FormatUtcMillis(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(storage::EventLog* log, const Clock* clock) {
  std::unique_ptr<AuditLog> a(new AuditLog(log, clock ? clock : &SystemClock::Instance()));
  if (log != nullptr) {
    MESHD_TRY(EnsureInternalTopic(*log, kAuditTopic,
                                  {{"cleanup.policy", "delete"},
                                   {"retention.ms", std::to_string(30LL * 24 * 3600 * 1000)}}));
  }
  return a;
}

json::value AuditLog::ToJson(const AuditEntry& e, int64_t now_ms) const {
  json::object o;
  o["time"] = FormatUtcMillis(now_ms);
  o["time_ms"] = now_ms;
  o["principal"] = e.principal;
  o["action"] = e.action;
  o["resource"] = e.resource;
  o["outcome"] = e.outcome;
  if (!e.detail.empty()) o["detail"] = e.detail;
  return o;
}

void AuditLog::Record(const AuditEntry& entry) {
  const int64_t now = clock_->NowMillis();
  json::value v = ToJson(entry, now);
  if (log_ == nullptr) {
    std::lock_guard lock(mu_);
    memory_.push_back(std::move(v));
    return;
  }
  record::RecordBatchBuilder builder;
  std::string value = json::serialize(v);
  builder.Add(now, entry.principal, value);
  log_->AppendAsync(kAuditTopic, 0, builder.Build(), [](Result<storage::AppendResult> r) {
    if (!r.ok())
      logging::Get("governance")->error("audit append failed: {}", r.error().message());
  });
}

void AuditLog::RecordAccess(const AuditEntry& entry) {
  const int64_t now = clock_->NowMillis();
  {
    std::lock_guard lock(mu_);
    auto key = std::make_tuple(entry.principal, entry.action, entry.resource, entry.outcome);
    auto it = last_access_.find(key);
    if (it != last_access_.end() && now - it->second < access_window_ms) return;
    last_access_[key] = now;
    // Bound the map: forget entries older than the window.
    if (last_access_.size() > 100'000) {
      for (auto i = last_access_.begin(); i != last_access_.end();) {
        i = now - i->second >= access_window_ms ? last_access_.erase(i) : std::next(i);
      }
    }
  }
  Record(entry);
}

Result<std::vector<json::value>> AuditLog::Read(const Query& q) const {
  auto matches = [&q](const json::value& v) {
    if (!v.is_object()) return false;
    const auto& o = v.get_object();
    auto field = [&o](const char* k) {
      const json::value* f = o.if_contains(k);
      return f && f->is_string() ? std::string_view(f->get_string()) : std::string_view();
    };
    if (!q.principal.empty() && field("principal") != q.principal) return false;
    if (!q.action.empty() && field("action") != q.action) return false;
    if (!q.resource.empty() && field("resource").find(q.resource) == std::string_view::npos)
      return false;
    return true;
  };
  std::deque<json::value> kept;
  auto keep = [&](json::value v) {
    if (!matches(v)) return;
    kept.push_back(std::move(v));
    if (kept.size() > q.limit) kept.pop_front();
  };
  if (log_ == nullptr) {
    std::lock_guard lock(mu_);
    for (const auto& v : memory_) keep(v);
  } else {
    MESHD_TRY(ScanRecords(*log_, kAuditTopic, 0, [&](const record::Record& r) {
      if (!r.value) return;
      boost::system::error_code ec;
      json::value v = json::parse(*r.value, ec);
      if (!ec) keep(std::move(v));
    }));
  }
  return std::vector<json::value>(kept.begin(), kept.end());
}

}  // namespace meshd::governance
