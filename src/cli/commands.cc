#include "cli/commands.h"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "cli/http_client.h"
#include "cloudevents/cloud_event.h"
#include "cloudevents/json_text.h"
#include "cloudevents/http_binding.h"

namespace meshd::cli {

namespace json = boost::json;

namespace {

std::atomic<bool> g_interrupted{false};

void OnSigint(int) { g_interrupted.store(true); }

Result<std::unique_ptr<HttpClient>> MakeClient(const std::string& server) {
  MESHD_ASSIGN_OR_RETURN(ServerUrl url, ParseServerUrl(server));
  return std::make_unique<HttpClient>(std::move(url));
}

// A non-2xx response as a Status carrying the server's message and symbol.
Status ServerError(const HttpResult& r) {
  return Status(StatusCode::kInternal, DescribeHttpError(r));
}

Result<json::value> ParseBody(const HttpResult& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return Status::Internal("server sent invalid JSON: " + r.body.substr(0, 200));
  return v;
}

std::string Str(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : cloudevents::SerializeJson(v);
}

}  // namespace

int ReportError(const Status& s) {
  std::cerr << "meshd: " << s.message() << std::endl;
  switch (s.code()) {
    case StatusCode::kUnavailable: return kExitConnection;
    case StatusCode::kInvalidArgument: return kExitUsage;
    default: return kExitServerError;
  }
}

// ---- topics

int RunTopicCreate(const ClientOptions& o, const std::string& name, int partitions,
                   const std::vector<std::string>& configs, std::ostream& out) {
  auto client = MakeClient(o.server);
  if (!client.ok()) return ReportError(client.error());
  json::object req;
  req["name"] = name;
  req["partitions"] = partitions;
  json::object cfg;
  for (const auto& kv : configs) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return ReportError(Status::InvalidArgument("--config expects key=value, got '" + kv + "'"));
    }
    cfg[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!cfg.empty()) req["config"] = std::move(cfg);
  auto r = (*client)->Post("/v1/topics", cloudevents::SerializeJson(req));
  if (!r.ok()) return ReportError(r.error());
  if (r->status / 100 != 2) return ReportError(ServerError(*r));
  if (o.json) {
    out << r->body << "\n";
  } else {
    out << "created topic '" << name << "' (" << partitions << " partition"
        << (partitions == 1 ? "" : "s") << ")\n";
  }
  return kExitOk;
}

int RunTopicList(const ClientOptions& o, std::ostream& out) {
  auto client = MakeClient(o.server);
  if (!client.ok()) return ReportError(client.error());
  auto r = (*client)->Get("/v1/topics");
  if (!r.ok()) return ReportError(r.error());
  if (r->status / 100 != 2) return ReportError(ServerError(*r));
  if (o.json) {
    out << r->body << "\n";
    return kExitOk;
  }
  auto v = ParseBody(*r);
  if (!v.ok()) return ReportError(v.error());
  for (const auto& t : v->at("topics").as_array()) out << Str(t) << "\n";
  return kExitOk;
}

int RunTopicDescribe(const ClientOptions& o, const std::string& name, std::ostream& out) {
  auto client = MakeClient(o.server);
  if (!client.ok()) return ReportError(client.error());
  auto r = (*client)->Get("/v1/topics/" + UrlEncode(name));
  if (!r.ok()) return ReportError(r.error());
  if (r->status / 100 != 2) return ReportError(ServerError(*r));
  if (o.json) {
    out << r->body << "\n";
    return kExitOk;
  }
  auto v = ParseBody(*r);
  if (!v.ok()) return ReportError(v.error());
  const auto& t = v->as_object();
  const auto& parts = t.at("partitions").as_array();
  out << "topic " << Str(t.at("name")) << "  partitions=" << parts.size();
  if (const auto* size = t.if_contains("size_bytes")) out << "  size_bytes=" << Str(*size);
  out << "\n";
  out << "  PARTITION  START_OFFSET  END_OFFSET\n";
  for (const auto& p : parts) {
    const auto& po = p.as_object();
    char line[128];
    std::snprintf(line, sizeof line, "  %9s  %12s  %10s\n", Str(po.at("partition")).c_str(),
                  Str(po.at("start_offset")).c_str(), Str(po.at("end_offset")).c_str());
    out << line;
  }
  if (const auto* cfg = t.if_contains("config"); cfg && cfg->is_object()) {
    out << "  config:\n";
    for (const auto& kv : cfg->as_object()) {
      out << "    " << std::string(kv.key()) << "=" << Str(kv.value()) << "\n";
    }
  }
  return kExitOk;
}

