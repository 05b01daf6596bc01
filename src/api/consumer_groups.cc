#include "api/consumer_groups.h"
#include "cloudevents/json_text.h"

#include <algorithm>

#include "api/json_util.h"
#include "base/logging.h"
#include "cloudevents/base64.h"
#include "cloudevents/cloud_event.h"
#include "cloudevents/kafka_binding.h"
#include "http/async_wait.h"
#include "http/error_mapping.h"
#include "http/stream_writer.h"
#include "metrics/metrics.h"
#include "record/record_batch.h"

namespace meshd::api {

namespace asio = boost::asio;
namespace json = boost::json;
using http::bhttp::status;
using http::Reply;
using http::RequestContext;

constexpr const char* kMemberHeader = "Meshd-Member-Id";

struct ConsumerGroups::Group {
  explicit Group(const Clock* clock) : membership(clock) {}
  std::mutex mu;
  std::string name;
  std::string topic;
  GroupMembership membership;
  std::map<int32_t, int64_t> positions;  // next offset to deliver
  // member → partition → offset its last poll advanced to (auto_commit)
  std::map<std::string, std::map<int32_t, int64_t>> pending;
  uint64_t rotation = 0;
};

struct ConsumerGroups::PollRequest {
  std::string topic;
  std::string group;  // empty → explicit read
  std::string member_id;
  bool derived_member = false;
  uint64_t connection_id = 0;
  int32_t max = 100;
  int64_t wait_ms = 0;
  bool auto_commit = false;
  bool reset_latest = false;
  int64_t session_timeout_ms = 30000;
  // explicit reads
  int32_t partition = -1;
  std::optional<int64_t> offset;
  std::optional<int64_t> timestamp;
  int64_t next_offset = -1;  // explicit: where the previous read ended (streams)
  ValueRewriter rewrite;     // access control (PII masking); empty = values as stored
};

namespace {

Reply Error(const RequestContext& ctx, const Status& s, std::string_view symbol = {}) {
  return Reply(http::ErrorResponse(s, symbol, ctx.request.version(), ctx.request.keep_alive()));
}

Reply Json(const RequestContext& ctx, status st, const json::value& v) {
  return Reply(
      http::JsonResponse(st, cloudevents::SerializeJson(v), ctx.request.version(), ctx.request.keep_alive()));
}

bool WantsEventStream(const RequestContext& ctx) {
  return ctx.Header("Accept").find("text/event-stream") != std::string::npos;
}

}  // namespace

ConsumerGroups::ConsumerGroups(storage::EventLog& log, const ApiOptions& options,
                               const Clock* clock)
    : log_(log), options_(options), clock_(clock) {}

ConsumerGroups::~ConsumerGroups() = default;

void ConsumerGroups::Mount(http::Router& router) {
  using http::Method;
  auto bind = [this](asio::awaitable<Reply> (ConsumerGroups::*fn)(RequestContext&)) {
    return [this, fn](RequestContext& ctx) { return (this->*fn)(ctx); };
  };
  router.Add(Method::get, "/v1/topics/{topic}/events", bind(&ConsumerGroups::Consume));
  router.Add(Method::get, "/v1/topics/{topic}/stream", bind(&ConsumerGroups::Stream));
  router.Add(Method::post, "/v1/topics/{topic}/commit", bind(&ConsumerGroups::Commit));
  router.Add(Method::get, "/v1/topics/{topic}/groups/{group}", bind(&ConsumerGroups::DescribeGroup));
  router.Add(Method::delete_, "/v1/topics/{topic}/groups/{group}/members/{member}",
             bind(&ConsumerGroups::LeaveGroup));
}

std::shared_ptr<ConsumerGroups::Group> ConsumerGroups::GetGroup(const std::string& group,
                                                                const std::string& topic,
                                                                bool create) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(group, topic);
  auto it = groups_.find(key);
  if (it != groups_.end()) return it->second;
  if (!create) return nullptr;
  auto g = std::make_shared<Group>(clock_);
  g->name = group;
  g->topic = topic;
  groups_[key] = g;
  return g;
}

