#include "governance/quarantine_cli.h"

#include <boost/json.hpp>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/http_client.h"

namespace meshd::governance::cli {
namespace {

namespace json = boost::json;
using meshd::cli::HttpClient;
using meshd::cli::kExitServerError;
using meshd::cli::kExitUsage;

std::string ServerOf(const QuarantineArgs& a) {
  if (!a.server.empty()) return a.server;
  const char* env = std::getenv("MESHD_SERVER");
  return env != nullptr ? env : "http://127.0.0.1:8080";
}

// Sends one request; prints the error and returns its exit code, or 0 with *out set.
int Call(const QuarantineArgs& a, const std::string& method, const std::string& target, const std::string& body,
         json::value* out) {
  auto url = meshd::cli::ParseServerUrl(ServerOf(a));
  if (!url.ok()) return meshd::cli::ReportError(Status::InvalidArgument("--server: " + url.error().message()));
  HttpClient client(*url);
  auto res = client.Send(method, target, body, body.empty() ? "" : "application/json");
  if (!res.ok()) return meshd::cli::ReportError(res.error());
  if (res->status / 100 != 2) {
    std::cerr << "meshd: " << meshd::cli::DescribeHttpError(*res) << "\n";
    return kExitServerError;
  }
  boost::system::error_code ec;
  *out = json::parse(res->body, ec);
  if (ec) {
    std::cerr << "meshd: server answered with invalid JSON\n";
    return kExitServerError;
  }
  return 0;
}

std::string Str(const json::value& v, const char* key) {
  const json::value* x = v.as_object().if_contains(key);
  if (x == nullptr) return "";
  if (x->is_string()) return std::string(x->get_string());
  return json::serialize(*x);
}

json::object Selection(const QuarantineArgs& a) {
  json::object o;
  if (a.all) {
    o["all"] = true;
  } else {
    json::array offs;
    for (int64_t x : a.offsets) offs.push_back(x);
    o["offsets"] = std::move(offs);
  }
  return o;
}

}  // namespace

int QuarantineList(const QuarantineArgs& a, std::ostream& out) {
  std::string target = "/v1/quarantine?limit=" + std::to_string(a.limit);
  if (!a.topic.empty()) target += "&topic=" + meshd::cli::UrlEncode(a.topic);
  json::value v;
  if (int rc = Call(a, "GET", target, "", &v); rc != 0) return rc;
  if (a.json) {
    out << json::serialize(v) << "\n";
    return 0;
  }
  const json::array& events = v.as_object().at("events").as_array();
  if (events.empty()) {
    out << "no quarantined events\n";
    return 0;
  }
  out << "TOPIC\tOFFSET\tRULE\tREASON\tVALUE\n";
  for (const json::value& e : events) {
    std::string value = Str(e, "value");
    if (value.size() > 60) value = value.substr(0, 57) + "...";
    out << Str(e, "topic") << "\t" << Str(e, "offset") << "\t" << Str(e, "rule") << "\t" << Str(e, "reason") << "\t"
        << value << "\n";
  }
  return 0;
}

int QuarantineRelease(const QuarantineArgs& a, std::ostream& out) {
  json::value v;
  if (int rc = Call(a, "POST", "/v1/quarantine/" + meshd::cli::UrlEncode(a.topic) + "/release",
                    json::serialize(Selection(a)), &v);
      rc != 0) {
    return rc;
  }
  if (a.json) {
    out << json::serialize(v) << "\n";
  } else {
    for (const json::value& r : v.at("released").as_array()) {
      out << "released offset " << Str(r, "offset") << " -> " << a.topic << "/" << Str(r, "partition") << "@"
          << Str(r, "source_offset") << "\n";
    }
    for (const json::value& k : v.at("kept").as_array()) {
      out << "kept offset " << Str(k, "offset") << ": " << Str(k, "reason") << "\n";
    }
    for (const json::value& n : v.at("not_found").as_array()) {
      out << "not pending: offset " << json::serialize(n) << "\n";
    }
  }
  bool partial = !v.at("kept").as_array().empty() || !v.at("not_found").as_array().empty();
  return partial ? kExitServerError : 0;
}

int QuarantineDrop(const QuarantineArgs& a, std::ostream& out) {
  json::value v;
  if (int rc = Call(a, "POST", "/v1/quarantine/" + meshd::cli::UrlEncode(a.topic) + "/drop",
                    json::serialize(Selection(a)), &v);
      rc != 0) {
    return rc;
  }
  if (a.json) {
    out << json::serialize(v) << "\n";
  } else {
    out << "dropped " << v.at("dropped").as_array().size() << " event(s)\n";
    for (const json::value& n : v.at("not_found").as_array()) {
      out << "not pending: offset " << json::serialize(n) << "\n";
    }
  }
  return v.at("not_found").as_array().empty() ? 0 : kExitServerError;
}

void RegisterQuarantineCommands(CLI::App& app, std::function<int()>* run) {
  CLI::App* q = app.add_subcommand("quarantine", "events a data contract diverted to <topic>.quarantine");
  q->require_subcommand(1);
  {
    auto a = std::make_shared<QuarantineArgs>();
    CLI::App* c = q->add_subcommand("list", "list pending quarantined events with their reasons");
    c->add_option("--server", a->server, "meshd server URL");
    c->add_option("--topic", a->topic, "source topic (default: every quarantine topic)");
    c->add_option("--limit", a->limit, "at most N events")->capture_default_str();
    c->add_flag("--json", a->json, "JSON output");
    c->callback([=] { *run = [=] { return QuarantineList(*a, std::cout); }; });
  }
  for (const char* verb : {"release", "drop"}) {
    auto a = std::make_shared<QuarantineArgs>();
    const bool release = std::string(verb) == "release";
    CLI::App* c = q->add_subcommand(
        verb, release ? "re-validate against the current contract and append passing events to the topic"
                      : "discard quarantined events");
    c->add_option("topic", a->topic, "source topic (or its .quarantine topic)")->required();
    c->add_option("--server", a->server, "meshd server URL");
    auto* offs = c->add_option("--offset", a->offsets, "quarantine offset (repeatable)");
    auto* all = c->add_flag("--all", a->all, "every pending event of the topic");
    offs->excludes(all);
    c->add_flag("--json", a->json, "JSON output");
    c->callback([=] {
      if (a->offsets.empty() && !a->all) {
        throw CLI::ValidationError("--offset/--all", "give --offset O (repeatable) or --all");
      }
      *run = [=] { return release ? QuarantineRelease(*a, std::cout) : QuarantineDrop(*a, std::cout); };
    });
  }
}

}  // namespace meshd::governance::cli
