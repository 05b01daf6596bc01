#include "api/events_api.h"
#include "cloudevents/json_text.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "api/consumer_groups.h"
#include "api/json_util.h"
#include "base/logging.h"
#include "cloudevents/http_binding.h"
#include "cloudevents/kafka_binding.h"
#include "http/async_wait.h"
#include "http/error_mapping.h"
#include "metrics/metrics.h"
#include "record/record_batch.h"
#include "schema/schema_registry.h"
#include "governance/contract_enforcer.h"

namespace meshd::api {

namespace asio = boost::asio;
namespace json = boost::json;
using http::bhttp::status;
using http::Reply;
using http::RequestContext;

namespace {

Reply Error(const RequestContext& ctx, const Status& s, std::string_view symbol = {}) {
  return Reply(http::ErrorResponse(s, symbol, ctx.request.version(), ctx.request.keep_alive()));
}

Reply Json(const RequestContext& ctx, status st, const json::value& v) {
  return Reply(
      http::JsonResponse(st, cloudevents::SerializeJson(v), ctx.request.version(), ctx.request.keep_alive()));
}

// Symbol for a topic-admin failure.
std::string_view TopicSymbol(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return "TOPIC_NOT_FOUND";
    case StatusCode::kAlreadyExists: return "TOPIC_ALREADY_EXISTS";
    default: return {};
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

EventsApi::EventsApi(storage::EventLog& log, ApiOptions options, const Clock* clock)
    : log_(log),
      options_(options),
      clock_(clock ? clock : &SystemClock::Instance()),
      window_(options.dedup_window_ms, static_cast<size_t>(std::max<int64_t>(0, options.dedup_max_entries)),
              clock_),
      groups_(std::make_unique<ConsumerGroups>(log, options_, clock_)) {}

EventsApi::~EventsApi() = default;

Status EventsApi::Start() {
  auto logger = logging::Get("api");
  if (options_.dedup_window_ms <= 0 || options_.dedup_max_entries <= 0) return Status::Ok();
  const int64_t since = clock_->NowMillis() - options_.dedup_window_ms;
  size_t rebuilt = 0;
  for (const std::string& topic : log_.ListTopics()) {
    if (!topic.empty() && topic[0] == '_') continue;
    auto desc = log_.DescribeTopic(topic);
    if (!desc.ok()) continue;
    for (const auto& p : desc->partitions) {
      auto start = log_.OffsetForTimestamp(topic, p.partition, since);
      if (!start.ok()) continue;
      int64_t offset = std::max({*start, p.start_offset, p.end_offset - options_.dedup_max_entries});
      while (offset < p.end_offset) {
        auto fetched = log_.Fetch(topic, p.partition, offset, 4 << 20);
        if (!fetched.ok()) break;
        std::string bytes;
        if (!fetched->ReadInto(&bytes).ok()) break;
        auto batches = record::SplitBatches(bytes, /*allow_partial_tail=*/true);
        if (!batches.ok() || batches->empty()) break;
        int64_t next = offset;
        for (std::string_view b : *batches) {
          auto header = record::ParseHeader(b);
          if (!header.ok()) break;
          next = std::max(next, header->last_offset() + 1);
          if (header->control()) continue;
          auto records = record::DecodeRecords(b);
          if (!records.ok()) continue;
          for (const auto& r : *records) {
            if (r.offset < offset) continue;
            std::string source, id;
            if (cloudevents::ExtractSourceAndId(r, &source, &id) && r.timestamp >= since) {
              window_.Insert(topic, source, id, {p.partition, r.offset}, r.timestamp);
              ++rebuilt;
            }
          }
        }
        if (next <= offset) break;
        offset = next;
      }
    }
  }
  logger->info("idempotence window rebuilt entries={} window_ms={}", rebuilt,
               options_.dedup_window_ms);
  return Status::Ok();
}

void EventsApi::Mount(http::Router& router) {
  using http::Method;
  auto bind = [this](asio::awaitable<Reply> (EventsApi::*fn)(RequestContext&)) {
    return [this, fn](RequestContext& ctx) { return (this->*fn)(ctx); };
  };
  router.Add(Method::post, "/v1/topics", bind(&EventsApi::CreateTopic));
  router.Add(Method::get, "/v1/topics", bind(&EventsApi::ListTopics));
  router.Add(Method::get, "/v1/topics/{topic}", bind(&EventsApi::DescribeTopic));
  router.Add(Method::delete_, "/v1/topics/{topic}", bind(&EventsApi::DeleteTopic));
  router.Add(Method::put, "/v1/topics/{topic}/config", bind(&EventsApi::AlterConfig));
  router.Add(Method::patch, "/v1/topics/{topic}/config", bind(&EventsApi::AlterConfig));
  router.Add(Method::post, "/v1/topics/{topic}/partitions", bind(&EventsApi::AddPartitions));
  router.Add(Method::post, "/v1/topics/{topic}/events", bind(&EventsApi::Publish));
  router.Add(Method::get, "/metrics", bind(&EventsApi::Metrics));
  router.Add(Method::get, "/healthz", bind(&EventsApi::Health));
  groups_->Mount(router);
  RegisterLagGauge();
}

void EventsApi::OnConnectionClosed(uint64_t connection_id) {
  groups_->OnConnectionClosed(connection_id);
}

void EventsApi::Shutdown() { groups_->Shutdown(); }

void EventsApi::set_read_filter(ReadFilter filter) { groups_->set_read_filter(std::move(filter)); }

// ---- topics

asio::awaitable<Reply> EventsApi::CreateTopic(RequestContext& ctx) {
  auto body = ParseObject(ctx.request.body(), "create topic");
  if (!body.ok()) co_return Error(ctx, body.error(), "MALFORMED_JSON");
  const json::value* name = body->if_contains("name");
  if (!name || !name->is_string() || name->as_string().empty()) {
    co_return Error(ctx, Status::InvalidArgument("create topic: field 'name' (string) is required"),
                    "INVALID_ARGUMENT");
  }
  int64_t partitions = 1;
  if (const json::value* p = body->if_contains("partitions")) {
    if (!p->is_number() || !p->to_number<int64_t>() || p->to_number<int64_t>() < 1 ||
        p->to_number<int64_t>() > 100000) {
      co_return Error(ctx,
                      Status::InvalidArgument(
                          "create topic: field 'partitions' must be an integer in [1, 100000]"),
                      "INVALID_ARGUMENT");
    }
    partitions = p->to_number<int64_t>();
  }
  std::map<std::string, std::string> config_map;
  if (const json::value* c = body->if_contains("config")) {
    auto m = ConfigMapFromJson(*c);
    if (!m.ok()) co_return Error(ctx, m.error(), "INVALID_CONFIG");
    config_map = std::move(*m);
  }
  auto config = storage::TopicConfig::FromMap(config_map);
  if (!config.ok()) co_return Error(ctx, config.error(), "INVALID_CONFIG");
  std::string topic(name->as_string());
  auto created = log_.CreateTopic(topic, static_cast<int32_t>(partitions), *config);
  if (!created.ok()) {
    std::string_view sym = TopicSymbol(created.error());
    if (created.error().code() == StatusCode::kInvalidArgument) sym = "INVALID_TOPIC";
    co_return Error(ctx, created.error(), sym);
  }
  logging::Get("api")->info("topic created topic={} partitions={}", topic, partitions);
  co_return Json(ctx, status::created, TopicToJson(*created));
}

asio::awaitable<Reply> EventsApi::ListTopics(RequestContext& ctx) {
  bool internal = ctx.Query("internal") && ParseBool(*ctx.Query("internal"));
  json::array names;
  std::vector<std::string> topics = log_.ListTopics();
  std::sort(topics.begin(), topics.end());
  for (const auto& t : topics) {
    if (!internal && !t.empty() && t[0] == '_') continue;
    names.push_back(json::string(t));
  }
  json::object o;
  o["topics"] = std::move(names);
  co_return Json(ctx, status::ok, o);
}

asio::awaitable<Reply> EventsApi::DescribeTopic(RequestContext& ctx) {
  auto d = log_.DescribeTopic(ctx.PathParam("topic"));
  if (!d.ok()) co_return Error(ctx, d.error(), TopicSymbol(d.error()));
  co_return Json(ctx, status::ok, TopicToJson(*d));
}

asio::awaitable<Reply> EventsApi::DeleteTopic(RequestContext& ctx) {
  const std::string& topic = ctx.PathParam("topic");
  Status s = log_.DeleteTopic(topic);
  if (!s.ok()) co_return Error(ctx, s, TopicSymbol(s));
  window_.ForgetTopic(topic);
  groups_->ForgetTopic(topic);
  logging::Get("api")->info("topic deleted topic={}", topic);
  json::object o;
  o["name"] = topic;
  o["deleted"] = true;
  co_return Json(ctx, status::ok, o);
}

asio::awaitable<Reply> EventsApi::AlterConfig(RequestContext& ctx) {
  const std::string& topic = ctx.PathParam("topic");
  auto body = ParseObject(ctx.request.body(), "alter config");
  if (!body.ok()) co_return Error(ctx, body.error(), "MALFORMED_JSON");
  const json::value* c = body->if_contains("config");
  auto m = ConfigMapFromJson(c ? *c : json::value(*body));
  if (!m.ok()) co_return Error(ctx, m.error(), "INVALID_CONFIG");
  Status s = log_.AlterTopicConfig(topic, *m);
  if (!s.ok()) {
    std::string_view sym = TopicSymbol(s);
    if (s.code() == StatusCode::kInvalidArgument) sym = "INVALID_CONFIG";
    co_return Error(ctx, s, sym);
  }
  auto d = log_.DescribeTopic(topic);
  if (!d.ok()) co_return Error(ctx, d.error(), TopicSymbol(d.error()));
  co_return Json(ctx, status::ok, TopicToJson(*d));
}

asio::awaitable<Reply> EventsApi::AddPartitions(RequestContext& ctx) {
  const std::string& topic = ctx.PathParam("topic");
  auto body = ParseObject(ctx.request.body(), "add partitions");
  if (!body.ok()) co_return Error(ctx, body.error(), "MALFORMED_JSON");
  const json::value* p = body->if_contains("partitions");
  if (!p || !p->is_int64() || p->as_int64() < 1) {
    co_return Error(ctx,
                    Status::InvalidArgument("add partitions: field 'partitions' (new total) must be "
                                            "a positive integer"),
                    "INVALID_ARGUMENT");
  }
  Status s = log_.CreatePartitions(topic, static_cast<int32_t>(p->as_int64()));
  if (!s.ok()) co_return Error(ctx, s, TopicSymbol(s));
  auto d = log_.DescribeTopic(topic);
  if (!d.ok()) co_return Error(ctx, d.error(), TopicSymbol(d.error()));
  co_return Json(ctx, status::ok, TopicToJson(*d));
}

Result<int32_t> EventsApi::PartitionsOf(const std::string& topic, bool allow_create,
                                        std::string* symbol) {
  auto d = log_.DescribeTopic(topic);
  if (d.ok()) return static_cast<int32_t>(d->partitions.size());
  if (d.error().code() != StatusCode::kNotFound) return d.error();
  if (!allow_create || !options_.auto_create_topics) {
    *symbol = "TOPIC_NOT_FOUND";
    return Status::NotFound("topic '" + topic + "' does not exist");
  }
  auto created = log_.CreateTopic(topic, std::max(1, options_.auto_create_partitions),
                                  storage::TopicConfig());
  if (created.ok()) {
    logging::Get("api")->info("topic auto-created topic={} partitions={}", topic,
                              created->partitions.size());
    return static_cast<int32_t>(created->partitions.size());
  }
  if (created.error().code() == StatusCode::kAlreadyExists) {
    auto again = log_.DescribeTopic(topic);
    if (again.ok()) return static_cast<int32_t>(again->partitions.size());
    return again.error();
  }
  if (created.error().code() == StatusCode::kInvalidArgument) *symbol = "INVALID_TOPIC";
  return created.error();
}

// ---- publish

Status EventsApi::CheckSchemas(const std::string& topic,
                               const std::vector<cloudevents::CloudEvent>& events) {
  if (registry_ == nullptr) return Status::Ok();
  auto d = log_.DescribeTopic(topic);
  if (!d.ok()) return Status::Ok();  // just created or deleted: the append reports it
  const schema::TopicSchemaPolicy policy = schema::TopicSchemaPolicy::FromConfig(d->config);
  if (policy.mode == schema::ValidationMode::kNone) return Status::Ok();
  for (size_t i = 0; i < events.size(); ++i) {
    const cloudevents::CloudEvent& e = events[i];
    const std::string where = "event[" + std::to_string(i) + "] (id '" + e.id + "')";
    // Data that is not JSON cannot match a JSON-modelled schema: a failure
    // that the registry counts and (in warn mode) accepts like any other.
    json::value data;
    Status parsed = Status::Ok();
    if (e.data) {
      boost::system::error_code ec;
      data = json::parse(*e.data, ec);
      if (ec) {
        parsed = Status::InvalidArgument("data of an event for topic '" + topic +
                                         "' is not JSON: " + ec.message());
      }
    }
    Status s = parsed.ok() ? registry_->ValidateForTopic(topic, policy, e.dataschema.value_or(""), data)
                           : parsed;
    if (!parsed.ok() && policy.mode == schema::ValidationMode::kWarn) {
      logging::Get("api")->warn("schema validation failed (warn mode, accepted): {}: {}", where,
                                parsed.message());
      s = Status::Ok();
    }
    if (!s.ok()) return Status(s.code(), where + ": " + s.message());
  }
  return Status::Ok();
}

asio::awaitable<Reply> EventsApi::Publish(RequestContext& ctx) {
  const std::string& topic = ctx.PathParam("topic");
  auto& reg = metrics::Registry::Default();
  std::map<std::string, std::string> headers;
  for (const auto& field : ctx.request) {
    std::string name = Lower(std::string_view(field.name_string().data(), field.name_string().size()));
    if (name.rfind("ce-", 0) == 0 || name == "content-type") {
      headers[name] = std::string(field.value());
    }
  }
  std::string content_type = ctx.Header("Content-Type");
  auto parsed = cloudevents::ParseHttpRequest(content_type, headers, ctx.request.body());
  if (!parsed.ok()) {
    co_return Error(ctx, parsed.error->status,
                    parsed.error->kind == cloudevents::ParseErrorKind::kMalformedJson
                        ? "MALFORMED_JSON"
                        : "INVALID_EVENT");
  }
  std::optional<std::string> key_override;
  if (const std::string* k = ctx.Query("key")) key_override = *k;

  // Size check before the topic lookup: a bad request never creates a topic.
  const size_t n = parsed.events.size();
  std::vector<cloudevents::KafkaMessage> messages;
  messages.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    messages.push_back(cloudevents::ToKafkaMessage(parsed.events[i], key_override));
    size_t bytes = cloudevents::MessageBytes(messages.back());
    if (static_cast<int64_t>(bytes) > options_.max_event_bytes) {
      co_return Error(ctx,
                      Status::TooLarge("event[" + std::to_string(i) + "] (id '" +
                                       parsed.events[i].id + "') is " + std::to_string(bytes) +
                                       " bytes, over the limit of " +
                                       std::to_string(options_.max_event_bytes) +
                                       " bytes (max_event_bytes)"),
                      "EVENT_TOO_LARGE");
    }
  }
  std::string symbol;
  auto partitions = PartitionsOf(topic, /*allow_create=*/true, &symbol);
  if (!partitions.ok()) co_return Error(ctx, partitions.error(), symbol);
  const int32_t nparts = *partitions;
  if (Status s = CheckSchemas(topic, parsed.events); !s.ok()) {
    co_return Reply(http::ErrorResponse(status::unprocessable_entity, "SCHEMA_VALIDATION_FAILED",
                                        s.message(), ctx.request.version(),
                                        ctx.request.keep_alive()));
  }

  // Contracts: each event's data is checked against its product's validity
  // rules; quarantined events are diverted below instead of being stored.
  std::vector<governance::EventCheck> contract(n);
  if (contracts_ != nullptr && contracts_->Governs(topic)) {
    for (size_t i = 0; i < n; ++i) {
      const auto& v = messages[i].value;
      contract[i] = contracts_->Check(topic, v ? std::string_view(*v) : std::string_view());
    }
  }

  struct Out {
    int32_t partition = -1;
    int64_t offset = -1;
    bool duplicate = false;
    int64_t dup_of = -1;  // index of an earlier event in this request
  };
  std::vector<Out> results(n);
  std::map<std::pair<std::string, std::string>, size_t> seen;
  std::map<int32_t, std::vector<size_t>> by_partition;
  const int32_t sticky = partitioner_.NextSticky(nparts);
  for (size_t i = 0; i < n; ++i) {
    const auto& e = parsed.events[i];
    if (auto at = window_.Lookup(topic, e.source, e.id)) {
      results[i] = {at->partition, at->offset, true, -1};
      continue;
    }
    auto [it, fresh] = seen.try_emplace({e.source, e.id}, i);
    if (!fresh) {
      results[i].duplicate = true;
      results[i].dup_of = static_cast<int64_t>(it->second);
      continue;
    }
    int32_t p = messages[i].key ? PartitionForKey(*messages[i].key, nparts) : sticky;
    results[i].partition = p;
    if (contract[i].verdict == governance::Verdict::kQuarantine) continue;  // diverted below
    by_partition[p].push_back(i);
  }
  // Quarantined events go to <topic>.quarantine (one batch) before the
  // accepted ones are appended; a failure here fails the request (5xx) so
  // that no event is silently lost.
  std::vector<size_t> quarantined;
  for (size_t i = 0; i < n; ++i) {
    if (contract[i].verdict == governance::Verdict::kQuarantine && !results[i].duplicate &&
        results[i].partition >= 0) {
      quarantined.push_back(i);
    }
  }
  int64_t quarantine_base = -1;
  if (!quarantined.empty()) {
    std::vector<governance::QuarantineItem> items;
    const int64_t qnow = clock_->NowMillis();
    for (size_t i : quarantined) {
      governance::QuarantineItem it;
      it.source_partition = results[i].partition;
      it.timestamp_ms = qnow;
      it.key = messages[i].key;
      it.value = messages[i].value;
      it.headers = messages[i].headers;
      it.rule = contract[i].rule;
      it.reason = contract[i].reason;
      items.push_back(std::move(it));
    }
    auto q = contracts_->Quarantine(topic, items);
    if (!q.ok()) {
      co_return Error(ctx, Status(q.error().code(), "quarantine of " + std::to_string(items.size()) +
                                                        " event(s) for " + topic + " failed: " + q.error().message()));
    }
    quarantine_base = *q;
  }

  // One batch per partition, split so no batch exceeds the topic's
  // max.message.bytes (approximately; records carry ~20 bytes of framing).
  int64_t batch_limit = 1024 * 1024;
  if (auto d = log_.DescribeTopic(topic); d.ok()) batch_limit = d->config.max_message_bytes;
  batch_limit = std::max<int64_t>(batch_limit - 1024, 1024);
  struct Chunk {
    int32_t partition;
    std::vector<size_t> events;
    std::string batch;
  };
  std::vector<Chunk> chunks;
  const int64_t now = clock_->NowMillis();
  int64_t bytes_in = 0;
  for (auto& [p, idxs] : by_partition) {
    record::RecordBatchBuilder builder;
    Chunk cur{p, {}, {}};
    int64_t cur_bytes = 0;
    for (size_t i : idxs) {
      const auto& m = messages[i];
      int64_t sz = static_cast<int64_t>(cloudevents::MessageBytes(m)) + 16 +
                   static_cast<int64_t>(m.headers.size()) * 4;
      if (!cur.events.empty() && cur_bytes + sz > batch_limit) {
        cur.batch = builder.Build();
        chunks.push_back(std::move(cur));
        cur = Chunk{p, {}, {}};
        cur_bytes = 0;
      }
      builder.Add(now, m.key, m.value, m.headers);
      cur.events.push_back(i);
      cur_bytes += sz;
      bytes_in += static_cast<int64_t>(cloudevents::MessageBytes(m));
    }
    if (!cur.events.empty()) {
      cur.batch = builder.Build();
      chunks.push_back(std::move(cur));
    }
  }

  using AppendResults = std::vector<Result<storage::AppendResult>>;
  int64_t started = MonoMicros();
  AppendResults appended;
  if (!chunks.empty()) {
    appended = co_await http::AwaitCallback<AppendResults>(
        ctx.executor, [this, &topic, &chunks](auto done) {
          struct State {
            std::mutex mu;
            std::vector<std::optional<Result<storage::AppendResult>>> slots;
            size_t remaining;
            std::function<void(AppendResults)> finish;
          };
          auto state = std::make_shared<State>();
          state->slots.resize(chunks.size());
          state->remaining = chunks.size();
          state->finish = std::move(done);
          // AppendAsync assigns offsets in call order per partition, so a
          // partition's chunks keep the request's order.
          for (size_t c = 0; c < chunks.size(); ++c) {
            log_.AppendAsync(topic, chunks[c].partition, std::move(chunks[c].batch),
                             [state, c](Result<storage::AppendResult> r) {
                               bool last = false;
                               {
                                 std::lock_guard lock(state->mu);
                                 state->slots[c].emplace(std::move(r));
                                 last = --state->remaining == 0;
                               }
                               if (last) {
                                 AppendResults all;
                                 for (auto& s : state->slots) all.push_back(std::move(*s));
                                 state->finish(std::move(all));
                               }
                             });
          }
        });
  }
  reg.GetHistogram("meshd_append_latency_seconds",
                   "Time from append request to durable acknowledgement (HTTP publish)")
      .Observe(static_cast<double>(MonoMicros() - started) / 1e6);

  for (size_t c = 0; c < chunks.size(); ++c) {
    if (!appended[c].ok()) {
      const Status& s = appended[c].error();
      logging::Get("api")->error("append failed topic={} partition={}: {}", topic,
                                 chunks[c].partition, s.ToString());
      co_return Error(ctx,
                      Status(s.code(), "append to " + topic + "/" +
                                           std::to_string(chunks[c].partition) +
                                           " failed: " + s.message()),
                      s.code() == StatusCode::kNotFound ? "TOPIC_NOT_FOUND" : std::string_view{});
    }
    int64_t base = appended[c]->base_offset;
    for (size_t k = 0; k < chunks[c].events.size(); ++k) {
      size_t i = chunks[c].events[k];
      results[i].offset = base + static_cast<int64_t>(k);
      window_.Insert(topic, parsed.events[i].source, parsed.events[i].id,
                     {results[i].partition, results[i].offset}, now);
    }
  }

  json::array out;
  size_t stored = 0, dups = 0;
  for (size_t i = 0; i < n; ++i) {
    Out r = results[i];
    if (r.dup_of >= 0) {
      r.partition = results[r.dup_of].partition;
      r.offset = results[r.dup_of].offset;
    }
    json::object o;
    o["id"] = parsed.events[i].id;
    if (auto q = std::find(quarantined.begin(), quarantined.end(), i); q != quarantined.end()) {
      o["partition"] = -1;
      o["offset"] = -1;
      o["duplicate"] = false;
      o["quarantined"] = true;
      o["quarantine_topic"] = topic + ".quarantine";
      o["quarantine_offset"] = quarantine_base + (q - quarantined.begin());
      o["violation"] = contract[i].reason;
      o["rule"] = contract[i].rule;
      out.push_back(std::move(o));
      continue;
    }
    if (r.duplicate) ++dups; else ++stored;
    o["partition"] = r.partition;
    o["offset"] = r.offset;
    o["duplicate"] = r.duplicate;
    if (contract[i].verdict == governance::Verdict::kFlag) {
      o["violation"] = contract[i].reason;
      o["rule"] = contract[i].rule;
    }
    out.push_back(std::move(o));
  }
  metrics::Labels labels{{"topic", topic}};
  reg.GetCounter("meshd_events_in_total", "Events accepted (stored)", labels).Inc(static_cast<double>(stored));
  reg.GetCounter("meshd_event_bytes_in_total", "Bytes of events accepted", labels)
      .Inc(static_cast<double>(bytes_in));
  if (dups) {
    reg.GetCounter("meshd_events_duplicate_total", "Republished events not stored again", labels)
        .Inc(static_cast<double>(dups));
  }
  json::object body;
  body["results"] = std::move(out);
  co_return Json(ctx, status::ok, body);
}

// ---- metrics and health

asio::awaitable<Reply> EventsApi::Metrics(RequestContext& ctx) {
  http::Response res(status::ok, ctx.request.version());
  res.set(http::bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.keep_alive(ctx.request.keep_alive());
  res.body() = metrics::Registry::Default().Render();
  res.prepare_payload();
  co_return Reply(std::move(res));
}

asio::awaitable<Reply> EventsApi::Health(RequestContext& ctx) {
  json::object o;
  o["status"] = "ok";
  o["topics"] = log_.ListTopics().size();
  co_return Json(ctx, status::ok, o);
}

void EventsApi::RegisterLagGauge() {
  storage::EventLog* log = &log_;
  metrics::Registry::Default().SetCallbackGauge(
      "meshd_consumer_lag", "Consumer lag: end offset minus committed offset, per group and partition",
      [log] {
        std::vector<std::pair<metrics::Labels, double>> out;
        for (const auto& group : log->ListGroupsWithOffsets()) {
          for (const auto& c : log->ListCommitted(group)) {
            auto offsets = log->GetOffsets(c.topic, c.partition);
            if (!offsets.ok()) continue;
            double lag = static_cast<double>(std::max<int64_t>(0, offsets->end_offset - c.offset));
            out.push_back({{{"group", group},
                            {"topic", c.topic},
                            {"partition", std::to_string(c.partition)}},
                           lag});
          }
        }
        return out;
      });
}

}  // namespace meshd::api
