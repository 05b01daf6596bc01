// BusService::RegisterRoutes: the REST API under /v1 and the AWS JSON 1.1
// endpoint. Handlers run the (blocking) service calls on a small worker pool
// so that an fsync or a slow config write never holds an I/O thread.

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <exception>

#include "bus/aws_api.h"
#include "bus/bus_service.h"
#include "cloudevents/cloud_event.h"
#include "http/async_wait.h"
#include "http/blocking_handler.h"
#include "http/error_mapping.h"
#include "http/router.h"

namespace meshd::bus {
namespace {

using http::bhttp::status;

boost::asio::thread_pool& Pool() {
  static boost::asio::thread_pool pool(4);
  return pool;
}

using SyncFn = std::function<http::Response(http::RequestContext&)>;

http::Handler Wrap(SyncFn fn) { return http::OnWorkerPool(Pool(), "bus handler", std::move(fn)); }

http::Response Json(http::RequestContext& ctx, const json::value& v, status st = status::ok) {
  return http::JsonResponse(st, json::serialize(v), ctx.request.version(), ctx.request.keep_alive());
}

http::Response Error(http::RequestContext& ctx, const Status& s) {
  return http::ErrorResponse(s, {}, ctx.request.version(), ctx.request.keep_alive());
}

Result<json::object> BodyObject(http::RequestContext& ctx) {
  const std::string& body = ctx.request.body();
  if (body.empty()) return json::object{};
  MESHD_ASSIGN_OR_RETURN(json::value v, ParseJson(body, "request body"));
  if (!v.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return std::move(v.get_object());
}

// Runs an AWS-shaped operation for a REST route and answers in REST style.
http::Response RunOp(BusService& svc, http::RequestContext& ctx, const std::string& op,
                     const json::object& in, status ok_status = status::ok) {
  auto out = RunAwsOperation(svc, op, in);
  if (!out.ok()) return Error(ctx, out.error());
  return Json(ctx, *out, ok_status);
}

json::object RuleWithTargets(const RuleSpec& r, const std::string& region) {
  json::object o = ToJson(r, region);
  json::array t;
  for (const auto& x : r.targets) t.push_back(ToJson(x));
  o["Targets"] = std::move(t);
  return o;
}

http::Response AwsEndpoint(BusService& svc, http::RequestContext& ctx) {
  std::string target = ctx.Header("X-Amz-Target");
  auto reply = [&](int code, const json::object& body) {
    http::Response res = http::JsonResponse(static_cast<status>(code), json::serialize(body),
                                            ctx.request.version(), ctx.request.keep_alive());
    res.set(http::bhttp::field::content_type, "application/x-amz-json-1.1");
    res.set("x-amzn-RequestId", cloudevents::NewUuid());
    return res;
  };
  auto fail = [&](const AwsError& e) {
    return reply(e.http_status, json::object{{"__type", e.type}, {"message", e.message}});
  };
  const std::string prefix = "AWSEvents.";
  if (target.rfind(prefix, 0) != 0) {
    return fail({400, "UnknownOperationException",
                 "X-Amz-Target must be AWSEvents.<Operation> (got '" + target + "')"});
  }
  std::string op = target.substr(prefix.size());
  json::object in;
  if (!ctx.request.body().empty()) {
    auto v = ParseJson(ctx.request.body(), "request body");
    if (!v.ok() || !v->is_object()) {
      return fail({400, "SerializationException", "request body must be a JSON object"});
    }
    in = std::move(v->get_object());
  }
  auto out = RunAwsOperation(svc, op, in);
  if (!out.ok()) return fail(ToAwsError(out.error()));
  return reply(200, *out);
}

}  // namespace

void BusService::RegisterRoutes(http::Router& router) {
  BusService* self = this;
  using M = http::Method;

  // AWS JSON 1.1 (boto3 posts to "/").
  router.Add(M::post, "/", Wrap([self](http::RequestContext& ctx) { return AwsEndpoint(*self, ctx); }));

  // ---- events
  router.Add(M::post, "/v1/buses/{bus}/events", Wrap([self](http::RequestContext& ctx) {
    auto v = ParseJson(ctx.request.body(), "request body");
    if (!v.ok()) return Error(ctx, v.error());
    const json::array* entries = nullptr;
    if (v->is_array()) entries = &v->get_array();
    else if (v->is_object()) {
      auto e = OptArray(v->get_object(), "Entries");
      if (!e.ok()) return Error(ctx, e.error());
      entries = *e;
    }
    if (entries == nullptr) return Error(ctx, Status::InvalidArgument("body must be {\"Entries\":[...]} or [...]"));
    auto results = self->PutEvents(*entries, ctx.PathParam("bus"));
    if (!results.ok()) return Error(ctx, results.error());
    json::array out;
    int failed = 0;
    for (const auto& r : *results) {
      if (r.error_code.empty()) out.push_back(json::object{{"EventId", r.event_id}});
      else {
        ++failed;
        out.push_back(json::object{{"ErrorCode", r.error_code}, {"ErrorMessage", r.error_message}});
      }
    }
    return Json(ctx, json::object{{"FailedEntryCount", failed}, {"Entries", std::move(out)}});
  }));

  // ---- buses
  router.Add(M::get, "/v1/buses", Wrap([self](http::RequestContext& ctx) {
    json::array a;
    for (const auto& b : self->ListBuses()) a.push_back(ToJson(b, self->region()));
    return Json(ctx, json::object{{"EventBuses", std::move(a)}});
  }));
  router.Add(M::post, "/v1/buses", Wrap([self](http::RequestContext& ctx) {
    auto in = BodyObject(ctx);
    if (!in.ok()) return Error(ctx, in.error());
    auto spec = BusFromJson(*in);
    if (!spec.ok()) return Error(ctx, spec.error());
    auto b = self->CreateBus(spec->name, spec->partitions);
    if (!b.ok()) return Error(ctx, b.error());
    return Json(ctx, ToJson(*b, self->region()), status::created);
  }));
  router.Add(M::get, "/v1/buses/{bus}", Wrap([self](http::RequestContext& ctx) {
    auto b = self->DescribeBus(ctx.PathParam("bus"));
    if (!b.ok()) return Error(ctx, b.error());
    return Json(ctx, ToJson(*b, self->region()));
  }));
  router.Add(M::delete_, "/v1/buses/{bus}", Wrap([self](http::RequestContext& ctx) {
    Status s = self->DeleteBus(ctx.PathParam("bus"));
    if (!s.ok()) return Error(ctx, s);
    return Json(ctx, json::object{{"Deleted", ctx.PathParam("bus")}});
  }));

  // ---- rules
  router.Add(M::get, "/v1/buses/{bus}/rules", Wrap([self](http::RequestContext& ctx) {
    std::string bus = ctx.PathParam("bus");
    if (auto b = self->DescribeBus(bus); !b.ok()) return Error(ctx, b.error());
    json::array a;
    for (const auto& r : self->ListRules(bus)) a.push_back(RuleWithTargets(r, self->region()));
    return Json(ctx, json::object{{"Rules", std::move(a)}});
  }));
  router.Add(M::put, "/v1/buses/{bus}/rules/{rule}", Wrap([self](http::RequestContext& ctx) {
    auto in = BodyObject(ctx);
    if (!in.ok()) return Error(ctx, in.error());
    (*in)["Name"] = ctx.PathParam("rule");
    (*in)["EventBusName"] = ctx.PathParam("bus");
    auto spec = RuleFromJson(*in);
    if (!spec.ok()) return Error(ctx, spec.error());
    auto res = self->PutRule(*spec);
    if (!res.ok()) return Error(ctx, res.error());
    json::object out{{"RuleArn", res->rule_arn}};
    json::array w;
    for (const auto& x : res->warnings) w.emplace_back(x);
    out["Warnings"] = std::move(w);
    if (in->contains("Targets")) {
      // Declarative: the given targets replace the rule's targets.
      std::vector<std::string> remove;
      auto current = self->ListTargets(spec->bus, spec->name);
      if (current.ok()) {
        for (const auto& t : *current) {
          bool kept = false;
          for (const auto& n : spec->targets) kept |= (n.id == t.id);
          if (!kept) remove.push_back(t.id);
        }
      }
      if (!remove.empty()) {
        auto r = self->RemoveTargets(spec->bus, spec->name, remove);
        if (!r.ok()) return Error(ctx, r.error());
      }
      if (!spec->targets.empty()) {
        auto f = self->PutTargets(spec->bus, spec->name, spec->targets);
        if (!f.ok()) return Error(ctx, f.error());
        json::array fa;
        for (const auto& x : *f) {
          fa.push_back(json::object{{"TargetId", x.target_id}, {"ErrorCode", x.error_code}, {"ErrorMessage", x.error_message}});
        }
        out["FailedEntryCount"] = fa.size();
        out["FailedEntries"] = std::move(fa);
      }
    }
    return Json(ctx, out);
  }));
  router.Add(M::get, "/v1/buses/{bus}/rules/{rule}", Wrap([self](http::RequestContext& ctx) {
    auto r = self->DescribeRule(ctx.PathParam("bus"), ctx.PathParam("rule"));
    if (!r.ok()) return Error(ctx, r.error());
    return Json(ctx, RuleWithTargets(*r, self->region()));
  }));
  router.Add(M::delete_, "/v1/buses/{bus}/rules/{rule}", Wrap([self](http::RequestContext& ctx) {
    const std::string* force = ctx.Query("force");
    Status s = self->DeleteRule(ctx.PathParam("bus"), ctx.PathParam("rule"),
                                force != nullptr && (*force == "true" || *force == "1"));
    if (!s.ok()) return Error(ctx, s);
    return Json(ctx, json::object{{"Deleted", ctx.PathParam("rule")}});
  }));
  for (const char* action : {"enable", "disable"}) {
    bool enable = std::string(action) == "enable";
    router.Add(M::post, std::string("/v1/buses/{bus}/rules/{rule}/") + action,
               Wrap([self, enable](http::RequestContext& ctx) {
                 Status s = self->SetRuleEnabled(ctx.PathParam("bus"), ctx.PathParam("rule"), enable);
                 if (!s.ok()) return Error(ctx, s);
                 return Json(ctx, json::object{{"State", enable ? "ENABLED" : "DISABLED"}});
               }));
  }
  router.Add(M::get, "/v1/buses/{bus}/rules/{rule}/targets", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "ListTargetsByRule",
                 json::object{{"Rule", ctx.PathParam("rule")}, {"EventBusName", ctx.PathParam("bus")}});
  }));
  router.Add(M::put, "/v1/buses/{bus}/rules/{rule}/targets", Wrap([self](http::RequestContext& ctx) {
    auto in = BodyObject(ctx);
    if (!in.ok()) return Error(ctx, in.error());
    (*in)["Rule"] = ctx.PathParam("rule");
    (*in)["EventBusName"] = ctx.PathParam("bus");
    return RunOp(*self, ctx, "PutTargets", *in);
  }));
  router.Add(M::delete_, "/v1/buses/{bus}/rules/{rule}/targets/{id}", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "RemoveTargets",
                 json::object{{"Rule", ctx.PathParam("rule")},
                              {"EventBusName", ctx.PathParam("bus")},
                              {"Ids", json::array{json::value(ctx.PathParam("id"))}}});
  }));
  router.Add(M::post, "/v1/bus/test-pattern", Wrap([](http::RequestContext& ctx) {
    auto in = BodyObject(ctx);
    if (!in.ok()) return Error(ctx, in.error());
    auto text = [&](const char* key) -> std::string {
      auto it = in->find(key);
      if (it == in->end()) return "";
      return it->value().is_string() ? std::string(it->value().get_string()) : json::serialize(it->value());
    };
    std::string pattern = text("EventPattern"), event = text("Event");
    auto warnings = BusService::LintPattern(pattern);
    if (!warnings.ok()) return Error(ctx, warnings.error());
    auto r = BusService::TestEventPattern(pattern, event);
    if (!r.ok()) return Error(ctx, r.error());
    json::array w;
    for (const auto& x : *warnings) w.emplace_back(x);
    return Json(ctx, json::object{{"Result", *r}, {"Warnings", std::move(w)}});
  }));

  // ---- functions
  router.Add(M::get, "/v1/functions", Wrap([self](http::RequestContext& ctx) {
    json::array a;
    for (const auto& f : self->ListFunctions()) a.push_back(ToJson(f));
    return Json(ctx, json::object{{"Functions", std::move(a)}});
  }));
  auto put_function = [self](bool replace) {
    return Wrap([self, replace](http::RequestContext& ctx) {
      auto in = BodyObject(ctx);
      if (!in.ok()) return Error(ctx, in.error());
      auto it = ctx.path_params.find("name");
      if (it != ctx.path_params.end()) (*in)["Name"] = it->second;
      auto spec = FunctionFromJson(*in);
      if (!spec.ok()) return Error(ctx, spec.error());
      auto f = self->PutFunction(*spec, replace);
      if (!f.ok()) return Error(ctx, f.error());
      return Json(ctx, ToJson(*f), replace ? status::ok : status::created);
    });
  };
  router.Add(M::post, "/v1/functions", put_function(false));
  router.Add(M::put, "/v1/functions/{name}", put_function(true));
  router.Add(M::get, "/v1/functions/{name}", Wrap([self](http::RequestContext& ctx) {
    auto f = self->GetFunction(ctx.PathParam("name"));
    if (!f.ok()) return Error(ctx, f.error());
    return Json(ctx, ToJson(*f));
  }));
  router.Add(M::delete_, "/v1/functions/{name}", Wrap([self](http::RequestContext& ctx) {
    Status s = self->DeleteFunction(ctx.PathParam("name"));
    if (!s.ok()) return Error(ctx, s);
    return Json(ctx, json::object{{"Deleted", ctx.PathParam("name")}});
  }));

  // ---- archives and replays (AWS shapes)
  router.Add(M::get, "/v1/archives", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "ListArchives", json::object{});
  }));
  router.Add(M::post, "/v1/archives", Wrap([self](http::RequestContext& ctx) {
    auto in = BodyObject(ctx);
    if (!in.ok()) return Error(ctx, in.error());
    return RunOp(*self, ctx, "CreateArchive", *in, status::created);
  }));
  router.Add(M::get, "/v1/archives/{name}", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "DescribeArchive", json::object{{"ArchiveName", ctx.PathParam("name")}});
  }));
  router.Add(M::delete_, "/v1/archives/{name}", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "DeleteArchive", json::object{{"ArchiveName", ctx.PathParam("name")}});
  }));
  router.Add(M::get, "/v1/replays", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "ListReplays", json::object{});
  }));
  router.Add(M::post, "/v1/replays", Wrap([self](http::RequestContext& ctx) {
    auto in = BodyObject(ctx);
    if (!in.ok()) return Error(ctx, in.error());
    return RunOp(*self, ctx, "StartReplay", *in, status::created);
  }));
  router.Add(M::get, "/v1/replays/{name}", Wrap([self](http::RequestContext& ctx) {
    return RunOp(*self, ctx, "DescribeReplay", json::object{{"ReplayName", ctx.PathParam("name")}});
  }));
}

}  // namespace meshd::bus
