// `meshd demo`: the retail data mesh of product.md, end to end, on an
// embedded server with every component (HTTP API, Kafka listener, schema
// registry, catalog, governance, event bus, pipelines, warehouse).
//
//  1. provisions examples/retail: the crm, pos and digital_workplace data
//     products (ODPS + ODCS), the `retail` bus with its rules and Python
//     lambda_handler functions, and the pipelines (enrichment, revenue per
//     store per minute, premium-purchase alerts);
//  2. plays RetailGenerator for --duration seconds: CRM and HR systems put
//     their events on the bus, the POS terminals publish CloudEvents to
//     pos_transactions (some malformed), the presence producer stalls;
//  3. waits for the pipelines and functions to drain, then prints what
//     happened from the warehouse and the catalog, each figure beside the
//     generator's reference answer. Exit code 1 when they disagree.

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "app/components.h"
#include "app/demo_generator.h"
#include "app/mesh_server.h"
#include "base/clock.h"
#include "base/logging.h"
#include "bus/cli.h"
#include "catalog/cli.h"
#include "cli/commands.h"
#include "cli/http_client.h"
#include "cloudevents/cloud_event.h"
#include "cloudevents/json_text.h"

#ifndef MESHD_SOURCE_DIR
#define MESHD_SOURCE_DIR "."
#endif

namespace meshd::app {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr const char* kBus = "retail";
constexpr const char* kSalesTopic = "pos_transactions";

// Where examples/retail lives: --examples, $MESHD_EXAMPLES, next to the
// source tree this binary was built from, or ./examples/retail.
fs::path ExamplesDir(const DemoArgs& args) {
  if (!args.examples.empty()) return args.examples;
  if (const char* env = std::getenv("MESHD_EXAMPLES")) return env;
  fs::path built = fs::path(MESHD_SOURCE_DIR) / "examples" / "retail";
  if (fs::exists(built)) return built;
  return fs::path("examples") / "retail";
}

Status Check(const Result<cli::HttpResult>& r, const std::string& what) {
  if (!r.ok()) return Status(r.error().code(), what + ": " + r.error().message());
  if (r->status / 100 != 2) return Status::Internal(what + ": " + cli::DescribeHttpError(*r));
  return Status::Ok();
}

Result<json::value> GetJson(cli::HttpClient& c, const std::string& target) {
  auto r = c.Get(target);
  MESHD_TRY(Check(r, "GET " + target));
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec) return Status::Internal("GET " + target + ": response is not JSON");
  return v;
}

