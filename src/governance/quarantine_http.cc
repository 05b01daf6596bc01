#include "governance/quarantine_http.h"

#include <boost/json.hpp>

#include "cloudevents/base64.h"
#include "http/reply.h"

namespace meshd::governance {
namespace {

namespace json = boost::json;

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// Bytes as a JSON string when they are UTF-8 text, else base64 under `<name>_base64`.
void PutBytes(json::object& o, const char* name, const std::optional<std::string>& bytes) {
  if (!bytes) {
    o[name] = nullptr;
  } else if (ValidUtf8(*bytes)) {
    o[name] = *bytes;
  } else {
    o[std::string(name) + "_base64"] = cloudevents::Base64Encode(*bytes);
  }
}

json::object EntryJson(const QuarantineEntry& e) {
  json::object o;
  o["topic"] = e.quarantine_topic;
  o["offset"] = e.offset;
  o["source_topic"] = e.source_topic;
  o["source_partition"] = e.source_partition;
  o["timestamp"] = e.timestamp_ms;
  o["quarantined_at"] = e.quarantined_at_ms;
  o["rule"] = e.rule;
  o["reason"] = e.reason;
  PutBytes(o, "key", e.key);
  PutBytes(o, "value", e.value);
  json::object headers;
  for (const auto& h : e.headers) {
    if (h.value && ValidUtf8(*h.value)) headers[h.key] = *h.value;
    else if (h.value) headers[h.key] = cloudevents::Base64Encode(*h.value);
    else headers[h.key] = nullptr;
  }
  o["headers"] = std::move(headers);
  return o;
}

// {"offsets":[...]} -> the list; {"all":true} (or an empty body) -> nullopt.
Result<std::optional<std::vector<int64_t>>> ParseSelection(const std::string& body) {
  if (body.empty()) return Status::InvalidArgument("request body must be {\"offsets\":[...]} or {\"all\":true}");
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Status::InvalidArgument("request body is not a JSON object");
  const json::object& o = v.get_object();
  if (const json::value* all = o.if_contains("all"); all && all->is_bool() && all->get_bool()) {
    if (o.contains("offsets")) return Status::InvalidArgument("give either 'offsets' or 'all', not both");
    return std::optional<std::vector<int64_t>>();
  }
  const json::value* offs = o.if_contains("offsets");
  if (offs == nullptr || !offs->is_array() || offs->get_array().empty()) {
    return Status::InvalidArgument("'offsets' must be a non-empty array of quarantine offsets (or use \"all\": true)");
  }
  std::vector<int64_t> out;
  for (const json::value& x : offs->get_array()) {
    if (!x.is_int64() && !x.is_uint64()) return Status::InvalidArgument("'offsets' must hold integers");
    out.push_back(x.to_number<int64_t>());
  }
  return std::optional<std::vector<int64_t>>(std::move(out));
}

}  // namespace

void RegisterQuarantineRoutes(http::Router& router, ContractEnforcer& enforcer) {
  ContractEnforcer* e = &enforcer;
  router.Add(http::Method::get, "/v1/quarantine",
             [e](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
               std::string topic;
               if (const std::string* t = ctx.Query("topic")) topic = *t;
               size_t limit = 1000;
               if (const std::string* l = ctx.Query("limit")) {
                 try {
                   limit = static_cast<size_t>(std::stoul(*l));
                 } catch (...) {
                   co_return http::ReplyError(ctx, Status::InvalidArgument("limit must be a positive integer, not '" + *l + "'"));
                 }
               }
               auto entries = e->quarantine().List(topic, limit);
               if (!entries.ok()) co_return http::ReplyError(ctx, entries.error());
               json::array arr;
               for (const auto& entry : *entries) arr.push_back(EntryJson(entry));
               json::object body;
               body["events"] = std::move(arr);
               co_return http::ReplyJson(ctx, body);
             });
  router.Add(http::Method::post, "/v1/quarantine/{topic}/release",
             [e](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
               auto sel = ParseSelection(ctx.request.body());
               if (!sel.ok()) co_return http::ReplyError(ctx, sel.error(), "INVALID_REQUEST");
               auto report = e->quarantine().Release(
                   ctx.PathParam("topic"), *sel,
                   [e](const std::string& topic, std::string_view value) { return e->Recheck(topic, value); });
               if (!report.ok()) co_return http::ReplyError(ctx, report.error());
               json::array released, kept, missing;
               for (const auto& r : report->released) {
                 released.push_back({{"offset", r.offset}, {"partition", r.partition}, {"source_offset", r.source_offset}});
               }
               for (const auto& k : report->kept) {
                 kept.push_back({{"offset", k.offset}, {"rule", k.rule}, {"reason", k.reason}});
               }
               for (int64_t o : report->not_found) missing.push_back(o);
               json::object body;
               body["released"] = std::move(released);
               body["kept"] = std::move(kept);
               body["not_found"] = std::move(missing);
               co_return http::ReplyJson(ctx, body);
             });
  router.Add(http::Method::post, "/v1/quarantine/{topic}/drop",
             [e](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
               auto sel = ParseSelection(ctx.request.body());
               if (!sel.ok()) co_return http::ReplyError(ctx, sel.error(), "INVALID_REQUEST");
               auto report = e->quarantine().Drop(ctx.PathParam("topic"), *sel);
               if (!report.ok()) co_return http::ReplyError(ctx, report.error());
               json::array dropped, missing;
               for (int64_t o : report->dropped) dropped.push_back(o);
               for (int64_t o : report->not_found) missing.push_back(o);
               json::object body;
               body["dropped"] = std::move(dropped);
               body["not_found"] = std::move(missing);
               co_return http::ReplyJson(ctx, body);
             });
}

}  // namespace meshd::governance
