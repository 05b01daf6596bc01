// PipelineService::RegisterRoutes: /v1/pipelines and /v1/query. Handlers run
// the blocking service calls (RocksDB opens, thread joins, SQLite) on a small
// worker pool so an I/O thread never waits on them.

#include <boost/asio/thread_pool.hpp>

#include "http/blocking_handler.h"
#include "http/reply.h"
#include "http/router.h"
#include "stream/pipeline_service.h"
#include "warehouse/query_service.h"

namespace meshd::stream {

namespace json = boost::json;
using http::bhttp::status;

namespace {

boost::asio::thread_pool& Pool() {
  static boost::asio::thread_pool pool(2);
  return pool;
}

using SyncFn = std::function<http::Response(http::RequestContext&)>;

http::Handler Wrap(SyncFn fn) { return http::OnWorkerPool(Pool(), "pipeline handler", std::move(fn)); }

}  // namespace

void PipelineService::RegisterRoutes(http::Router& router) {
  router.Add(http::Method::post, "/v1/pipelines", Wrap([this](http::RequestContext& ctx) {
               const std::string* replace = ctx.Query("replace");
               bool rep = replace && (*replace == "true" || *replace == "1");
               if (ctx.request.body().empty())
                 return http::ReplyError(ctx, Status::InvalidArgument("request body must be a pipeline definition (YAML or JSON)"),
                              "INVALID_PIPELINE");
               auto r = Create(ctx.request.body(), rep);
               if (!r.ok()) {
                 std::string_view sym = r.error().code() == StatusCode::kInvalidArgument ? "INVALID_PIPELINE" : "";
                 return http::ReplyError(ctx, r.error(), sym);
               }
               return http::ReplyJson(ctx, *r, status::created);
             }));
  router.Add(http::Method::get, "/v1/pipelines", Wrap([this](http::RequestContext& ctx) {
               return http::ReplyJson(ctx, json::object{{"pipelines", List()}});
             }));
  router.Add(http::Method::get, "/v1/pipelines/{name}", Wrap([this](http::RequestContext& ctx) {
               auto r = Get(ctx.PathParam("name"));
               if (!r.ok()) return http::ReplyError(ctx, r.error(), "PIPELINE_NOT_FOUND");
               return http::ReplyJson(ctx, *r);
             }));
  router.Add(http::Method::delete_, "/v1/pipelines/{name}", Wrap([this](http::RequestContext& ctx) {
               Status s = Delete(ctx.PathParam("name"));
               if (!s.ok()) return http::ReplyError(ctx, s, s.code() == StatusCode::kNotFound ? "PIPELINE_NOT_FOUND" : "");
               return http::ReplyJson(ctx, json::object{{"deleted", ctx.PathParam("name")}});
             }));
  warehouse::RegisterQueryRoutes(router, warehouse_path());
}

}  // namespace meshd::stream