// Files under `dir` whose name ends with `suffix`, sorted (deterministic order).
std::vector<fs::path> FilesEndingWith(const fs::path& dir, const std::string& suffix, bool recursive) {
  std::vector<fs::path> out;
  std::error_code ec;
  auto add = [&](const fs::directory_entry& e) {
    std::string n = e.path().filename().string();
    if (e.is_regular_file() && n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(e.path());
  };
  if (recursive) {
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) add(e);
  } else {
    for (const auto& e : fs::directory_iterator(dir, ec)) add(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A query over the warehouse: rows of the first column(s) as JSON values.
Result<json::array> Query(cli::HttpClient& c, const std::string& sql) {
  MESHD_ASSIGN_OR_RETURN(json::value v, GetJson(c, "/v1/query?sql=" + cli::UrlEncode(sql)));
  if (!v.is_object() || !v.as_object().contains("rows")) return Status::Internal("query: no rows in the response");
  return v.as_object().at("rows").as_array();
}

double Num(const json::value& v) {
  if (v.is_number()) return v.to_number<double>();
  if (v.is_string()) return std::atof(std::string(v.as_string()).c_str());
  return 0;
}

std::string Str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "";
  return json::serialize(v);
}

// Money as "1234.50" (SQLite returns REAL, which JSON prints as 1.2345E3).
std::string Money(const json::value& v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << Num(v);
  return s.str();
}

// An epoch-millisecond column as RFC 3339 UTC.
std::string When(const json::value& v) { return cloudevents::FormatRfc3339(static_cast<int64_t>(Num(v))); }

// Sum of (end - start) over the partitions of `topic`; 0 when it does not exist.
int64_t TopicCount(cli::HttpClient& c, const std::string& topic) {
  auto r = c.Get("/v1/topics/" + cli::UrlEncode(topic));
  if (!r.ok() || r->status != 200) return 0;
  boost::system::error_code ec;
  json::value v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return 0;
  int64_t n = 0;
  if (const json::value* parts = v.as_object().if_contains("partitions"); parts && parts->is_array()) {
    for (const auto& p : parts->as_array()) {
      n += p.at("end_offset").to_number<int64_t>() - p.at("start_offset").to_number<int64_t>();
    }
  }
  return n;
}

// Polls `probe` until it returns `want` (or stops changing for `settle_ms`
// once `want` is negative) or `timeout_ms` passes. Returns the last value.
template <typename Probe>
int64_t WaitFor(Probe probe, int64_t want, int64_t timeout_ms, int64_t settle_ms = 2000) {
  int64_t deadline = MonoMillis() + timeout_ms;
  int64_t last = probe(), last_change = MonoMillis();
  while (MonoMillis() < deadline) {
    if (want >= 0 && last == want) return last;
    if (want < 0 && MonoMillis() - last_change >= settle_ms) return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling interval of a bounded wait
    int64_t now = probe();
    if (now != last) {
      last = now;
      last_change = MonoMillis();
    }
  }
  return last;
}

json::object CloudEventOf(const DemoEvent& e) {
  json::object ce;
  ce["specversion"] = "1.0";
  ce["id"] = e.id;
  ce["source"] = e.source;
  ce["type"] = e.type;
  ce["time"] = cloudevents::FormatRfc3339(e.time_ms);
  ce["datacontenttype"] = "application/json";
  ce["partitionkey"] = e.key;
  ce["data"] = e.data;
  return ce;
}

json::object BusEntryOf(const DemoEvent& e) {
  json::object entry;
  entry["Source"] = e.source;
  entry["DetailType"] = e.type;
  entry["Detail"] = json::serialize(e.data);
  entry["Time"] = cloudevents::FormatRfc3339(e.time_ms);
  entry["Resources"] = json::array{json::string("meshd:demo:" + e.domain)};
  return entry;
}

// Step 1: products, bus, functions and pipelines from examples/retail.
Status Provision(cli::HttpClient& client, const std::string& url, const fs::path& examples,
                 std::ostream& log) {
  // Data products (ODPS descriptors; their ODCS contracts and schemas sit beside them).
  for (const auto& file : FilesEndingWith(examples, ".odps.yaml", /*recursive=*/true)) {
    catalog::cli::ProductCliArgs a;
    a.server = url;
    a.file = file.string();
    std::ostringstream captured;
    int rc = catalog::cli::Apply(a, captured);
    if (rc != 0) return Status::Internal("provisioning " + file.string() + " failed:\n" + captured.str());
    log << "  product   " << fs::relative(file, examples).string() << "\n";
  }
  // The workplace's own topics, which the functions publish to.
  for (const char* topic : {"workplace_users", "workplace_directory", "workplace_notifications"}) {
    auto r = client.Post("/v1/topics", json::serialize(json::object{{"name", topic}, {"partitions", 1}}));
    if (!r.ok()) return r.error();
    if (r->status / 100 != 2 && r->status != 409) return Status::Internal(std::string("create topic ") + topic + ": " + cli::DescribeHttpError(*r));
  }
  // The bus, its rules and functions: the same calls `meshd rule apply -f` makes.
  fs::path rules = examples / "bus" / "rules.yaml";
  MESHD_ASSIGN_OR_RETURN(std::string rules_yaml, ReadFile(rules));
  std::vector<bus::cli::PlannedCall> calls;
  std::string error;
  if (!bus::cli::PlanApply(rules_yaml, rules.parent_path().string(), &calls, &error)) {
    return Status::InvalidArgument(rules.string() + ": " + error);
  }
  for (auto& call : calls) {
    // Functions publish their results back over the HTTP API: tell them where.
    if (call.path.rfind("/v1/functions", 0) == 0 && !call.body.empty()) {
      json::value body = json::parse(call.body);
      json::object& env = body.as_object()["Environment"].emplace_object();
      env["MESHD_URL"] = url;
      call.body = json::serialize(body);
    }
    auto r = client.Send(call.method, call.path, call.body, "application/json");
    if (!r.ok()) return r.error();
    if (r->status / 100 != 2 && r->status != 409) {
      return Status::Internal(call.method + " " + call.path + ": " + cli::DescribeHttpError(*r));
    }
  }
  log << "  bus       " << fs::relative(rules, examples).string() << " (" << calls.size() << " definitions)\n";
  // Pipelines.
  for (const auto& file : FilesEndingWith(examples / "pipelines", ".yaml", /*recursive=*/false)) {
    MESHD_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
    auto r = client.Post("/v1/pipelines", text, "application/yaml");
    MESHD_TRY(Check(r, "pipeline " + file.string()));
    log << "  pipeline  " << fs::relative(file, examples).string() << "\n";
  }
  return Status::Ok();
}

struct SendStats {
  std::map<std::string, int64_t> sent_per_domain;
  int64_t bus_failed = 0;
  int64_t http_rejected = 0;
};

// Step 2: plays the generator at its rate. CRM and HR go through the bus,
// POS through the topic's HTTP endpoint.
Status Play(cli::HttpClient& client, RetailGenerator& gen, double rate, std::ostream& log, SendStats* stats) {
  const int64_t start = MonoMillis();
  int64_t sent = 0, next_progress = 5000;
  std::vector<DemoEvent> batch;
  bool done = false;
  while (!done) {
    // Everything due by now, at most 200 events per round.
    int64_t due = static_cast<int64_t>((MonoMillis() - start) * rate / 1000.0) + 1;
    batch.clear();
    while (sent + static_cast<int64_t>(batch.size()) < due && batch.size() < 200) {
      auto e = gen.Next();
      if (!e) {
        done = true;
        break;
      }
      batch.push_back(std::move(*e));
    }
    json::array bus_entries, sales;
    for (const auto& e : batch) {
      if (e.domain == "pos") sales.push_back(CloudEventOf(e));
      else bus_entries.push_back(BusEntryOf(e));
      ++stats->sent_per_domain[e.domain];
    }
    // PutEvents takes at most 10 entries per call, as EventBridge does.
    for (size_t i = 0; i < bus_entries.size(); i += 10) {
      json::array chunk(bus_entries.begin() + static_cast<std::ptrdiff_t>(i),
                        bus_entries.begin() + static_cast<std::ptrdiff_t>(std::min(bus_entries.size(), i + 10)));
      auto r = client.Post(std::string("/v1/buses/") + kBus + "/events",
                           json::serialize(json::object{{"Entries", std::move(chunk)}}));
      MESHD_TRY(Check(r, "PutEvents"));
      json::value v = json::parse(r->body);
      if (const json::value* f = v.as_object().if_contains("FailedEntryCount")) stats->bus_failed += f->to_number<int64_t>();
    }
    if (!sales.empty()) {
      auto r = client.Post(std::string("/v1/topics/") + kSalesTopic + "/events", json::serialize(sales),
                           "application/cloudevents-batch+json");
      if (!r.ok()) return r.error();
      if (r->status / 100 != 2) ++stats->http_rejected;
    }
    sent += static_cast<int64_t>(batch.size());
    int64_t elapsed = MonoMillis() - start;
    if (elapsed >= next_progress) {
      log << "  " << std::setw(3) << elapsed / 1000 << " s  " << sent << " events sent (crm "
          << stats->sent_per_domain["crm"] << ", pos " << stats->sent_per_domain["pos"] << ", hr "
          << stats->sent_per_domain["hr"] << ")\n"
          << std::flush;
      next_progress += 5000;
    }
    if (!done && static_cast<int64_t>((MonoMillis() - start) * rate / 1000.0) + 1 <= sent) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // pacing to the configured rate
    }
  }
  return Status::Ok();
}

struct Section {
  std::string title;
  std::vector<std::string> lines;
};

}  // namespace

