#include "catalog/catalog_http.h"

#include "catalog/model_json.h"
#include "http/reply.h"

namespace meshd::catalog {

namespace json = boost::json;
using http::Method;
using http::Reply;
using http::RequestContext;

namespace {

Reply Send(const RequestContext& ctx, unsigned status, const json::value& v) {
  return http::ReplyJson(ctx, v, static_cast<http::bhttp::status>(status));
}

Reply Error(const RequestContext& ctx, unsigned status, const std::string& code, const std::string& message) {
  return Send(ctx, status, json::object{{"error_code", code}, {"message", message}});
}

bool Flag(const RequestContext& ctx, const char* name) {
  const std::string* v = ctx.Query(name);
  return v != nullptr && (*v == "true" || *v == "1" || v->empty());
}

std::string Param(const RequestContext& ctx, const char* name) {
  const std::string* v = ctx.Query(name);
  return v ? *v : std::string();
}

using Fn = std::function<Reply(RequestContext&)>;
http::Handler H(Fn fn) {
  return [fn = std::move(fn)](RequestContext& ctx) -> boost::asio::awaitable<Reply> { co_return fn(ctx); };
}

json::object Summary(const ProductCatalog& c, const DataProduct& p) {
  json::object o{{"name", p.name}, {"id", p.id}, {"domain", p.domain}, {"owner", p.owner},
                 {"description", p.description}, {"status", p.status}, {"version", p.version}};
  json::array tags, ports;
  for (const auto& t : p.tags) tags.emplace_back(t);
  for (const auto& port : p.outputs) {
    auto st = c.GetContractStatus(p.name, port.name);
    ports.push_back(json::object{{"name", port.name},
                                 {"topic", port.topic},
                                 {"schema_subject", port.schema_subject},
                                 {"schema_version", port.schema_version},
                                 {"contract_status", st ? st->status : std::string("unknown")}});
  }
  o["tags"] = std::move(tags);
  o["outputs"] = std::move(ports);
  json::array inputs;
  for (const auto& in : p.inputs) inputs.emplace_back(in.topic.empty() ? in.name : in.topic);
  o["inputs"] = std::move(inputs);
  return o;
}

json::object OutcomeJson(const ApplyOutcome& o) {
  json::array diff, steps;
  for (const auto& d : o.diff) diff.push_back(d.ToJson());
  for (const auto& s : o.steps) steps.emplace_back(s);
  json::object r{{"action", o.action}, {"dry_run", o.dry_run}, {"diff", std::move(diff)}, {"steps", std::move(steps)}};
  if (o.product) r["product"] = ProductToJson(*o.product);
  return r;
}

// The request body as a DescriptorBundle: a bundle JSON, or the descriptor itself.
DescriptorBundle BodyBundle(const RequestContext& ctx) {
  const std::string& body = ctx.request.body();
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (!ec && v.is_object() && v.get_object().contains("content") && v.get_object().contains("file")) {
    auto b = DescriptorBundle::FromJson(v);
    if (b.ok()) return *b;
  }
  DescriptorBundle b;
  b.file = Param(ctx, "file").empty() ? "request body" : Param(ctx, "file");
  b.content = body;
  return b;
}

}  // namespace

void RegisterCatalogRoutes(http::Router& router, ProductCatalog& catalog, std::function<ExportContext()> context) {
  ProductCatalog* c = &catalog;
  router.Add(Method::get, "/v1/products", H([c](RequestContext& ctx) {
    json::array a;
    for (const auto& p : c->List()) a.push_back(Summary(*c, *p));
    return Send(ctx, 200, json::object{{"products", std::move(a)}});
  }));
  router.Add(Method::post, "/v1/products", H([c](RequestContext& ctx) {
    DescriptorBundle b = BodyBundle(ctx);
    if (b.content.empty()) return Error(ctx, 400, "INVALID_DESCRIPTOR", "empty request body: send a descriptor");
    ApplyResult r = c->ApplyBundle(b, Flag(ctx, "dry_run"));
    if (!r.ok) return Send(ctx, static_cast<unsigned>(r.error.http_status()), r.error.ToJson());
    return Send(ctx, r.outcome.action == "created" && !r.outcome.dry_run ? 201 : 200, OutcomeJson(r.outcome));
  }));
  router.Add(Method::get, "/v1/products/{name}", H([c](RequestContext& ctx) {
    auto p = c->Find(ctx.PathParam("name"));
    if (!p) return Error(ctx, 404, "PRODUCT_NOT_FOUND", "data product '" + ctx.PathParam("name") + "' does not exist");
    return Send(ctx, 200, c->DescribeJson(*p));
  }));
  router.Add(Method::delete_, "/v1/products/{name}", H([c](RequestContext& ctx) {
    std::vector<std::string> steps;
    Status s = c->Delete(ctx.PathParam("name"), Flag(ctx, "delete_topics"), &steps);
    if (!s.ok()) {
      return Error(ctx, s.IsNotFound() ? 404 : 500, s.IsNotFound() ? "PRODUCT_NOT_FOUND" : "INTERNAL", s.message());
    }
    json::array a;
    for (const auto& st : steps) a.emplace_back(st);
    return Send(ctx, 200, json::object{{"deleted", ctx.PathParam("name")}, {"steps", std::move(a)}});
  }));
  router.Add(Method::get, "/v1/products/{name}/asyncapi", H([c, context](RequestContext& ctx) {
    auto p = c->Find(ctx.PathParam("name"));
    if (!p) return Error(ctx, 404, "PRODUCT_NOT_FOUND", "data product '" + ctx.PathParam("name") + "' does not exist");
    return Send(ctx, 200, AsyncApiDocument({p}, context(), "Data product " + p->name));
  }));
  router.Add(Method::get, "/v1/asyncapi", H([c, context](RequestContext& ctx) {
    return Send(ctx, 200, AsyncApiDocument(c->List(), context(), "meshd data mesh"));
  }));
  router.Add(Method::get, "/v1/catalog/search", H([c](RequestContext& ctx) {
    std::string q = Param(ctx, "q");
    json::array a;
    for (const auto& hit : c->Search(q)) {
      json::object o = Summary(*c, *hit.product);
      json::array m;
      for (const auto& s : hit.matched) m.emplace_back(s);
      o["matched"] = std::move(m);
      a.push_back(std::move(o));
    }
    return Send(ctx, 200, json::object{{"query", q}, {"results", std::move(a)}});
  }));
  router.Add(Method::get, "/v1/lineage", H([c, context](RequestContext& ctx) {
    std::string product = Param(ctx, "product");
    if (!product.empty() && !c->Find(product)) {
      return Error(ctx, 404, "PRODUCT_NOT_FOUND", "data product '" + product + "' does not exist");
    }
    std::string format = Param(ctx, "format");
    if (format == "openlineage") return Send(ctx, 200, OpenLineageEvents(*c, context()));
    if (!format.empty() && format != "json") {
      return Error(ctx, 400, "INVALID_ARGUMENT", "format must be json or openlineage, got '" + format + "'");
    }
    std::string dir = Param(ctx, "direction");
    if (!dir.empty() && dir != "upstream" && dir != "downstream" && dir != "both") {
      return Error(ctx, 400, "INVALID_ARGUMENT", "direction must be upstream, downstream or both, got '" + dir + "'");
    }
    return Send(ctx, 200, LineageGraphJson(*c, product, dir == "upstream", dir == "downstream"));
  }));
  router.Add(Method::get, "/v1/policies", H([c](RequestContext& ctx) { return Send(ctx, 200, c->policy().ToJson()); }));
  router.Add(Method::put, "/v1/policies", H([c](RequestContext& ctx) {
    auto p = GovernancePolicy::Parse(ctx.request.body(), "request body");
    if (!p.ok()) return Error(ctx, 400, "INVALID_POLICY", p.error().message());
    Status s = c->SetPolicy(*p);
    if (!s.ok()) return Error(ctx, 500, "INTERNAL", s.message());
    return Send(ctx, 200, p->ToJson());
  }));
}

}  // namespace meshd::catalog
