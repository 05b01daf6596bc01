#include "schema/registry_http.h"

#include <charconv>

namespace meshd::schema {

namespace json = boost::json;
using http::Method;
using http::Reply;
using http::RequestContext;

namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

Reply Send(const RequestContext& ctx, unsigned status, std::string body) {
  http::Response r{static_cast<http::bhttp::status>(status), ctx.request.version()};
  r.set(http::bhttp::field::content_type, kContentType);
  r.keep_alive(ctx.request.keep_alive());
  r.body() = std::move(body);
  r.prepare_payload();
  return Reply(std::move(r));
}

Reply Json(const RequestContext& ctx, const json::value& v) { return Send(ctx, 200, json::serialize(v)); }

Reply Error(const RequestContext& ctx, const RegistryError& e) {
  json::object o{{"error_code", e.error_code}, {"message", e.message}};
  return Send(ctx, static_cast<unsigned>(e.http_status()), json::serialize(o));
}

bool Flag(const RequestContext& ctx, const char* name) {
  const std::string* v = ctx.Query(name);
  return v != nullptr && (*v == "true" || *v == "TRUE" || *v == "True");
}

std::string Param(const RequestContext& ctx, const char* name) {
  const std::string* v = ctx.Query(name);
  return v ? *v : std::string();
}

json::value RefsJson(const std::vector<SchemaReference>& refs) {
  json::array a;
  for (const auto& r : refs) a.push_back(json::object{{"name", r.name}, {"subject", r.subject}, {"version", r.version}});
  return a;
}

json::object VersionJson(const VersionInfo& v, bool with_subject) {
  json::object o;
  if (with_subject) {
    o["subject"] = v.subject;
    o["version"] = v.version;
  }
  o["id"] = v.id;
  if (v.type != SchemaType::kAvro) o["schemaType"] = SchemaTypeName(v.type);
  if (!v.references.empty()) o["references"] = RefsJson(v.references);
  o["schema"] = v.schema;
  return o;
}

// Parses a register/lookup/compatibility body.
std::optional<RegistryError> ParseInput(const RequestContext& ctx, SchemaInput* in) {
  boost::system::error_code ec;
  json::value v = json::parse(ctx.request.body(), ec);
  if (ec || !v.is_object()) {
    return RegistryError{400, "Unrecognized request body: expected a JSON object with a 'schema' string"};
  }
  const auto& o = v.get_object();
  const auto* s = o.if_contains("schema");
  if (s == nullptr || !s->is_string() || s->get_string().empty()) {
    return RegistryError{42201, "Empty schema"};
  }
  in->schema = std::string(s->get_string());
  if (const auto* t = o.if_contains("schemaType"); t && t->is_string()) {
    auto type = ParseSchemaType(t->get_string());
    if (!type) return RegistryError{42201, "Invalid schema type '" + std::string(t->get_string()) + "'"};
    in->type = *type;
  }
  if (const auto* r = o.if_contains("references"); r && r->is_array()) {
    for (const auto& e : r->get_array()) {
      if (!e.is_object()) return RegistryError{42201, "Invalid schema reference " + json::serialize(e)};
      const auto& eo = e.get_object();
      SchemaReference ref;
      const auto* n = eo.if_contains("name");
      const auto* sub = eo.if_contains("subject");
      const auto* ver = eo.if_contains("version");
      if (!n || !n->is_string() || !sub || !sub->is_string() || !ver || !ver->is_int64()) {
        return RegistryError{42201, "Invalid schema reference " + json::serialize(e) +
                                        ": name, subject and version are required"};
      }
      ref.name = std::string(n->get_string());
      ref.subject = std::string(sub->get_string());
      ref.version = static_cast<int32_t>(ver->get_int64());
      in->references.push_back(std::move(ref));
    }
  }
  if (const auto* id = o.if_contains("id"); id && id->is_int64() && id->get_int64() > 0) {
    in->id = static_cast<int32_t>(id->get_int64());
  }
  if (const auto* ver = o.if_contains("version"); ver && ver->is_int64() && ver->get_int64() > 0) {
    in->version = static_cast<int32_t>(ver->get_int64());
  }
  return std::nullopt;
}

std::optional<int32_t> ParseId(const std::string& s) {
  int32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

json::value Ints(const std::vector<int32_t>& v) {
  json::array a;
  for (int32_t x : v) a.push_back(x);
  return a;
}

// Reads a {"compatibility": ...} or {"compatibilityLevel": ...} body.
std::string BodyField(const RequestContext& ctx, std::initializer_list<const char*> names) {
  boost::system::error_code ec;
  json::value v = json::parse(ctx.request.body(), ec);
  if (ec || !v.is_object()) return "";
  for (const char* n : names) {
    if (const auto* x = v.get_object().if_contains(n); x && x->is_string()) return std::string(x->get_string());
  }
  return "";
}

using Fn = std::function<Reply(RequestContext&)>;

http::Handler H(Fn fn) {
  return [fn = std::move(fn)](RequestContext& ctx) -> boost::asio::awaitable<Reply> { co_return fn(ctx); };
}

}  // namespace

void RegisterRegistryRoutes(http::Router& router, SchemaRegistry& reg) {
  SchemaRegistry* r = &reg;
  router.Add(Method::get, "/", H([](RequestContext& ctx) { return Json(ctx, json::object{}); }));
  router.Add(Method::get, "/schemas/types", H([](RequestContext& ctx) {
    return Json(ctx, json::array{"JSON", "AVRO"});
  }));
  router.Add(Method::get, "/contexts", H([](RequestContext& ctx) { return Json(ctx, json::array{"."}); }));

  // ---- schemas by id
  router.Add(Method::get, "/schemas/ids/{id}", H([r](RequestContext& ctx) {
    auto id = ParseId(ctx.PathParam("id"));
    if (!id) return Error(ctx, {40403, "Schema " + ctx.PathParam("id") + " not found"});
    auto v = r->GetSchemaById(*id);
    if (!v.ok()) return Error(ctx, v.error());
    json::object o = VersionJson(v.value(), false);
    o.erase("id");
    return Json(ctx, o);
  }));
  router.Add(Method::get, "/schemas/ids/{id}/schema", H([r](RequestContext& ctx) {
    auto id = ParseId(ctx.PathParam("id"));
    if (!id) return Error(ctx, {40403, "Schema " + ctx.PathParam("id") + " not found"});
    auto v = r->GetSchemaById(*id);
    if (!v.ok()) return Error(ctx, v.error());
    return Send(ctx, 200, v->schema);
  }));
  router.Add(Method::get, "/schemas/ids/{id}/subjects", H([r](RequestContext& ctx) {
    auto id = ParseId(ctx.PathParam("id"));
    if (!id) return Error(ctx, {40403, "Schema " + ctx.PathParam("id") + " not found"});
    auto v = r->SubjectVersionsForId(*id, Flag(ctx, "deleted"));
    if (!v.ok()) return Error(ctx, v.error());
    json::array a;
    for (const auto& [s, ver] : v.value()) {
      if (a.empty() || a.back().as_string() != s) a.push_back(json::string(s));
    }
    return Json(ctx, a);
  }));
  router.Add(Method::get, "/schemas/ids/{id}/versions", H([r](RequestContext& ctx) {
    auto id = ParseId(ctx.PathParam("id"));
    if (!id) return Error(ctx, {40403, "Schema " + ctx.PathParam("id") + " not found"});
    auto v = r->SubjectVersionsForId(*id, Flag(ctx, "deleted"));
    if (!v.ok()) return Error(ctx, v.error());
    json::array a;
    for (const auto& [s, ver] : v.value()) a.push_back(json::object{{"subject", s}, {"version", ver}});
    return Json(ctx, a);
  }));
  router.Add(Method::get, "/schemas", H([r](RequestContext& ctx) {
    json::array a;
    for (const auto& v : r->ListLatestSchemas(Param(ctx, "subjectPrefix"))) a.push_back(VersionJson(v, true));
    return Json(ctx, a);
  }));

  // ---- subjects
  router.Add(Method::get, "/subjects", H([r](RequestContext& ctx) {
    json::array a;
    for (const auto& s : r->ListSubjects(Param(ctx, "subjectPrefix"), Flag(ctx, "deleted"),
                                         Flag(ctx, "deletedOnly"))) {
      a.push_back(json::string(s));
    }
    return Json(ctx, a);
  }));
  router.Add(Method::post, "/subjects/{subject}/versions", H([r](RequestContext& ctx) {
    SchemaInput in;
    if (auto e = ParseInput(ctx, &in)) return Error(ctx, *e);
    std::string subject = ctx.PathParam("subject");
    SchemaType type = in.type;
    std::string text = in.schema;
    auto res = r->Register(subject, std::move(in));
    if (!res.ok()) return Error(ctx, res.error());
    json::object o{{"id", res->first}, {"version", res->second}, {"schema", text}};
    if (type != SchemaType::kAvro) o["schemaType"] = SchemaTypeName(type);
    return Json(ctx, o);
  }));
  router.Add(Method::post, "/subjects/{subject}", H([r](RequestContext& ctx) {
    SchemaInput in;
    if (auto e = ParseInput(ctx, &in)) return Error(ctx, *e);
    auto v = r->Lookup(ctx.PathParam("subject"), in, Flag(ctx, "deleted"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, VersionJson(v.value(), true));
  }));
  router.Add(Method::get, "/subjects/{subject}/versions", H([r](RequestContext& ctx) {
    auto v = r->ListVersions(ctx.PathParam("subject"), Flag(ctx, "deleted"), Flag(ctx, "deletedOnly"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, Ints(v.value()));
  }));
  router.Add(Method::get, "/subjects/{subject}/versions/{version}", H([r](RequestContext& ctx) {
    auto v = r->GetVersion(ctx.PathParam("subject"), ctx.PathParam("version"), Flag(ctx, "deleted"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, VersionJson(v.value(), true));
  }));
  router.Add(Method::get, "/subjects/{subject}/versions/{version}/schema", H([r](RequestContext& ctx) {
    auto v = r->GetVersion(ctx.PathParam("subject"), ctx.PathParam("version"), Flag(ctx, "deleted"));
    if (!v.ok()) return Error(ctx, v.error());
    return Send(ctx, 200, v->schema);
  }));
  router.Add(Method::get, "/subjects/{subject}/versions/{version}/referencedby", H([r](RequestContext& ctx) {
    auto v = r->ReferencedBy(ctx.PathParam("subject"), ctx.PathParam("version"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, Ints(v.value()));
  }));
  router.Add(Method::delete_, "/subjects/{subject}", H([r](RequestContext& ctx) {
    auto v = r->DeleteSubject(ctx.PathParam("subject"), Flag(ctx, "permanent"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, Ints(v.value()));
  }));
  router.Add(Method::delete_, "/subjects/{subject}/versions/{version}", H([r](RequestContext& ctx) {
    auto v = r->DeleteVersion(ctx.PathParam("subject"), ctx.PathParam("version"), Flag(ctx, "permanent"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::value(v.value()));
  }));

  // ---- compatibility
  auto compat = [r](RequestContext& ctx, const std::string& version) {
    SchemaInput in;
    if (auto e = ParseInput(ctx, &in)) return Error(ctx, *e);
    auto v = r->TestCompatibility(ctx.PathParam("subject"), version, in);
    if (!v.ok()) return Error(ctx, v.error());
    json::object o{{"is_compatible", v->empty()}};
    if (Flag(ctx, "verbose")) {
      json::array m;
      for (const auto& s : v.value()) m.push_back(json::string(s));
      o["messages"] = std::move(m);
    }
    return Json(ctx, o);
  };
  router.Add(Method::post, "/compatibility/subjects/{subject}/versions/{version}",
             H([compat](RequestContext& ctx) { return compat(ctx, ctx.PathParam("version")); }));
  router.Add(Method::post, "/compatibility/subjects/{subject}/versions",
             H([compat](RequestContext& ctx) { return compat(ctx, ""); }));

  // ---- config
  auto get_config = [r](RequestContext& ctx, const std::string& subject) {
    auto v = r->GetConfig(subject, Flag(ctx, "defaultToGlobal"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::object{{"compatibilityLevel", CompatibilityLevelName(v.value())}});
  };
  auto put_config = [r](RequestContext& ctx, const std::string& subject) {
    auto v = r->SetConfig(subject, BodyField(ctx, {"compatibility", "compatibilityLevel"}));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::object{{"compatibility", CompatibilityLevelName(v.value())}});
  };
  auto delete_config = [r](RequestContext& ctx, const std::string& subject) {
    auto v = r->DeleteConfig(subject);
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::object{{"compatibilityLevel", CompatibilityLevelName(v.value())}});
  };
  router.Add(Method::get, "/config", H([get_config](RequestContext& ctx) { return get_config(ctx, ""); }));
  router.Add(Method::put, "/config", H([put_config](RequestContext& ctx) { return put_config(ctx, ""); }));
  router.Add(Method::delete_, "/config", H([delete_config](RequestContext& ctx) { return delete_config(ctx, ""); }));
  router.Add(Method::get, "/config/{subject}",
             H([get_config](RequestContext& ctx) { return get_config(ctx, ctx.PathParam("subject")); }));
  router.Add(Method::put, "/config/{subject}",
             H([put_config](RequestContext& ctx) { return put_config(ctx, ctx.PathParam("subject")); }));
  router.Add(Method::delete_, "/config/{subject}",
             H([delete_config](RequestContext& ctx) { return delete_config(ctx, ctx.PathParam("subject")); }));

  // ---- mode
  auto get_mode = [r](RequestContext& ctx, const std::string& subject) {
    auto v = r->GetMode(subject, Flag(ctx, "defaultToGlobal"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::object{{"mode", RegistryModeName(v.value())}});
  };
  auto put_mode = [r](RequestContext& ctx, const std::string& subject) {
    auto v = r->SetMode(subject, BodyField(ctx, {"mode"}), Flag(ctx, "force"));
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::object{{"mode", RegistryModeName(v.value())}});
  };
  auto delete_mode = [r](RequestContext& ctx, const std::string& subject) {
    auto v = r->DeleteMode(subject);
    if (!v.ok()) return Error(ctx, v.error());
    return Json(ctx, json::object{{"mode", RegistryModeName(v.value())}});
  };
  router.Add(Method::get, "/mode", H([get_mode](RequestContext& ctx) { return get_mode(ctx, ""); }));
  router.Add(Method::put, "/mode", H([put_mode](RequestContext& ctx) { return put_mode(ctx, ""); }));
  router.Add(Method::delete_, "/mode", H([delete_mode](RequestContext& ctx) { return delete_mode(ctx, ""); }));
  router.Add(Method::get, "/mode/{subject}",
             H([get_mode](RequestContext& ctx) { return get_mode(ctx, ctx.PathParam("subject")); }));
  router.Add(Method::put, "/mode/{subject}",
             H([put_mode](RequestContext& ctx) { return put_mode(ctx, ctx.PathParam("subject")); }));
  router.Add(Method::delete_, "/mode/{subject}",
             H([delete_mode](RequestContext& ctx) { return delete_mode(ctx, ctx.PathParam("subject")); }));

  // ---- everything else: Confluent's 404 shape. /associations/... must be a
  // 404 (the npm client then falls back to TopicNameStrategy).
  auto not_found = H([](RequestContext& ctx) { return Error(ctx, {404, "HTTP 404 Not Found"}); });
  for (Method m : {Method::get, Method::post, Method::put, Method::delete_}) {
    router.Add(m, "/{rest...}", not_found);
  }
}

}  // namespace meshd::schema