int RunTopicDelete(const ClientOptions& o, const std::string& name, std::ostream& out) {
  auto client = MakeClient(o.server);
  if (!client.ok()) return ReportError(client.error());
  auto r = (*client)->Delete("/v1/topics/" + UrlEncode(name));
  if (!r.ok()) return ReportError(r.error());
  if (r->status / 100 != 2) return ReportError(ServerError(*r));
  if (o.json) {
    out << r->body << "\n";
  } else {
    out << "deleted topic '" << name << "'\n";
  }
  return kExitOk;
}

// ---- produce

int RunProduce(const ClientOptions& o, const ProduceArgs& a, std::istream& in, std::ostream& out) {
  auto client = MakeClient(o.server);
  if (!client.ok()) return ReportError(client.error());
  std::ifstream file;
  std::istream* src = &in;
  if (!a.file.empty() && a.file != "-") {
    file.open(a.file);
    if (!file) return ReportError(Status::InvalidArgument("cannot open --file '" + a.file + "'"));
    src = &file;
  }
  std::string target = "/v1/topics/" + UrlEncode(a.topic) + "/events";
  if (!a.key.empty()) target += "?key=" + UrlEncode(a.key);
  cloudevents::HttpParseOptions wrap;
  wrap.wrap_source = a.source;

  json::array pending;
  int64_t produced = 0, duplicates = 0;
  auto flush = [&]() -> int {
    if (pending.empty()) return kExitOk;
    auto r = (*client)->Post(target, cloudevents::SerializeJson(pending),
                          std::string(cloudevents::kBatchContentType));
    pending.clear();
    if (!r.ok()) return ReportError(r.error());
    if (r->status / 100 != 2) return ReportError(ServerError(*r));
    auto v = ParseBody(*r);
    if (!v.ok()) return ReportError(v.error());
    for (const auto& res : v->at("results").as_array()) {
      const auto& ro = res.as_object();
      bool dup = ro.at("duplicate").as_bool();
      ++produced;
      if (dup) ++duplicates;
      if (o.json) {
        out << cloudevents::SerializeJson(res) << "\n";
      } else {
        out << "id=" << Str(ro.at("id")) << " partition=" << Str(ro.at("partition"))
            << " offset=" << Str(ro.at("offset")) << (dup ? " (duplicate)" : "") << "\n";
      }
    }
    return kExitOk;
  };

  std::string line;
  int64_t line_no = 0;
  while (std::getline(*src, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) {
      return ReportError(Status::InvalidArgument("line " + std::to_string(line_no) +
                                                 ": not valid JSON (" + ec.message() + ")"));
    }
    if (v.is_object() && v.as_object().contains("specversion")) {
      auto e = cloudevents::FromStructuredJson(v, "line " + std::to_string(line_no));
      if (!e.ok()) return ReportError(Status::InvalidArgument(e.error().message()));
      pending.push_back(std::move(v));
    } else {
      pending.push_back(cloudevents::ToStructuredJson(cloudevents::WrapPlainJson(v, wrap)));
    }
    if (static_cast<int>(pending.size()) >= std::max(1, a.batch)) {
      if (int rc = flush(); rc != kExitOk) return rc;
    }
  }
  if (int rc = flush(); rc != kExitOk) return rc;
  if (!o.json) {
    std::cerr << "produced " << produced << " event" << (produced == 1 ? "" : "s") << " to '"
              << a.topic << "'" << (duplicates ? " (" + std::to_string(duplicates) + " duplicates)" : "")
              << "\n";
  }
  return kExitOk;
}

// ---- consume