int RunDemo(const DemoArgs& args, std::ostream& out) {
  logging::Init("warn");
  const fs::path examples = ExamplesDir(args);
  if (!fs::exists(examples / "bus" / "rules.yaml")) {
    return cli::ReportError(Status::NotFound("examples not found at " + examples.string() +
                                             " (give --examples DIR or set MESHD_EXAMPLES)"));
  }
  ServeOptions o;
  o.data_dir = args.data_dir.empty()
                   ? (fs::temp_directory_path() / ("meshd-demo-" + cloudevents::NewUuid().substr(0, 8))).string()
                   : args.data_dir;
  o.http = "127.0.0.1:0";
  o.kafka = "127.0.0.1:0";
  o.registry = "127.0.0.1:0";
  MeshServer server(o);
  AddStandardComponents(server);
  Status s = server.Start();
  if (!s.ok()) return cli::ReportError(s);
  const std::string url = server.http_url();
  cli::HttpClient client(*cli::ParseServerUrl(url));
  auto finish = [&](int rc) {
    server.Stop();
    if (!args.keep && args.data_dir.empty()) {
      std::error_code ec;
      fs::remove_all(o.data_dir, ec);
    }
    return rc;
  };
  auto fail = [&](const Status& st) { return finish(cli::ReportError(st)); };

  std::ostream& log = args.json ? std::cerr : out;
  log << "meshd demo: the retail data mesh on an embedded server\n"
      << "  console   " << url << "/\n"
      << "  metrics   " << url << "/metrics\n"
      << "  listening " << server.ListeningLine() << "\n"
      << "  data dir  " << o.data_dir << (args.keep ? "" : "  (removed on exit; --keep keeps it)") << "\n\n"
      << "provisioning " << examples.string() << "\n";
  if (Status p = Provision(client, url, examples, log); !p.ok()) return fail(p);

  GeneratorOptions g;
  g.duration_ms = static_cast<int64_t>(args.duration_s * 1000);
  g.events_per_second = args.rate;
  g.start_ms = WallMillis();
  RetailGenerator gen(g);
  log << "\nplaying " << gen.total_events() << " events over " << args.duration_s << " s (crm and hr via bus '"
      << kBus << "', pos via topic " << kSalesTopic << ")\n";
  SendStats sent;
  if (Status p = Play(client, gen, args.rate, log, &sent); !p.ok()) return fail(p);
  const Expected& x = gen.expected();

  // Step 3: let functions and pipelines drain (bounded waits on the outputs).
  log << "draining pipelines and functions...\n" << std::flush;
  int64_t quarantined = WaitFor([&] { return TopicCount(client, std::string(kSalesTopic) + ".quarantine"); },
                                x.malformed_sales, 20'000);
  int64_t provisioned = WaitFor([&] { return TopicCount(client, "workplace_users"); }, x.customers_created, 30'000);
  int64_t directory = WaitFor([&] { return TopicCount(client, "workplace_directory"); }, x.department_changes, 30'000);
  auto count_rows = [&](const std::string& table) -> int64_t {
    auto rows = Query(client, "SELECT COUNT(*) FROM " + table);
    return rows.ok() && !rows->empty() ? static_cast<int64_t>(Num(rows->at(0).as_array().at(0))) : -1;
  };
  int64_t enriched = WaitFor([&] { return count_rows("enriched_sales"); }, x.valid_sales, 30'000);
  // Revenue: wait until the table's total equals the valid sales' (windows
  // are upserted as they fill and finalised when the watermark passes).
  auto revenue_cents = [&]() -> int64_t {
    auto rows = Query(client, "SELECT COALESCE(SUM(revenue), 0) FROM revenue_per_store_minute");
    return rows.ok() && !rows->empty() ? std::llround(Num(rows->at(0).as_array().at(0)) * 100) : -1;
  };
  int64_t revenue = WaitFor(revenue_cents, std::llround(x.valid_revenue * 100), 30'000);
  int64_t alerts = WaitFor([&] { return TopicCount(client, "workplace_notifications"); }, x.large_premium_purchases,
                           20'000);
  // The presence producer stalled a third into the run; its 15 s freshness
  // SLA trips on the contract monitor's own timer, events or not.
  auto presence_red = [&]() -> int64_t {
    auto c = GetJson(client, "/v1/contracts");
    if (!c.ok()) return 0;
    for (const auto& st : c->at("contracts").as_array()) {
      if (Str(st.at("port")) == "employee_presence" && Str(st.at("status")) == "red") return 1;
    }
    return 0;
  };
  WaitFor(presence_red, 1, 30'000);

  std::vector<Section> sections;
  bool consistent = true;
  auto verdict = [&](bool ok) {
    consistent = consistent && ok;
    return ok ? "  [matches]" : "  [MISMATCH]";
  };
  std::ostringstream fmt;
  fmt << std::fixed << std::setprecision(2);

  // Events per domain: the end offsets of each domain's product topics.
  {
    Section sec{"events per domain (product topics, from the catalog)", {}};
    auto products = GetJson(client, "/v1/products");
    std::map<std::string, int64_t> per_domain;
    std::map<std::string, std::vector<std::string>> topics_of;
    if (products.ok()) {
      for (const auto& p : products->at("products").as_array()) {
        std::string domain = Str(p.at("domain"));
        for (const auto& port : p.at("outputs").as_array()) {
          std::string topic = Str(port.at("topic"));
          per_domain[domain] += TopicCount(client, topic);
          topics_of[domain].push_back(topic);
        }
      }
    }
    for (const auto& [domain, n] : per_domain) {
      std::ostringstream l;
      l << std::left << std::setw(20) << domain << std::right << std::setw(8) << n << "  ";
      for (const auto& t : topics_of[domain]) l << t << " ";
      sec.lines.push_back(l.str());
    }
    std::ostringstream l;
    l << "generated: crm " << x.events_per_domain.at("crm") << ", pos " << x.events_per_domain.at("pos") << " ("
      << x.malformed_sales << " malformed), hr " << x.events_per_domain.at("hr");
    sec.lines.push_back(l.str());
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"enriched sales (warehouse table enriched_sales)", {}};
    std::ostringstream l;
    l << enriched << " rows; valid sales generated " << x.valid_sales << verdict(enriched == x.valid_sales);
    sec.lines.push_back(l.str());
    auto seg = Query(client, "SELECT customer_segment, COUNT(*), ROUND(SUM(amount), 2) FROM enriched_sales GROUP BY customer_segment ORDER BY customer_segment");
    if (seg.ok()) {
      for (const auto& r : *seg) {
        const auto& a = r.as_array();
        std::ostringstream row;
        row << "  segment " << std::left << std::setw(10) << (Str(a.at(0)).empty() ? "(none)" : Str(a.at(0)))
            << std::right << std::setw(6) << Str(a.at(1)) << " sales  " << std::setw(12) << Money(a.at(2));
        sec.lines.push_back(row.str());
      }
    }
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"revenue per store per minute (warehouse table revenue_per_store_minute)", {}};
    auto rows = Query(client, "SELECT store_id, window_start, sales, ROUND(revenue, 2) FROM revenue_per_store_minute ORDER BY window_start, store_id");
    if (rows.ok()) {
      for (const auto& r : *rows) {
        const auto& a = r.as_array();
        std::ostringstream row;
        row << "  " << std::left << std::setw(10) << Str(a.at(0)) << std::setw(26) << When(a.at(1)) << std::right
            << std::setw(6) << Str(a.at(2)) << " sales  " << std::setw(12) << Money(a.at(3));
        sec.lines.push_back(row.str());
      }
    } else {
      sec.lines.push_back("  query failed: " + rows.error().message());
    }
    std::ostringstream l;
    l << std::fixed << std::setprecision(2) << "total " << static_cast<double>(revenue) / 100.0
      << "; sum of the valid sales " << x.valid_revenue << verdict(revenue == std::llround(x.valid_revenue * 100));
    sec.lines.push_back(l.str());
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"alerts raised (premium customer, purchase over 500)", {}};
    int64_t raised = count_rows("premium_purchase_alerts");
    std::ostringstream l;
    l << raised << " alerts in premium_purchase_alerts; reference " << x.large_premium_purchases
      << verdict(raised == x.large_premium_purchases);
    sec.lines.push_back(l.str());
    std::ostringstream n;
    n << alerts << " delivered by rule premium-purchase-alert to notify_sales_rep (workplace_notifications)"
      << verdict(alerts == x.large_premium_purchases);
    sec.lines.push_back(n.str());
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"provisioned workplace users (CustomerCreated -> rule -> lambda_handler)", {}};
    std::ostringstream l;
    l << provisioned << " users in workplace_users; customers created " << x.customers_created
      << verdict(provisioned == x.customers_created);
    sec.lines.push_back(l.str());
    std::ostringstream d;
    d << directory << " directory syncs in workplace_directory; department changes " << x.department_changes
      << verdict(directory == x.department_changes);
    sec.lines.push_back(d.str());
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"quarantined events (pos_transactions.quarantine)", {}};
    std::ostringstream l;
    l << quarantined << " quarantined; malformed sales generated " << x.malformed_sales
      << verdict(quarantined == x.malformed_sales);
    sec.lines.push_back(l.str());
    // Grouped by the contract rule that failed, with one example reason.
    std::map<std::string, std::pair<int64_t, std::string>> by_rule;
    auto q = GetJson(client, std::string("/v1/quarantine?topic=") + kSalesTopic);
    if (q.ok()) {
      for (const auto& e : q->at("events").as_array()) {
        auto& [n, example] = by_rule[Str(e.at("rule"))];
        if (n++ == 0) example = Str(e.at("reason"));
      }
    }
    for (const auto& [rule, entry] : by_rule) {
      std::ostringstream r;
      r << "  " << std::setw(5) << entry.first << "  " << std::left << std::setw(26) << rule << " e.g. " << entry.second;
      sec.lines.push_back(r.str());
    }
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"contract status", {}};
    auto c = GetJson(client, "/v1/contracts");
    bool presence_red = false;
    if (c.ok()) {
      for (const auto& st : c->at("contracts").as_array()) {
        const auto& o2 = st.as_object();
        std::ostringstream l;
        l << "  " << std::left << std::setw(22) << Str(o2.at("product")) << std::setw(22) << Str(o2.at("port"))
          << std::setw(7) << Str(o2.at("status"));
        if (const json::value* r = o2.if_contains("reason")) l << Str(*r);
        sec.lines.push_back(l.str());
        if (Str(o2.at("port")) == "employee_presence" && Str(o2.at("status")) == "red") presence_red = true;
      }
    }
    std::ostringstream l;
    l << "stalled presence producer flagged: " << (presence_red ? "yes" : "no") << verdict(presence_red);
    sec.lines.push_back(l.str());
    sections.push_back(std::move(sec));
  }
  {
    Section sec{"lineage (GET /v1/lineage)", {}};
    auto g2 = GetJson(client, "/v1/lineage");
    if (g2.ok()) {
      for (const auto& e : g2->at("edges").as_array()) {
        sec.lines.push_back("  " + Str(e.at("from")) + " -> " + Str(e.at("to")) + "  (" + Str(e.at("kind")) + ")");
      }
    }
    sections.push_back(std::move(sec));
  }

  if (args.json) {
    json::object summary;
    summary["http"] = url;
    summary["consistent"] = consistent;
    json::object secs;
    for (const auto& sec : sections) {
      json::array lines;
      for (const auto& l : sec.lines) lines.emplace_back(l);
      secs[sec.title] = std::move(lines);
    }
    summary["sections"] = std::move(secs);
    summary["expected"] = json::object{{"valid_sales", x.valid_sales},
                                       {"malformed_sales", x.malformed_sales},
                                       {"valid_revenue", x.valid_revenue},
                                       {"customers_created", x.customers_created},
                                       {"large_premium_purchases", x.large_premium_purchases}};
    out << json::serialize(summary) << "\n";
  } else {
    out << "\n";
    for (const auto& sec : sections) {
      out << "== " << sec.title << "\n";
      for (const auto& l : sec.lines) out << l << "\n";
      out << "\n";
    }
    out << "where to look: meshd query \"SELECT * FROM revenue_per_store_minute\", meshd catalog search pos,\n"
        << "meshd quarantine list --topic pos_transactions, " << url << "/metrics\n\n"
        << (consistent ? "demo OK: every figure matches the generator's reference"
                       : "demo FAILED: some figures differ from the generator's reference")
        << "\n";
  }
  return finish(consistent ? 0 : 1);
}

}  // namespace meshd::app
