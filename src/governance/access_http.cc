#include "governance/access_http.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "http/error_mapping.h"

namespace meshd::governance {

namespace asio = boost::asio;
namespace json = boost::json;
using http::bhttp::status;
using http::Reply;
using http::RequestContext;

std::string BearerToken(std::string_view authorization) {
  while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
  if (authorization.size() < 7) return {};
  std::string scheme(authorization.substr(0, 7));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "bearer ") return {};
  std::string_view token = authorization.substr(7);
  while (!token.empty() && (token.front() == ' ')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\r')) token.remove_suffix(1);
  return std::string(token);
}

namespace {

Reply ErrorReply(const RequestContext& ctx, status st, std::string_view symbol,
                 const std::string& message) {
  http::Response res = http::ErrorResponse(st, symbol, message, ctx.request.version(),
                                           ctx.request.keep_alive());
  if (st == status::unauthorized) res.set(http::bhttp::field::www_authenticate, "Bearer realm=\"meshd\"");
  return Reply(std::move(res));
}

Reply JsonReply(const RequestContext& ctx, status st, const json::value& v) {
  return Reply(http::JsonResponse(st, json::serialize(v), ctx.request.version(),
                                  ctx.request.keep_alive()));
}

Identity IdentityFromContext(const RequestContext& ctx) {
  Identity id;
  id.name = ctx.principal;
  id.domain = ctx.principal_domain;
  id.admin = ctx.principal_admin;
  id.authenticated = !ctx.principal.empty();
  return id;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// What a route does to a topic, for the decision table. nullopt = no
// topic-level rule (authentication only).
struct TopicAccess {
  AccessAction action;
  std::string topic;
};

std::optional<TopicAccess> TopicAccessFor(const RequestContext& ctx) {
  using http::Method;
  const Method m = ctx.request.method();
  const std::string& r = ctx.route;
  const std::string topic = ctx.PathParam("topic");
  if (r == "/v1/topics/{topic}/events") {
    return TopicAccess{m == Method::post ? AccessAction::kProduce : AccessAction::kConsume, topic};
  }
  if (r == "/v1/topics/{topic}/stream" || r == "/v1/topics/{topic}/commit" ||
      StartsWith(r, "/v1/topics/{topic}/groups/")) {
    return TopicAccess{AccessAction::kConsume, topic};
  }
  if (r == "/v1/topics/{topic}" && m == Method::delete_) return TopicAccess{AccessAction::kManageTopic, topic};
  if (r == "/v1/topics/{topic}/config" || r == "/v1/topics/{topic}/partitions") {
    return TopicAccess{AccessAction::kManageTopic, topic};
  }
  if (r == "/v1/topics" && m == Method::post) {
    boost::system::error_code ec;
    json::value body = json::parse(ctx.request.body(), ec);
    if (!ec && body.is_object()) {
      if (const json::value* n = body.get_object().if_contains("name"); n && n->is_string())
        return TopicAccess{AccessAction::kManageTopic, std::string(n->get_string())};
    }
  }
  return std::nullopt;
}

// Topics a bus request would make a rule write to (topic targets and
// dead-letter topics in a "Targets" array of the body).
std::vector<std::string> BusTargetTopics(const RequestContext& ctx) {
  std::vector<std::string> out;
  const bool aws = ctx.route == "/";
  const bool rules = StartsWith(ctx.route, "/v1/buses/{bus}/rules/");
  if (!aws && !rules) return out;
  boost::system::error_code ec;
  json::value body = json::parse(ctx.request.body(), ec);
  if (ec || !body.is_object()) return out;
  const json::value* targets = body.get_object().if_contains("Targets");
  if (!targets || !targets->is_array()) return out;
  constexpr std::string_view kTopicArn = "arn:meshd:topic:";
  auto add = [&](const json::value* arn) {
    if (arn && arn->is_string() && StartsWith(arn->get_string(), kTopicArn))
      out.push_back(std::string(arn->get_string()).substr(kTopicArn.size()));
  };
  for (const json::value& t : targets->get_array()) {
    if (!t.is_object()) continue;
    add(t.get_object().if_contains("Arn"));
    if (const json::value* dl = t.get_object().if_contains("DeadLetterConfig"); dl && dl->is_object())
      add(dl->get_object().if_contains("Arn"));
  }
  return out;
}

bool AdminOnly(const RequestContext& ctx) {
  const std::string& route = ctx.route;
  if (StartsWith(route, "/v1/policies")) return ctx.request.method() != http::Method::get;
  return StartsWith(route, "/v1/principals") || StartsWith(route, "/v1/audit");
}

// Self-service products: a non-admin may apply or delete only products of
// its own domain. Returns the refusal, or "" when allowed.
std::string ProductRefusal(AccessControl& access, const DescriptorDomainFn& descriptor_domain,
                           const RequestContext& ctx, const Identity& who) {
  using http::Method;
  if (who.admin) return {};
  if (ctx.route == "/v1/products" && ctx.request.method() == Method::post) {
    if (!descriptor_domain) return "only admins may apply data products";
    auto domain = descriptor_domain(ctx);
    if (!domain.ok()) return {};  // the catalog reports the descriptor problem
    if (*domain == who.domain) return {};
    return "principal '" + who.name + "' (domain '" + who.domain +
           "') may not apply a data product of domain '" + *domain + "'";
  }
  if (ctx.route == "/v1/products/{name}" && ctx.request.method() == Method::delete_) {
    const catalog::ProductDirectory* dir = access.directory();
    auto product = dir ? dir->Find(ctx.PathParam("name")) : nullptr;
    if (!product || product->domain == who.domain) return {};
    return "principal '" + who.name + "' (domain '" + who.domain +
           "') may not delete data product '" + product->name + "' of domain '" +
           product->domain + "'";
  }
  return {};
}

// Data routes are audited as produce/consume (throttled) by the checks.
bool AuditedAsData(const RequestContext& ctx) {
  if (ctx.route == "/") {  // AWS JSON API: PutEvents is data, the rest is admin
    const std::string target = ctx.Header("X-Amz-Target");
    return target.size() >= 9 && target.compare(target.size() - 9, 9, "PutEvents") == 0;
  }
  return ctx.route == "/v1/topics/{topic}/events" || ctx.route == "/v1/topics/{topic}/commit" ||
         ctx.route == "/v1/buses/{bus}/events";
}

std::string AuditAction(const RequestContext& ctx) {
  using http::Method;
  if (ctx.path.find("/release") != std::string::npos) return "release";
  if (ctx.path.find("/grants") != std::string::npos) return "grant";
  switch (ctx.request.method()) {
    case Method::post: return "create";
    case Method::put:
    case Method::patch: return "change";
    case Method::delete_: return "delete";
    default: return std::string(ctx.request.method_string());
  }
}

asio::awaitable<Reply> Guard(AccessControl& access, const DescriptorDomainFn& descriptor_domain,
                             RequestContext& ctx, const http::Handler& next) {
  if (ctx.route == "/healthz" || ctx.route == "/metrics") co_return co_await next(ctx);
  const std::string authorization = ctx.Header("Authorization");
  const std::string token = BearerToken(authorization);
  if (!token.empty()) {
    auto id = access.AuthenticateToken(token);
    if (!id) {
      access.audit().RecordAccess({"", "authenticate", "route:" + ctx.route, "denied",
                                   "invalid or revoked token from " + ctx.remote});
      co_return ErrorReply(ctx, status::unauthorized, "UNAUTHENTICATED",
                           "the bearer token is invalid or has been revoked");
    }
    ctx.principal = id->name;
    ctx.principal_domain = id->domain;
    ctx.principal_admin = id->admin;
  } else if (access.enforced()) {
    co_return ErrorReply(ctx, status::unauthorized, "UNAUTHENTICATED",
                         authorization.empty()
                             ? "authentication required: send 'Authorization: Bearer <token>' "
                               "(create tokens with 'meshd token create')"
                             : "unsupported Authorization scheme: use 'Bearer <token>'");
  }
  const Identity who = IdentityFromContext(ctx);
  if (access.enforced()) {
    if (AdminOnly(ctx) && !who.admin) {
      access.audit().Record({who.name, AuditAction(ctx), ctx.path, "denied", "admin only"});
      co_return ErrorReply(ctx, status::forbidden, "FORBIDDEN",
                           "principal '" + who.name + "' may not use " + ctx.route + " (admins only)");
    }
    if (auto ta = TopicAccessFor(ctx)) {
      AccessDecision d = access.Check(who, ta->action, ta->topic);
      if (!d.allowed) co_return ErrorReply(ctx, status::forbidden, "FORBIDDEN", d.reason);
    }
    if (std::string refusal = ProductRefusal(access, descriptor_domain, ctx, who); !refusal.empty()) {
      access.audit().Record({who.name, AuditAction(ctx), ctx.path, "denied", refusal});
      co_return ErrorReply(ctx, status::forbidden, "FORBIDDEN", refusal);
    }
    for (const std::string& topic : BusTargetTopics(ctx)) {
      AccessDecision d = access.Check(who, AccessAction::kProduce, topic);
      if (!d.allowed)
        co_return ErrorReply(ctx, status::forbidden, "FORBIDDEN", "bus target: " + d.reason);
    }
  }
  Reply reply = co_await next(ctx);
  const auto m = ctx.request.method();
  if (m != http::Method::get && m != http::Method::head && !AuditedAsData(ctx)) {
    const unsigned code = reply.response.result_int();
    access.audit().Record({who.name, AuditAction(ctx), ctx.path,
                           code < 400 ? "ok" : (code == 401 || code == 403 ? "denied" : "error"),
                           std::string(ctx.request.method_string()) + " " + ctx.route + " -> " +
                               std::to_string(code)});
  }
  co_return reply;
}

asio::awaitable<Reply> WhoAmI(AccessControl& access, RequestContext& ctx) {
  json::object o;
  o["principal"] = ctx.principal.empty() ? json::value(nullptr) : json::value(ctx.principal);
  o["domain"] = ctx.principal_domain;
  o["admin"] = ctx.principal_admin;
  o["auth"] = access.enforced() ? "required" : "off";
  co_return JsonReply(ctx, status::ok, o);
}

asio::awaitable<Reply> CreatePrincipal(AccessControl& access, RequestContext& ctx) {
  boost::system::error_code ec;
  json::value body = json::parse(ctx.request.body(), ec);
  if (ec || !body.is_object())
    co_return ErrorReply(ctx, status::bad_request, "MALFORMED_JSON",
                         "create principal: body must be a JSON object {\"name\",\"domain\",\"admin\"}");
  const auto& o = body.get_object();
  auto str = [&](const char* k) {
    const json::value* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  bool admin = false;
  if (const json::value* a = o.if_contains("admin")) {
    if (!a->is_bool())
      co_return ErrorReply(ctx, status::bad_request, "INVALID_ARGUMENT",
                           "create principal: 'admin' must be a boolean");
    admin = a->get_bool();
  }
  std::string name = str("name");
  const std::string domain = str("domain");
  if (name.empty()) name = domain;  // one principal per domain unless named
  if (name.empty())
    co_return ErrorReply(ctx, status::bad_request, "INVALID_ARGUMENT",
                         "create principal: 'name' or 'domain' is required");
  auto created = access.principals().Create(name, domain, admin, ctx.principal);
  if (!created.ok()) {
    std::string_view sym = created.error().code() == StatusCode::kAlreadyExists ? "PRINCIPAL_EXISTS"
                                                                                 : std::string_view();
    co_return Reply(http::ErrorResponse(created.error(), sym, ctx.request.version(),
                                        ctx.request.keep_alive()));
  }
  json::object out;
  out["principal"] = PrincipalToPublicJson(created->principal);
  out["token"] = created->token;
  co_return JsonReply(ctx, status::created, out);
}

asio::awaitable<Reply> ListPrincipals(AccessControl& access, RequestContext& ctx) {
  json::array a;
  for (const Principal& p : access.principals().List()) a.push_back(PrincipalToPublicJson(p));
  co_return JsonReply(ctx, status::ok, json::object{{"principals", std::move(a)}});
}

asio::awaitable<Reply> RevokePrincipal(AccessControl& access, RequestContext& ctx) {
  const std::string& name = ctx.PathParam("name");
  Status s = access.principals().Revoke(name);
  if (!s.ok()) {
    co_return Reply(http::ErrorResponse(s, s.IsNotFound() ? "PRINCIPAL_NOT_FOUND" : "",
                                        ctx.request.version(), ctx.request.keep_alive()));
  }
  co_return JsonReply(ctx, status::ok, json::object{{"revoked", name}});
}

asio::awaitable<Reply> ReadAudit(AccessControl& access, RequestContext& ctx) {
  AuditLog::Query q;
  if (const std::string* v = ctx.Query("principal")) q.principal = *v;
  if (const std::string* v = ctx.Query("action")) q.action = *v;
  if (const std::string* v = ctx.Query("resource")) q.resource = *v;
  if (const std::string* v = ctx.Query("limit")) {
    char* end = nullptr;
    long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0' || n < 1 || n > 100000)
      co_return ErrorReply(ctx, status::bad_request, "INVALID_ARGUMENT",
                           "query parameter 'limit' must be an integer in [1, 100000]");
    q.limit = static_cast<size_t>(n);
  }
  auto entries = access.audit().Read(q);
  if (!entries.ok())
    co_return Reply(http::ErrorResponse(entries.error(), "", ctx.request.version(),
                                        ctx.request.keep_alive()));
  json::array a;
  for (auto& e : *entries) a.push_back(std::move(e));
  co_return JsonReply(ctx, status::ok, json::object{{"entries", std::move(a)}});
}

}  // namespace

void InstallHttpAccess(http::Router& router, AccessControl& access,
                       DescriptorDomainFn descriptor_domain) {
  using http::Method;
  AccessControl* ac = &access;
  auto domain_fn = std::make_shared<const DescriptorDomainFn>(std::move(descriptor_domain));
  router.set_middleware([ac, domain_fn](RequestContext& ctx, const http::Handler& next) {
    return Guard(*ac, *domain_fn, ctx, next);
  });
  auto bind = [ac](asio::awaitable<Reply> (*fn)(AccessControl&, RequestContext&)) {
    return [ac, fn](RequestContext& ctx) { return fn(*ac, ctx); };
  };
  router.Add(Method::get, "/v1/whoami", bind(&WhoAmI));
  router.Add(Method::post, "/v1/principals", bind(&CreatePrincipal));
  router.Add(Method::get, "/v1/principals", bind(&ListPrincipals));
  router.Add(Method::delete_, "/v1/principals/{name}", bind(&RevokePrincipal));
  router.Add(Method::get, "/v1/audit", bind(&ReadAudit));
}

}  // namespace meshd::governance