int RunConsume(const ClientOptions& o, const ConsumeArgs& a, std::ostream& out) {
  auto client = MakeClient(o.server);
  if (!client.ok()) return ReportError(client.error());
  const std::string member = "cli-" + cloudevents::NewUuid().substr(0, 8);
  const std::string base = "/v1/topics/" + UrlEncode(a.topic);
  auto prev = std::signal(SIGINT, OnSigint);
  int64_t consumed = 0;
  bool joined = false;
  int rc = kExitOk;
  while (!g_interrupted.load()) {
    int64_t want = 500;
    if (a.max >= 0) want = std::min<int64_t>(want, a.max - consumed);
    if (want <= 0) break;
    int64_t wait = a.follow ? 5000 : a.wait_ms;
    std::string target = base + "/events?group=" + UrlEncode(a.group) + "&member_id=" + member +
                         "&max=" + std::to_string(want) + "&wait_ms=" + std::to_string(wait) +
                         "&auto_commit=true&reset=" + (a.from_beginning ? "earliest" : "latest");
    auto r = (*client)->Get(target);
    if (!r.ok()) {
      rc = ReportError(r.error());
      break;
    }
    if (r->status / 100 != 2) {
      rc = ReportError(ServerError(*r));
      break;
    }
    auto v = ParseBody(*r);
    if (!v.ok()) {
      rc = ReportError(v.error());
      break;
    }
    joined = true;
    const auto& events = v->at("events").as_array();
    for (const auto& ev : events) {
      ++consumed;
      if (o.json) {
        out << cloudevents::SerializeJson(ev) << "\n";
        continue;
      }
      const auto& eo = ev.as_object();
      const auto& ce = eo.at("event").as_object();
      out << "[" << Str(eo.at("partition")) << ":" << Str(eo.at("offset")) << "]";
      if (!eo.at("key").is_null()) out << " key=" << Str(eo.at("key"));
      out << " type=" << Str(ce.at("type")) << " source=" << Str(ce.at("source"))
          << " id=" << Str(ce.at("id"));
      if (const auto* d = ce.if_contains("data")) out << " data=" << cloudevents::SerializeJson(*d);
      else if (const auto* d64 = ce.if_contains("data_base64")) out << " data_base64=" << Str(*d64);
      out << "\n";
    }
    out.flush();
    if (events.empty() && !a.follow) break;
  }
  // Leaving commits what this member received (auto-commit) and frees its
  // partitions for the rest of the group at once.
  if (joined) {
    (void)(*client)->Delete(base + "/groups/" + UrlEncode(a.group) + "/members/" + member);
  }
  std::signal(SIGINT, prev);
  if (!o.json && rc == kExitOk) {
    std::cerr << "consumed " << consumed << " event" << (consumed == 1 ? "" : "s") << " from '"
              << a.topic << "' as group '" << a.group << "'\n";
  }
  return rc;
}

// ---- bench

int RunProduceBench(const BenchArgs& a, std::ostream& out) {
  auto url = ParseServerUrl(a.server);
  if (!url.ok()) return ReportError(url.error());
  std::string topic = a.topic.empty() ? "bench-" + cloudevents::NewUuid().substr(0, 8) : a.topic;
  {
    HttpClient admin(*url);
    json::object req;
    req["name"] = topic;
    req["partitions"] = a.partitions;
    json::object cfg;
    cfg["fsync"] = a.fsync;
    req["config"] = std::move(cfg);
    auto r = admin.Post("/v1/topics", cloudevents::SerializeJson(req));
    if (!r.ok()) return ReportError(r.error());
    if (r->status / 100 != 2 && r->status != 409) return ReportError(ServerError(*r));
  }
  const int batch = std::max(1, a.batch);
  const int conc = std::max(1, a.concurrency);
  const int64_t total_batches = (a.events + batch - 1) / batch;
  std::atomic<int64_t> next_batch{0};
  std::atomic<int64_t> sent_events{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::vector<double> latencies_ms;
  Status first_error;
  std::string payload(static_cast<size_t>(std::max<int64_t>(0, a.size)), 'x');

  auto worker = [&](int w) {
    HttpClient client(*url);
    std::vector<double> local;
    std::string target = "/v1/topics/" + UrlEncode(topic) + "/events";
    int64_t seq = 0;
    for (;;) {
      int64_t b = next_batch.fetch_add(1);
      if (b >= total_batches || failed.load()) break;
      int64_t n = std::min<int64_t>(batch, a.events - b * batch);
      std::string body = "[";
      for (int64_t i = 0; i < n; ++i) {
        if (i) body += ",";
        body += R"({"specversion":"1.0","source":"/bench/)" + std::to_string(w) +
                R"(","type":"bench.event","id":")" + std::to_string(b) + "-" +
                std::to_string(seq++) + R"(","datacontenttype":"text/plain","data":")" + payload +
                R"("})";
      }
      body += "]";
      auto t0 = std::chrono::steady_clock::now();
      auto r = client.Post(target, body, std::string(cloudevents::kBatchContentType));
      auto t1 = std::chrono::steady_clock::now();
      if (!r.ok() || r->status / 100 != 2) {
        std::lock_guard lock(mu);
        if (!failed.exchange(true)) first_error = r.ok() ? ServerError(*r) : r.error();
        break;
      }
      local.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      sent_events.fetch_add(n);
    }
    std::lock_guard lock(mu);
    latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < conc; ++i) threads.emplace_back(worker, i);
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed.load()) return ReportError(first_error);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double q) {
    if (latencies_ms.empty()) return 0.0;
    size_t i = static_cast<size_t>(q * static_cast<double>(latencies_ms.size() - 1) + 0.5);
    return latencies_ms[std::min(i, latencies_ms.size() - 1)];
  };
  double events = static_cast<double>(sent_events.load());
  double eps = secs > 0 ? events / secs : 0;
  double mbps = secs > 0 ? events * static_cast<double>(a.size) / secs / 1e6 : 0;
  if (a.json) {
    json::object o;
    o["topic"] = topic;
    o["events"] = sent_events.load();
    o["event_bytes"] = a.size;
    o["batch"] = batch;
    o["concurrency"] = conc;
    o["fsync"] = a.fsync;
    o["seconds"] = secs;
    o["events_per_sec"] = eps;
    o["mb_per_sec"] = mbps;
    o["batch_latency_p50_ms"] = pct(0.50);
    o["batch_latency_p99_ms"] = pct(0.99);
    o["batch_latency_max_ms"] = latencies_ms.empty() ? 0.0 : latencies_ms.back();
    out << cloudevents::SerializeJson(o) << "\n";
  } else {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "bench produce: %lld events of %lld bytes, batch %d, concurrency %d, fsync %s\n"
                  "  %.0f events/s  %.2f MB/s  (%.2f s)\n"
                  "  request latency p50 %.2f ms  p99 %.2f ms  max %.2f ms\n",
                  static_cast<long long>(sent_events.load()), static_cast<long long>(a.size), batch,
                  conc, a.fsync.c_str(), eps, mbps, secs, pct(0.5), pct(0.99),
                  latencies_ms.empty() ? 0.0 : latencies_ms.back());
    out << buf;
  }
  return kExitOk;
}

