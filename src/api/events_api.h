#pragma once
// EventsApi: the /v1 HTTP API over an EventLog.
//
//   POST   /v1/topics                          create {"name","partitions","config":{}}
//   GET    /v1/topics                          {"topics":[names]} (?internal=true adds _*)
//   GET    /v1/topics/{t}                      {"name","partitions":[...],"config":{...}}
//   DELETE /v1/topics/{t}
//   PUT|PATCH /v1/topics/{t}/config            {"config":{k:v}} (or the bare map)
//   POST   /v1/topics/{t}/partitions           {"partitions":N} (grow)
//   POST   /v1/topics/{t}/events               publish (CloudEvents HTTP binding)
//   GET    /v1/topics/{t}/events               consume: ?group=G (long poll) or
//                                              ?partition=P&offset=O|timestamp=MS
//                                              (Accept: text/event-stream → SSE)
//   GET    /v1/topics/{t}/stream               SSE stream (same parameters)
//   POST   /v1/topics/{t}/commit?group=G       {"offsets":[{"partition","offset"}]}
//   GET    /v1/topics/{t}/groups/{g}           members, assignment, committed, lag
//   DELETE /v1/topics/{t}/groups/{g}/members/{m}   leave (rebalance now)
//   GET    /metrics, GET /healthz
//
// Publish is all-or-nothing for validation: every event of a request is
// parsed, validated and size-checked before anything is appended. Appends to
// several partitions are not atomic across partitions: a storage failure
// after validation answers 5xx and some partitions may hold their events.
//
// Schema enforcement: with a registry set (set_schema_registry) and a topic
// config `schema.validation` of warn|strict, every event's `data` is
// validated against the subject's latest schema (or the one named by
// `dataschema`) before anything is appended; in strict mode one failure
// rejects the whole request with 422 SCHEMA_VALIDATION_FAILED.
//
// Thread-safety: handlers run concurrently on the server's thread pool; the
// shared state (groups, idempotence window) has its own locks.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/api_options.h"
#include "api/idempotence_window.h"
#include "api/partitioner.h"
#include "api/read_filter.h"
#include "base/clock.h"
#include "cloudevents/cloud_event.h"
#include "http/router.h"
#include "storage/event_log.h"

namespace meshd::schema {
class SchemaRegistry;
}
namespace meshd::governance {
class ContractEnforcer;
}

namespace meshd::api {

class ConsumerGroups;

class EventsApi {
 public:
  EventsApi(storage::EventLog& log, ApiOptions options, const Clock* clock = nullptr);
  ~EventsApi();

  // Rebuilds the idempotence window from recent records of every topic.
  // Call once before serving.
  Status Start();
  // Mounts every route on `router` (also /metrics and /healthz).
  void Mount(http::Router& router);
  // Server hook: a TCP connection closed (members derived from it leave).
  void OnConnectionClosed(uint64_t connection_id);
  // Server shutdown: long polls answer now, streams end.
  void Shutdown();

  // The registry publish validates against (schema.validation); null = no
  // validation. Set before serving; must outlive the API.
  void set_schema_registry(schema::SchemaRegistry* registry) { registry_ = registry; }
  // Data-product contracts checked per event on publish (validity rules;
  // on_violation quarantine diverts failing events to <topic>.quarantine and
  // answers them with "quarantined": true). Null = none. Set before serving.
  void set_contract_enforcer(governance::ContractEnforcer* enforcer) { contracts_ = enforcer; }
  // Per-reader value rewriting on the consume routes (access control's PII
  // masking); empty = values as stored. Set before serving.
  void set_read_filter(ReadFilter filter);

  const ApiOptions& options() const { return options_; }
  storage::EventLog& log() { return log_; }

 private:
  boost::asio::awaitable<http::Reply> CreateTopic(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> ListTopics(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> DescribeTopic(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> DeleteTopic(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> AlterConfig(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> AddPartitions(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> Publish(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> Metrics(http::RequestContext& ctx);
  boost::asio::awaitable<http::Reply> Health(http::RequestContext& ctx);

  // Topic partition count; auto-creates when configured. Errors carry the
  // symbol to report (TOPIC_NOT_FOUND).
  Result<int32_t> PartitionsOf(const std::string& topic, bool allow_create, std::string* symbol);
  void RegisterLagGauge();
  // Validates every event's data per the topic's schema policy. The error
  // names the event (index and id) and what failed.
  Status CheckSchemas(const std::string& topic, const std::vector<cloudevents::CloudEvent>& events);

  storage::EventLog& log_;
  ApiOptions options_;
  const Clock* clock_;
  Partitioner partitioner_;
  IdempotenceWindow window_;
  std::unique_ptr<ConsumerGroups> groups_;
  schema::SchemaRegistry* registry_ = nullptr;
  governance::ContractEnforcer* contracts_ = nullptr;
};

}  // namespace meshd::api
