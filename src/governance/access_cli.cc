#include "governance/access_cli.h"

#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/http_client.h"

namespace meshd::governance::cli {

namespace json = boost::json;
using meshd::cli::HttpClient;
using meshd::cli::HttpResult;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConnection = 3;

struct CommonOptions {
  std::string server;
  std::string token;
  std::string data_dir;
  bool json = false;
};

std::string ReadTokenFile(const std::string& path) {
  std::ifstream f(path);
  std::string token;
  if (f) std::getline(f, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

void AddCommon(CLI::App* c, CommonOptions* o) {
  c->add_option("--server", o->server, "meshd HTTP address (env MESHD_SERVER, default http://127.0.0.1:8080)");
  c->add_option("--token", o->token, "API token (default: env MESHD_TOKEN, then <data-dir>/admin.token)");
  c->add_option("--data-dir", o->data_dir, "server data dir whose admin.token to use");
  c->add_flag("--json", o->json, "print JSON");
}

// Calls the server; prints errors. Returns an exit code.
int Call(const CommonOptions& o, const std::string& method, const std::string& target,
         const std::string& body, json::value* out) {
  std::string server = o.server;
  if (server.empty()) {
    const char* env = std::getenv("MESHD_SERVER");
    server = env != nullptr && *env != '\0' ? env : "http://127.0.0.1:8080";
  }
  auto url = meshd::cli::ParseServerUrl(server);
  if (!url.ok()) {
    std::cerr << "meshd: --server: " << url.error().message() << "\n";
    return kExitUsage;
  }
  HttpClient client(*url);
  std::map<std::string, std::string> headers;
  const std::string token = ResolveClientToken(o.token, o.data_dir);
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  auto r = client.Send(method, target, body, body.empty() ? "" : "application/json", headers);
  if (!r.ok()) {
    std::cerr << "meshd: cannot reach meshd at " << url->ToString() << ": " << r.error().message() << "\n";
    return kExitConnection;
  }
  if (r->status / 100 != 2) {
    std::cerr << "meshd: " << meshd::cli::DescribeHttpError(*r) << "\n";
    return kExitServerError;
  }
  boost::system::error_code ec;
  *out = json::parse(r->body, ec);
  if (ec) *out = json::value(r->body);
  return kExitOk;
}

std::string Str(const json::value& v, const char* key) {
  if (!v.is_object()) return {};
  const json::value* f = v.get_object().if_contains(key);
  if (!f) return {};
  if (f->is_string()) return std::string(f->get_string());
  return json::serialize(*f);
}

}  // namespace

std::string ResolveClientToken(const std::string& flag_token, const std::string& data_dir) {
  if (!flag_token.empty()) return flag_token;
  if (const char* env = std::getenv("MESHD_TOKEN"); env != nullptr && *env != '\0') return env;
  if (!data_dir.empty()) return ReadTokenFile(data_dir + "/admin.token");
  return ReadTokenFile("./meshd-data/admin.token");
}

void RegisterCommands(CLI::App& app, std::function<int()>* run) {
  auto* token = app.add_subcommand("token", "API tokens of principals (access control)");
  token->require_subcommand(1);

  {
    auto o = std::make_shared<CommonOptions>();
    auto domain = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto admin = std::make_shared<bool>(false);
    auto* c = token->add_subcommand("create", "create a principal and print its token (shown once)");
    c->add_option("--domain", *domain, "the domain the principal acts for (e.g. crm)");
    c->add_option("--name", *name, "principal name, also the Kafka SASL username (default: the domain)");
    c->add_flag("--admin", *admin, "platform admin: may do everything");
    AddCommon(c, o.get());
    c->callback([=] {
      *run = [=]() -> int {
        if (domain->empty() && !*admin) {
          std::cerr << "meshd: token create: --domain is required (or --admin)\n";
          return kExitUsage;
        }
        json::object body;
        body["domain"] = *domain;
        body["admin"] = *admin;
        body["name"] = name->empty() ? (domain->empty() ? std::string("admin-user") : *domain) : *name;
        json::value out;
        int rc = Call(*o, "POST", "/v1/principals", json::serialize(body), &out);
        if (rc != kExitOk) return rc;
        if (o->json) {
          std::cout << json::serialize(out) << "\n";
        } else {
          std::cout << Str(out, "token") << "\n";
          const json::value& p = out.as_object().at("principal");
          std::cerr << "created principal '" << Str(p, "name") << "' (domain '" << Str(p, "domain")
                    << "'" << (*admin ? ", admin" : "")
                    << "). The token above is shown only once; Kafka clients use SASL "
                       "username '" << Str(p, "name") << "' and the token as password.\n";
        }
        return kExitOk;
      };
    });
  }
  {
    auto o = std::make_shared<CommonOptions>();
    auto* c = token->add_subcommand("list", "list principals (never their tokens)");
    AddCommon(c, o.get());
    c->callback([=] {
      *run = [=]() -> int {
        json::value out;
        int rc = Call(*o, "GET", "/v1/principals", "", &out);
        if (rc != kExitOk) return rc;
        if (o->json) {
          std::cout << json::serialize(out) << "\n";
          return kExitOk;
        }
        for (const auto& p : out.as_object().at("principals").as_array()) {
          std::cout << Str(p, "name") << "\tdomain=" << Str(p, "domain") << "\tadmin=" << Str(p, "admin")
                    << "\ttoken=" << Str(p, "token_fingerprint") << "...\n";
        }
        return kExitOk;
      };
    });
  }
  {
    auto o = std::make_shared<CommonOptions>();
    auto name = std::make_shared<std::string>();
    auto* c = token->add_subcommand("revoke", "revoke a principal's token (effective at once)");
    c->add_option("name", *name, "principal name")->required();
    AddCommon(c, o.get());
    c->callback([=] {
      *run = [=]() -> int {
        json::value out;
        int rc = Call(*o, "DELETE", "/v1/principals/" + meshd::cli::UrlEncode(*name), "", &out);
        if (rc != kExitOk) return rc;
        std::cout << (o->json ? json::serialize(out) : "revoked " + *name) << "\n";
        return kExitOk;
      };
    });
  }
  {
    auto o = std::make_shared<CommonOptions>();
    auto principal = std::make_shared<std::string>();
    auto action = std::make_shared<std::string>();
    auto resource = std::make_shared<std::string>();
    auto limit = std::make_shared<int>(100);
    auto* c = app.add_subcommand("audit", "show the audit log: who created, changed, granted, released or read what");
    c->add_option("--principal", *principal, "only entries of this principal");
    c->add_option("--action", *action, "only this action (create, change, delete, produce, consume, ...)");
    c->add_option("--resource", *resource, "only resources containing this text (e.g. a topic)");
    c->add_option("--limit", *limit, "newest N entries")->check(CLI::Range(1, 100000));
    AddCommon(c, o.get());
    c->callback([=] {
      *run = [=]() -> int {
        std::string target = "/v1/audit?limit=" + std::to_string(*limit);
        if (!principal->empty()) target += "&principal=" + meshd::cli::UrlEncode(*principal);
        if (!action->empty()) target += "&action=" + meshd::cli::UrlEncode(*action);
        if (!resource->empty()) target += "&resource=" + meshd::cli::UrlEncode(*resource);
        json::value out;
        int rc = Call(*o, "GET", target, "", &out);
        if (rc != kExitOk) return rc;
        if (o->json) {
          std::cout << json::serialize(out) << "\n";
          return kExitOk;
        }
        for (const auto& e : out.as_object().at("entries").as_array()) {
          std::string who = Str(e, "principal");
          std::cout << Str(e, "time") << "  " << (who.empty() ? "-" : who) << "  " << Str(e, "action")
                    << "  " << Str(e, "resource") << "  " << Str(e, "outcome");
          std::string detail = Str(e, "detail");
          if (!detail.empty()) std::cout << "  (" << detail << ")";
          std::cout << "\n";
        }
        return kExitOk;
      };
    });
  }
}

}  // namespace meshd::governance::cli