void ConsumerGroups::ForgetTopic(const std::string& topic) {
  std::lock_guard lock(mu_);
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (it->first.second == topic) {
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
}

Status ConsumerGroups::CommitLocked(Group& g, const std::map<int32_t, int64_t>& offsets) {
  if (offsets.empty()) return Status::Ok();
  std::vector<storage::CommittedOffset> list;
  const int64_t now = clock_->NowMillis();
  for (const auto& [p, o] : offsets) {
    storage::CommittedOffset c;
    c.topic = g.topic;
    c.partition = p;
    c.offset = o;
    c.commit_time_ms = now;
    list.push_back(std::move(c));
  }
  MESHD_TRY(log_.CommitOffsets(g.name, list));
  for (const auto& [p, o] : offsets) {
    auto it = g.positions.find(p);
    if (it != g.positions.end() && it->second < o) it->second = o;
  }
  return Status::Ok();
}

void ConsumerGroups::RemoveMembersLocked(Group& g, const std::vector<std::string>& ids,
                                         bool expired) {
  auto logger = logging::Get("api");
  for (const auto& id : ids) {
    auto pending = g.pending.find(id);
    if (pending != g.pending.end()) {
      if (!expired) {
        Status s = CommitLocked(g, pending->second);
        if (!s.ok()) logger->warn("auto-commit on leave failed group={} member={}: {}", g.name, id, s.ToString());
      }
      g.pending.erase(pending);
    }
    if (expired) {
      // Partitions the dead member owned rewind to the committed offsets.
      auto desc = log_.DescribeTopic(g.topic);
      int32_t nparts = desc.ok() ? static_cast<int32_t>(desc->partitions.size()) : 0;
      for (int32_t p : g.membership.AssignmentFor(id, nparts)) g.positions.erase(p);
    }
    g.membership.Leave(id);
    logger->info("group member {} group={} topic={} member={} generation={}",
                 expired ? "expired" : "left", g.name, g.topic, id, g.membership.generation());
  }
}

void ConsumerGroups::OnConnectionClosed(uint64_t connection_id) {
  std::vector<std::tuple<std::string, std::string, std::string>> gone;
  {
    std::lock_guard lock(mu_);
    auto [b, e] = conn_members_.equal_range(connection_id);
    for (auto it = b; it != e; ++it) gone.push_back(it->second);
    conn_members_.erase(b, e);
  }
  for (const auto& [group, topic, member] : gone) {
    auto g = GetGroup(group, topic, false);
    if (!g) continue;
    std::lock_guard lock(g->mu);
    if (g->membership.contains(member)) RemoveMembersLocked(*g, {member}, /*expired=*/false);
  }
}

Result<ConsumerGroups::PollRequest> ConsumerGroups::ParsePoll(const RequestContext& ctx,
                                                              std::string* symbol) const {
  PollRequest r;
  r.topic = ctx.PathParam("topic");
  r.connection_id = ctx.connection_id;
  if (read_filter_) r.rewrite = read_filter_(ctx, r.topic);
  r.max = options_.default_max_events;
  r.session_timeout_ms = options_.session_timeout_ms;
  *symbol = "INVALID_ARGUMENT";
  if (const std::string* v = ctx.Query("max")) {
    MESHD_ASSIGN_OR_RETURN(int64_t m, ParseInt(*v, "max", 1, options_.max_events));
    r.max = static_cast<int32_t>(m);
  }
  if (const std::string* v = ctx.Query("wait_ms")) {
    MESHD_ASSIGN_OR_RETURN(r.wait_ms, ParseInt(*v, "wait_ms", 0, options_.max_wait_ms));
  }
  if (const std::string* v = ctx.Query("auto_commit")) r.auto_commit = ParseBool(*v);
  if (const std::string* v = ctx.Query("reset")) {
    if (*v == "latest") {
      r.reset_latest = true;
    } else if (*v != "earliest") {
      return Status::InvalidArgument("query parameter 'reset' must be 'earliest' or 'latest', got '" +
                                     *v + "'");
    }
  }
  if (const std::string* v = ctx.Query("session_timeout_ms")) {
    MESHD_ASSIGN_OR_RETURN(r.session_timeout_ms,
                           ParseInt(*v, "session_timeout_ms", 100, 3'600'000));
  }
  if (const std::string* g = ctx.Query("group")) {
    if (g->empty()) return Status::InvalidArgument("query parameter 'group' must not be empty");
    r.group = *g;
    std::string member;
    if (const std::string* m = ctx.Query("member_id")) member = *m;
    if (member.empty()) member = ctx.Header(kMemberHeader);
    if (member.size() > 256) {
      return Status::InvalidArgument("member id is longer than 256 characters");
    }
    if (member.empty()) {
      member = "conn-" + std::to_string(ctx.connection_id);
      r.derived_member = true;
    }
    r.member_id = member;
    if (ctx.Query("partition") || ctx.Query("offset") || ctx.Query("timestamp")) {
      return Status::InvalidArgument(
          "query parameters 'partition'/'offset'/'timestamp' cannot be combined with 'group'");
    }
    return r;
  }
  if (const std::string* v = ctx.Query("partition")) {
    MESHD_ASSIGN_OR_RETURN(int64_t p, ParseInt(*v, "partition", 0, 1 << 20));
    r.partition = static_cast<int32_t>(p);
  }
  if (const std::string* v = ctx.Query("offset")) {
    MESHD_ASSIGN_OR_RETURN(int64_t o, ParseInt(*v, "offset", 0, INT64_MAX));
    r.offset = o;
  }
  if (const std::string* v = ctx.Query("timestamp")) {
    MESHD_ASSIGN_OR_RETURN(int64_t t, ParseInt(*v, "timestamp", 0, INT64_MAX));
    r.timestamp = t;
  }
  if (r.offset && r.timestamp) {
    return Status::InvalidArgument("query parameters 'offset' and 'timestamp' are exclusive");
  }
  return r;
}

Result<int64_t> ConsumerGroups::ReadPartition(const std::string& topic, int32_t partition,
                                              int64_t offset, int32_t max, json::array* events,
                                              const ValueRewriter& rewrite) {
  int32_t got = 0;
  size_t bytes_out = 0;
  int64_t cur = offset;
  bool retried = false;
  while (got < max) {
    auto fetched = log_.Fetch(topic, partition, cur, options_.fetch_max_bytes);
    if (!fetched.ok()) {
      if (fetched.error().code() == StatusCode::kOutOfRange && !retried) {
        // Retention moved the log start past our position: skip ahead.
        auto offs = log_.GetOffsets(topic, partition);
        if (offs.ok() && cur < offs->start_offset) {
          cur = offs->start_offset;
          retried = true;
          continue;
        }
        if (offs.ok() && cur >= offs->end_offset) break;
      }
      return fetched.error();
    }
    std::string buf;
    MESHD_TRY(fetched->ReadInto(&buf));
    if (buf.empty()) break;
    MESHD_ASSIGN_OR_RETURN(auto batches, record::SplitBatches(buf, /*allow_partial_tail=*/true));
    if (batches.empty()) break;
    int64_t before = cur;
    for (std::string_view b : batches) {
      MESHD_ASSIGN_OR_RETURN(record::BatchHeader h, record::ParseHeader(b));
      if (h.last_offset() < cur) continue;
      if (h.control()) {
        cur = h.last_offset() + 1;
        continue;
      }
      MESHD_ASSIGN_OR_RETURN(auto records, record::DecodeRecords(b));
      for (const auto& r : records) {
        if (r.offset < cur) continue;
        if (got >= max) break;
        std::optional<std::string> rewritten;
        if (rewrite && r.value) rewritten = rewrite(*r.value);
        cloudevents::CloudEvent ev;
        if (rewritten) {
          record::Record masked = r;
          masked.value = std::move(rewritten);
          ev = cloudevents::FromKafkaRecord(masked, topic, partition);
        } else {
          ev = cloudevents::FromKafkaRecord(r, topic, partition);
        }
        json::object o;
        o["partition"] = partition;
        o["offset"] = r.offset;
        o["timestamp"] = r.timestamp;
        if (!r.key) {
          o["key"] = nullptr;
        } else if (cloudevents::IsValidUtf8(*r.key)) {
          o["key"] = *r.key;
        } else {
          o["key"] = nullptr;
          o["key_base64"] = cloudevents::Base64Encode(*r.key);
        }
        o["event"] = cloudevents::ToStructuredJson(ev);
        events->push_back(std::move(o));
        bytes_out += r.value ? r.value->size() : 0;
        ++got;
        cur = r.offset + 1;
      }
      if (got >= max) break;
      cur = std::max(cur, h.last_offset() + 1);
    }
    if (cur == before) break;
  }
  RecordOut(topic, static_cast<size_t>(got), bytes_out);
  return cur;
}

void ConsumerGroups::RecordOut(const std::string& topic, size_t events, size_t bytes) {
  if (events == 0) return;
  auto& reg = metrics::Registry::Default();
  metrics::Labels labels{{"topic", topic}};
  reg.GetCounter("meshd_events_out_total", "Events delivered to HTTP consumers", labels)
      .Inc(static_cast<double>(events));
  reg.GetCounter("meshd_event_bytes_out_total", "Bytes of event data delivered to HTTP consumers",
                 labels)
      .Inc(static_cast<double>(bytes));
}

Status ConsumerGroups::ReadExplicit(PollRequest& req, PollResult* out, std::string* symbol) {
  auto desc = log_.DescribeTopic(req.topic);
  if (!desc.ok()) {
    if (desc.error().IsNotFound()) *symbol = "TOPIC_NOT_FOUND";
    return desc.error();
  }
  const int32_t nparts = static_cast<int32_t>(desc->partitions.size());
  if (req.partition < 0) {
    if (nparts != 1) {
      *symbol = "INVALID_ARGUMENT";
      return Status::InvalidArgument(
          "query parameter 'group', or 'partition' for an explicit read, is required (topic '" +
          req.topic + "' has " + std::to_string(nparts) + " partitions)");
    }
    req.partition = 0;
  }
  if (req.partition >= nparts) {
    *symbol = "PARTITION_NOT_FOUND";
    return Status::NotFound("partition " + std::to_string(req.partition) + " of topic '" +
                            req.topic + "' does not exist (" + std::to_string(nparts) +
                            " partitions)");
  }
  const auto& info = desc->partitions[req.partition];
  int64_t offset;
  if (req.next_offset >= 0) {
    offset = req.next_offset;
  } else if (req.timestamp) {
    MESHD_ASSIGN_OR_RETURN(offset, log_.OffsetForTimestamp(req.topic, req.partition, *req.timestamp));
  } else if (req.offset) {
    offset = *req.offset;
    if (offset > info.end_offset) {
      *symbol = "OFFSET_OUT_OF_RANGE";
      return Status::OutOfRange("offset " + std::to_string(offset) + " is beyond the end (" +
                                std::to_string(info.end_offset) + ") of " + req.topic + "/" +
                                std::to_string(req.partition));
    }
    offset = std::max(offset, info.start_offset);
  } else {
    offset = info.start_offset;
  }
  MESHD_ASSIGN_OR_RETURN(int64_t next,
                         ReadPartition(req.topic, req.partition, offset, req.max, &out->events,
                                       req.rewrite));
  req.next_offset = next;
  out->assignment = {req.partition};
  return Status::Ok();
}

Status ConsumerGroups::ReadGroup(PollRequest& req, PollResult* out, std::string* symbol) {
  auto desc = log_.DescribeTopic(req.topic);
  if (!desc.ok()) {
    if (desc.error().IsNotFound()) *symbol = "TOPIC_NOT_FOUND";
    return desc.error();
  }
  const int32_t nparts = static_cast<int32_t>(desc->partitions.size());
  if (req.derived_member) {
    std::lock_guard lock(mu_);
    bool known = false;
    auto [b, e] = conn_members_.equal_range(req.connection_id);
    for (auto it = b; it != e; ++it) {
      if (std::get<0>(it->second) == req.group && std::get<1>(it->second) == req.topic) known = true;
    }
    if (!known) conn_members_.emplace(req.connection_id, std::make_tuple(req.group, req.topic, req.member_id));
  }
  auto g = GetGroup(req.group, req.topic, true);
  std::lock_guard lock(g->mu);
  std::vector<std::string> expired = g->membership.Expire();
  // Expired members get no auto-commit: they may not have processed what
  // they received, so their partitions rewind (at-least-once).
  if (!expired.empty()) {
    for (const auto& id : expired) g->membership.Touch(id, 0);  // re-add to compute ownership
    RemoveMembersLocked(*g, expired, /*expired=*/true);
  }
  if (g->membership.Touch(req.member_id, req.session_timeout_ms)) {
    logging::Get("api")->info("group member joined group={} topic={} member={} generation={}",
                              req.group, req.topic, req.member_id, g->membership.generation());
  }
  if (req.auto_commit) {
    auto it = g->pending.find(req.member_id);
    if (it != g->pending.end()) {
      Status s = CommitLocked(*g, it->second);
      if (!s.ok()) return s;
      g->pending.erase(it);
    }
  }
  out->member_id = req.member_id;
  out->generation = g->membership.generation();
  out->assignment = g->membership.AssignmentFor(req.member_id, nparts);
  if (out->assignment.empty()) return Status::Ok();
  int32_t remaining = req.max;
  size_t n = out->assignment.size();
  size_t start = static_cast<size_t>(g->rotation++ % n);
  for (size_t k = 0; k < n && remaining > 0; ++k) {
    int32_t p = out->assignment[(start + k) % n];
    auto pos_it = g->positions.find(p);
    int64_t pos;
    if (pos_it != g->positions.end()) {
      pos = pos_it->second;
    } else if (auto committed = log_.FetchCommitted(req.group, req.topic, p)) {
      pos = committed->offset;
    } else {
      const auto& info = desc->partitions[p];
      pos = req.reset_latest ? info.end_offset : info.start_offset;
    }
    size_t before = out->events.size();
    MESHD_ASSIGN_OR_RETURN(int64_t next, ReadPartition(req.topic, p, pos, remaining, &out->events,
                                                               req.rewrite));
    remaining -= static_cast<int32_t>(out->events.size() - before);
    g->positions[p] = next;
    if (req.auto_commit && next != pos) g->pending[req.member_id][p] = next;
  }
  return Status::Ok();
}

Status ConsumerGroups::PollOnce(PollRequest& req, PollResult* out, std::string* symbol) {
  return req.group.empty() ? ReadExplicit(req, out, symbol) : ReadGroup(req, out, symbol);
}

asio::awaitable<Reply> ConsumerGroups::Consume(RequestContext& ctx) {
  if (WantsEventStream(ctx)) co_return co_await Stream(ctx);
  std::string symbol;
  auto parsed = ParsePoll(ctx, &symbol);
  if (!parsed.ok()) co_return Error(ctx, parsed.error(), symbol);
  PollRequest req = std::move(*parsed);
  const int64_t deadline = MonoMillis() + req.wait_ms;
  http::AppendWaiter waiter(ctx.executor, log_, &waiters_);
  PollResult result;
  for (;;) {
    waiter.Arm(req.topic);
    result = PollResult();
    int64_t explicit_from = req.next_offset;
    Status s = PollOnce(req, &result, &symbol);
    if (!s.ok()) co_return Error(ctx, s, symbol);
    if (!result.events.empty()) break;
    int64_t left = deadline - MonoMillis();
    if (left <= 0 || waiters_.stopping()) break;
    if (req.group.empty()) req.next_offset = explicit_from;  // re-read from the same place
    co_await waiter.Wait(std::chrono::milliseconds(left));
  }
  json::object body;
  body["events"] = std::move(result.events);
  if (!req.group.empty()) {
    body["member_id"] = result.member_id;
    body["generation"] = result.generation;
  } else {
    body["next_offset"] = req.next_offset;
  }
  json::array parts;
  for (int32_t p : result.assignment) parts.push_back(p);
  body["partitions"] = std::move(parts);
  Reply reply = Json(ctx, status::ok, body);
  if (!req.group.empty()) reply.response.set(kMemberHeader, result.member_id);
  co_return reply;
}

asio::awaitable<Reply> ConsumerGroups::Stream(RequestContext& ctx) {
  std::string symbol;
  auto parsed = ParsePoll(ctx, &symbol);
  if (!parsed.ok()) co_return Error(ctx, parsed.error(), symbol);
  auto req = std::make_shared<PollRequest>(std::move(*parsed));
  // A stream acknowledges what it has written: auto-commit for groups.
  req->auto_commit = true;
  // Validate once up front so errors are ordinary JSON responses.
  {
    auto desc = log_.DescribeTopic(req->topic);
    if (!desc.ok()) co_return Error(ctx, desc.error(), desc.error().IsNotFound() ? "TOPIC_NOT_FOUND" : "");
  }
  Reply reply;
  reply.response.result(status::ok);
  reply.response.set(http::bhttp::field::content_type, "text/event-stream");
  if (!req->group.empty() && !req->member_id.empty()) reply.response.set(kMemberHeader, req->member_id);
  auto executor = ctx.executor;
  reply.stream = [this, req, executor](http::StreamWriter& w) -> asio::awaitable<void> {
    http::AppendWaiter waiter(executor, log_, &waiters_);
    w.set_on_close([&waiter] { waiter.WakeNow(); });
    for (;;) {
      if (w.closed()) co_return;
      waiter.Arm(req->topic);
      PollResult result;
      std::string sym;
      Status s = PollOnce(*req, &result, &sym);
      if (!s.ok()) {
        json::object err;
        err["error_code"] = sym.empty() ? std::string(http::DefaultErrorSymbol(s.code())) : sym;
        err["message"] = s.message();
        co_await w.WriteEvent("", "error", cloudevents::SerializeJson(err));
        co_return;
      }
      for (const auto& ev : result.events) {
        const json::object& o = ev.as_object();
        std::string id = std::to_string(o.at("partition").as_int64()) + "-" +
                         std::to_string(o.at("offset").as_int64());
        if (!co_await w.WriteEvent(id, "cloudevent", cloudevents::SerializeJson(ev))) co_return;
      }
      if (waiters_.stopping()) co_return;
      if (!result.events.empty()) continue;
      bool woken = co_await waiter.Wait(std::chrono::milliseconds(options_.sse_heartbeat_ms));
      if (!woken && !co_await w.WriteComment("keepalive")) co_return;
    }
  };
  co_return reply;
}

asio::awaitable<Reply> ConsumerGroups::Commit(RequestContext& ctx) {
  const std::string& topic = ctx.PathParam("topic");
  const std::string* group = ctx.Query("group");
  if (!group || group->empty()) {
    co_return Error(ctx, Status::InvalidArgument("commit: query parameter 'group' is required"),
                    "INVALID_ARGUMENT");
  }
  auto desc = log_.DescribeTopic(topic);
  if (!desc.ok()) {
    co_return Error(ctx, desc.error(), desc.error().IsNotFound() ? "TOPIC_NOT_FOUND" : "");
  }
  const int32_t nparts = static_cast<int32_t>(desc->partitions.size());
  std::string member;
  if (const std::string* m = ctx.Query("member_id")) member = *m;
  if (member.empty()) member = ctx.Header(kMemberHeader);
  if (member.empty()) member = "conn-" + std::to_string(ctx.connection_id);

  std::map<int32_t, int64_t> offsets;
  bool from_body = false;
  std::string_view raw = ctx.request.body();
  if (raw.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto body = ParseObject(raw, "commit");
    if (!body.ok()) co_return Error(ctx, body.error(), "MALFORMED_JSON");
    const json::value* list = body->if_contains("offsets");
    if (!list || !list->is_array()) {
      co_return Error(ctx, Status::InvalidArgument("commit: field 'offsets' must be an array"),
                      "INVALID_ARGUMENT");
    }
    from_body = true;
    size_t i = 0;
    for (const auto& item : list->as_array()) {
      std::string where = "commit: offsets[" + std::to_string(i++) + "]";
      if (!item.is_object()) {
        co_return Error(ctx, Status::InvalidArgument(where + " must be an object"), "INVALID_ARGUMENT");
      }
      const json::value* p = item.as_object().if_contains("partition");
      const json::value* o = item.as_object().if_contains("offset");
      if (!p || !p->is_int64() || !o || !o->is_int64() || o->as_int64() < 0) {
        co_return Error(ctx,
                        Status::InvalidArgument(where + " needs integer 'partition' and non-negative "
                                                        "integer 'offset'"),
                        "INVALID_ARGUMENT");
      }
      if (p->as_int64() < 0 || p->as_int64() >= nparts) {
        co_return Error(ctx,
                        Status::NotFound(where + ": partition " + std::to_string(p->as_int64()) +
                                         " of topic '" + topic + "' does not exist"),
                        "PARTITION_NOT_FOUND");
      }
      offsets[static_cast<int32_t>(p->as_int64())] = o->as_int64();
    }
  }
  auto g = GetGroup(*group, topic, true);
  {
    std::lock_guard lock(g->mu);
    if (!from_body) {
      // No body: commit what this member has been given so far.
      auto it = g->pending.find(member);
      if (it != g->pending.end()) offsets = it->second;
      if (offsets.empty()) {
        for (int32_t p : g->membership.AssignmentFor(member, nparts)) {
          auto pos = g->positions.find(p);
          if (pos != g->positions.end()) offsets[p] = pos->second;
        }
      }
    }
    if (g->membership.contains(member)) g->membership.Touch(member, options_.session_timeout_ms);
    Status s = CommitLocked(*g, offsets);
    if (!s.ok()) co_return Error(ctx, s);
    auto it = g->pending.find(member);
    if (it != g->pending.end()) {
      for (const auto& [p, o] : offsets) {
        auto pi = it->second.find(p);
        if (pi != it->second.end() && pi->second <= o) it->second.erase(pi);
      }
    }
  }
  json::array committed;
  for (const auto& [p, o] : offsets) {
    json::object c;
    c["partition"] = p;
    c["offset"] = o;
    committed.push_back(std::move(c));
  }
  json::object body;
  body["group"] = *group;
  body["committed"] = std::move(committed);
  co_return Json(ctx, status::ok, body);
}

asio::awaitable<Reply> ConsumerGroups::DescribeGroup(RequestContext& ctx) {
  const std::string& topic = ctx.PathParam("topic");
  const std::string& group = ctx.PathParam("group");
  auto desc = log_.DescribeTopic(topic);
  if (!desc.ok()) {
    co_return Error(ctx, desc.error(), desc.error().IsNotFound() ? "TOPIC_NOT_FOUND" : "");
  }
  const int32_t nparts = static_cast<int32_t>(desc->partitions.size());
  json::object body;
  body["group"] = group;
  body["topic"] = topic;
  json::array members;
  std::map<int32_t, int64_t> positions;
  int64_t generation = 0;
  if (auto g = GetGroup(group, topic, false)) {
    std::lock_guard lock(g->mu);
    generation = g->membership.generation();
    for (const auto& id : g->membership.members()) {
      json::object m;
      m["member_id"] = id;
      json::array ps;
      for (int32_t p : g->membership.AssignmentFor(id, nparts)) ps.push_back(p);
      m["partitions"] = std::move(ps);
      members.push_back(std::move(m));
    }
    positions = g->positions;
  }
  body["generation"] = generation;
  body["members"] = std::move(members);
  json::array offsets;
  for (const auto& info : desc->partitions) {
    json::object o;
    o["partition"] = info.partition;
    auto c = log_.FetchCommitted(group, topic, info.partition);
    o["committed"] = c ? json::value(c->offset) : json::value(nullptr);
    o["end_offset"] = info.end_offset;
    o["lag"] = info.end_offset - (c ? c->offset : info.start_offset);
    auto pos = positions.find(info.partition);
    o["position"] = pos != positions.end() ? json::value(pos->second) : json::value(nullptr);
    offsets.push_back(std::move(o));
  }
  body["offsets"] = std::move(offsets);
  co_return Json(ctx, status::ok, body);
}

asio::awaitable<Reply> ConsumerGroups::LeaveGroup(RequestContext& ctx) {
  auto g = GetGroup(ctx.PathParam("group"), ctx.PathParam("topic"), false);
  const std::string& member = ctx.PathParam("member");
  bool found = false;
  if (g) {
    std::lock_guard lock(g->mu);
    if (g->membership.contains(member)) {
      RemoveMembersLocked(*g, {member}, /*expired=*/false);
      found = true;
    }
  }
  if (!found) {
    co_return Error(ctx,
                    Status::NotFound("member '" + member + "' is not in group '" +
                                     ctx.PathParam("group") + "' on topic '" +
                                     ctx.PathParam("topic") + "'"),
                    "MEMBER_NOT_FOUND");
  }
  json::object body;
  body["member_id"] = member;
  body["left"] = true;
  co_return Json(ctx, status::ok, body);
}

}  // namespace meshd::api
