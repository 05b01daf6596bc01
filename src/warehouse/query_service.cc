#include "warehouse/query_service.h"

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <memory>

#include "http/blocking_handler.h"
#include "http/reply.h"
#include "http/router.h"
#include "warehouse/query.h"

namespace meshd::warehouse {

namespace json = boost::json;
using http::bhttp::status;

namespace {

boost::asio::thread_pool& QueryPool() {
  static boost::asio::thread_pool pool(2);
  return pool;
}

http::Response Answer(const http::RequestContext& ctx, const std::string& db_path) {
  const std::string* sql = ctx.Query("sql");
  if (!sql || sql->empty())
    return http::ReplyError(ctx, Status::InvalidArgument("query parameter 'sql' is required"), "BAD_SQL");
  QueryOptions qo;
  if (const std::string* m = ctx.Query("max_rows")) {
    try {
      qo.max_rows = std::stoll(*m);
    } catch (...) {
      return http::ReplyError(ctx, Status::InvalidArgument("max_rows must be an integer"));
    }
  }
  QueryError qe;
  auto r = RunReadOnlyQuery(db_path, *sql, qo, &qe);
  if (!r.ok()) return http::ReplyError(ctx, r.error(), qe.code);
  const std::string* format = ctx.Query("format");
  if (format && *format == "csv") {
    http::Response res{status::ok, ctx.request.version()};
    res.set(http::bhttp::field::content_type, "text/csv; charset=utf-8");
    res.keep_alive(ctx.request.keep_alive());
    res.body() = RenderCsv(*r);
    res.prepare_payload();
    return res;
  }
  return http::ReplyJson(ctx, QueryResultToJson(*r));
}

}  // namespace

void RegisterQueryRoutes(http::Router& router, std::string db_path) {
  router.Add(http::Method::get, "/v1/query",
             http::OnWorkerPool(QueryPool(), "query", [db_path = std::move(db_path)](http::RequestContext& ctx) {
               return Answer(ctx, db_path);
             }));
}

}  // namespace meshd::warehouse
