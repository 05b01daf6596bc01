#include "governance/contract_http.h"

#include <boost/json.hpp>

#include "http/reply.h"

namespace meshd::governance {
namespace {

namespace json = boost::json;

json::object StateJson(const ContractState& s) {
  json::object o;
  o["product"] = s.product;
  o["port"] = s.port;
  o["topic"] = s.topic;
  o["status"] = s.ok ? "green" : "red";
  o["on_violation"] = s.on_violation;
  o["rules"] = s.rules;
  o["validity_ok"] = s.validity_ok;
  o["completeness_ok"] = s.completeness_ok;
  o["freshness_ok"] = s.freshness_ok;
  if (!s.reason.empty()) o["reason"] = s.reason;
  o["completeness_ratio"] = s.completeness_ratio;
  o["window_valid"] = s.window_valid;
  o["window_total"] = s.window_total;
  if (s.completeness_min_ratio) o["completeness_min_ratio"] = *s.completeness_min_ratio;
  if (s.freshness_max_delay_ms) {
    o["freshness_max_delay_ms"] = *s.freshness_max_delay_ms;
    o["freshness_age_ms"] = s.freshness_age_ms;
  }
  o["violations"] = s.violations;
  return o;
}

}  // namespace

void RegisterContractRoutes(http::Router& router, ContractEnforcer& enforcer) {
  ContractEnforcer* e = &enforcer;
  router.Add(http::Method::get, "/v1/contracts",
             [e](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
               json::array arr;
               for (const auto& s : e->States()) arr.push_back(StateJson(s));
               json::object body;
               body["contracts"] = std::move(arr);
               co_return http::ReplyJson(ctx, body);
             });
}

void RegisterContractTestRoutes(http::Router& router, ContractEnforcer& enforcer, ManualClock* clock) {
  ContractEnforcer* e = &enforcer;
  router.Add(http::Method::post, "/v1/_test/clock/advance",
             [e, clock](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
               const std::string* ms = ctx.Query("ms");
               int64_t n = -1;
               if (ms != nullptr) {
                 try {
                   n = std::stoll(*ms);
                 } catch (...) {
                 }
               }
               if (n < 0) {
                 co_return http::ReplyError(ctx, Status::InvalidArgument("query parameter ms must be a non-negative integer"),
                                 "INVALID_REQUEST");
               }
               clock->Advance(n);
               e->Tick();  // evaluate now, so the caller sees the effect
               json::object body;
               body["now_ms"] = clock->NowMillis();
               co_return http::ReplyJson(ctx, body);
             });
}

}  // namespace meshd::governance