// ---- registration

void RegisterClientCommands(CLI::App& app, std::function<int()>* run) {
  auto opts = std::make_shared<ClientOptions>();
  auto add_common = [opts](CLI::App* cmd) {
    cmd->add_option("--server", opts->server, "meshd server URL")
        ->capture_default_str()
        ->envname("MESHD_SERVER");
    cmd->add_flag("--json", opts->json, "machine-readable JSON output");
  };

  CLI::App* topic = app.add_subcommand("topic", "manage topics");
  topic->require_subcommand(1);
  {
    auto name = std::make_shared<std::string>();
    auto partitions = std::make_shared<int>(1);
    auto configs = std::make_shared<std::vector<std::string>>();
    CLI::App* c = topic->add_subcommand("create", "create a topic");
    c->add_option("name", *name, "topic name")->required();
    c->add_option("--partitions,-p", *partitions, "number of partitions")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    c->add_option("--config,-c", *configs, "topic config key=value (repeatable)");
    add_common(c);
    c->callback([=] {
      *run = [=] { return RunTopicCreate(*opts, *name, *partitions, *configs, std::cout); };
    });
  }
  {
    CLI::App* c = topic->add_subcommand("list", "list topics");
    add_common(c);
    c->callback([=] { *run = [=] { return RunTopicList(*opts, std::cout); }; });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = topic->add_subcommand("describe", "describe a topic");
    c->add_option("name", *name, "topic name")->required();
    add_common(c);
    c->callback([=] { *run = [=] { return RunTopicDescribe(*opts, *name, std::cout); }; });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* c = topic->add_subcommand("delete", "delete a topic");
    c->add_option("name", *name, "topic name")->required();
    add_common(c);
    c->callback([=] { *run = [=] { return RunTopicDelete(*opts, *name, std::cout); }; });
  }
  {
    auto a = std::make_shared<ProduceArgs>();
    CLI::App* c = app.add_subcommand(
        "produce", "publish JSON lines (CloudEvents if they have specversion, else plain values)");
    c->add_option("topic", a->topic, "topic")->required();
    c->add_option("--key,-k", a->key, "partition key for every event");
    c->add_option("--file,-f", a->file, "read from FILE instead of stdin");
    c->add_option("--batch", a->batch, "events per request")->capture_default_str();
    c->add_option("--source", a->source, "CloudEvents source for plain values")->capture_default_str();
    add_common(c);
    c->callback([=] { *run = [=] { return RunProduce(*opts, *a, std::cin, std::cout); }; });
  }
  {
    auto a = std::make_shared<ConsumeArgs>();
    CLI::App* c = app.add_subcommand("consume", "consume events with a consumer group");
    c->add_option("topic", a->topic, "topic")->required();
    c->add_option("--group,-g", a->group, "consumer group")->required();
    c->add_flag("--from-beginning", a->from_beginning,
                "start at the earliest offset when the group has no committed offset");
    c->add_flag("--follow,-F", a->follow, "keep waiting for new events (Ctrl-C to stop)");
    c->add_option("--max,-n", a->max, "stop after N events");
    c->add_option("--wait-ms", a->wait_ms, "long-poll wait without --follow")->capture_default_str();
    add_common(c);
    c->callback([=] { *run = [=] { return RunConsume(*opts, *a, std::cout); }; });
  }
}

}  // namespace meshd::cli
