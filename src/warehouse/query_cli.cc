#include "warehouse/query_service.h"

#include <boost/json.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/http_client.h"
#include "warehouse/query.h"

namespace meshd::warehouse {

namespace json = boost::json;

namespace {

struct QueryArgs {
  std::string server = "http://127.0.0.1:8080";
  std::string sql;
  bool json = false;
  bool csv = false;
  int64_t max_rows = 10000;
};

int RunQuery(const QueryArgs& a, std::ostream& out) {
  auto url = cli::ParseServerUrl(a.server);
  if (!url.ok()) return cli::ReportError(url.error());
  cli::HttpClient client(*url);
  auto r = client.Get("/v1/query?sql=" + cli::UrlEncode(a.sql) + "&max_rows=" + std::to_string(a.max_rows));
  if (!r.ok()) return cli::ReportError(r.error());
  if (r->status != 200) {
    std::cerr << "meshd: " << cli::DescribeHttpError(*r) << "\n";
    return r->status == 400 ? cli::kExitUsage : cli::kExitServerError;
  }
  if (a.json) {
    out << r->body << "\n";
    return cli::kExitOk;
  }
  json::value v;
  try {
    v = json::parse(r->body);
  } catch (const std::exception& e) {
    std::cerr << "meshd: server sent an unreadable query result: " << e.what() << "\n";
    return cli::kExitServerError;
  }
  auto qr = QueryResultFromJson(v);
  if (!qr.ok()) return cli::ReportError(qr.error());
  out << (a.csv ? RenderCsv(*qr) : RenderTable(*qr));
  return cli::kExitOk;
}

}  // namespace

void RegisterQueryCommand(CLI::App& app, std::function<int()>* run) {
  auto a = std::make_shared<QueryArgs>();
  CLI::App* c = app.add_subcommand("query", "run a read-only SQL query over the warehouse");
  c->add_option("sql", a->sql, "the SELECT statement")->required();
  c->add_option("--server", a->server, "meshd server URL")->capture_default_str();
  auto* j = c->add_flag("--json", a->json, "print the JSON result");
  c->add_flag("--csv", a->csv, "print CSV")->excludes(j);
  c->add_option("--max-rows", a->max_rows, "row limit")->capture_default_str();
  c->callback([=] { *run = [=] { return RunQuery(*a, std::cout); }; });
}

}  // namespace meshd::warehouse
