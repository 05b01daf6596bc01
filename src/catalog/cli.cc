#include "catalog/cli.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "catalog/descriptor.h"
#include "cli/commands.h"
#include "cli/http_client.h"

namespace meshd::catalog::cli {

namespace json = boost::json;
using meshd::cli::HttpClient;
using meshd::cli::HttpResult;
using meshd::cli::UrlEncode;

namespace {

std::string ServerUrl(const ProductCliArgs& a) {
  if (!a.server.empty()) return a.server;
  if (const char* e = std::getenv("MESHD_SERVER")) return e;
  return "http://127.0.0.1:8080";
}

std::string S(const json::value* v) {
  if (!v) return "";
  return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
}

// Prints the server's refusal: the first line as every CLI error, then one
// indented line per violation / reason / error.
int ReportRefusal(const HttpResult& r) {
  std::cerr << "meshd: " << meshd::cli::DescribeHttpError(r) << "\n";
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (const auto* vs = o.if_contains("violations"); vs && vs->is_array()) {
      for (const auto& x : vs->get_array()) {
        std::cerr << "  - [" << S(x.as_object().if_contains("policy")) << "] " << S(x.as_object().if_contains("message")) << "\n";
      }
    }
    for (const char* k : {"reasons", "errors", "undone"}) {
      if (const auto* xs = o.if_contains(k); xs && xs->is_array()) {
        for (const auto& x : xs->get_array()) std::cerr << "  - " << (std::string(k) == "undone" ? "undone: " : "") << S(&x) << "\n";
      }
    }
  }
  return meshd::cli::kExitServerError;
}

// One request; on success returns the response, else prints and sets *code.
std::optional<HttpResult> Call(const ProductCliArgs& a, const std::string& method, const std::string& target,
                               const std::string& body, const std::string& content_type, int* code) {
  auto url = meshd::cli::ParseServerUrl(ServerUrl(a));
  if (!url.ok()) {
    *code = meshd::cli::ReportError(url.error());
    return std::nullopt;
  }
  HttpClient client(*url);
  auto r = client.Send(method, target, body, content_type);
  if (!r.ok()) {
    *code = meshd::cli::ReportError(r.error());
    return std::nullopt;
  }
  if (r->status / 100 != 2) {
    *code = ReportRefusal(*r);
    return std::nullopt;
  }
  *code = 0;
  return std::move(*r);
}

std::optional<json::value> ParseJson(const HttpResult& r, int* code) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) {
    std::cerr << "meshd: server sent invalid JSON\n";
    *code = meshd::cli::kExitServerError;
    return std::nullopt;
  }
  return v;
}

}  // namespace

namespace {

void PrintDiff(const json::array& diff, std::ostream& out) {
  for (const auto& d : diff) {
    const auto& e = d.as_object();
    std::string op = S(e.if_contains("op"));
    std::string path = S(e.if_contains("path"));
    std::string from = S(e.if_contains("from")), to = S(e.if_contains("to"));
    if (op == "add") out << "  + " << path << (to.empty() ? "" : ": " + to) << "\n";
    else if (op == "remove") out << "  - " << path << (from.empty() ? "" : ": " + from) << "\n";
    else out << "  ~ " << path << ": " << from << " -> " << to << "\n";
  }
}

std::string ProductName(const json::object& o) {
  if (const auto* p = o.if_contains("product"); p && p->is_object()) return S(p->as_object().if_contains("name"));
  return "";
}

}  // namespace

// Shows the diff first (a dry run), then applies it, so what will change is
// on screen before anything does.
int Apply(const ProductCliArgs& a, std::ostream& out) {
  auto bundle = LoadBundle(a.file);
  if (!bundle.ok()) {
    std::cerr << "meshd: " << bundle.error().message() << "\n";
    return meshd::cli::kExitUsage;
  }
  const std::string body = json::serialize(bundle->ToJson());
  int code = 0;
  auto plan = Call(a, "POST", "/v1/products?dry_run=true", body, "application/json", &code);
  if (!plan) return code;
  auto pv = ParseJson(*plan, &code);
  if (!pv) return code;
  const auto& po = pv->as_object();
  std::string name = ProductName(po);
  std::string planned = S(po.if_contains("action"));
  if (a.dry_run || planned == "unchanged") {
    if (a.json) {
      out << plan->body << "\n";
      return 0;
    }
    if (planned == "unchanged") {
      out << "data product " << name << ": unchanged" << (a.dry_run ? " (dry run)" : "") << "\n";
      return 0;
    }
    out << "dry run: data product " << name << " would be " << planned << "; nothing was changed\n";
    out << "diff:\n";
    PrintDiff(po.at("diff").as_array(), out);
    return 0;
  }
  if (!a.json) {
    out << (planned == "created" ? "creating" : "updating") << " data product " << name << "\ndiff:\n";
    PrintDiff(po.at("diff").as_array(), out);
    out.flush();
  }
  auto r = Call(a, "POST", "/v1/products", body, "application/json", &code);
  if (!r) return code;
  if (a.json) {
    out << r->body << "\n";
    return 0;
  }
  auto v = ParseJson(*r, &code);
  if (!v) return code;
  const auto& o = v->as_object();
  out << "data product " << ProductName(o) << ": " << S(o.if_contains("action")) << "\n";
  if (const auto* steps = o.if_contains("steps"); steps && !steps->as_array().empty()) {
    out << "steps:\n";
    for (const auto& st : steps->as_array()) out << "  " << S(&st) << "\n";
  }
  return 0;
}

int List(const ProductCliArgs& a, std::ostream& out) {
  int code = 0;
  auto r = Call(a, "GET", "/v1/products", "", "", &code);
  if (!r) return code;
  if (a.json) {
    out << r->body << "\n";
    return 0;
  }
  auto v = ParseJson(*r, &code);
  if (!v) return code;
  for (const auto& p : v->at("products").as_array()) {
    const auto& o = p.as_object();
    std::string topics;
    for (const auto& port : o.at("outputs").as_array()) {
      topics += (topics.empty() ? "" : ",") + S(port.as_object().if_contains("topic"));
    }
    out << S(o.if_contains("name")) << "\tdomain=" << S(o.if_contains("domain")) << "\towner="
        << S(o.if_contains("owner")) << "\ttopics=" << topics << "\n";
  }
  return 0;
}

int Describe(const ProductCliArgs& a, std::ostream& out) {
  int code = 0;
  auto r = Call(a, "GET", "/v1/products/" + UrlEncode(a.name), "", "", &code);
  if (!r) return code;
  if (a.json) {
    out << r->body << "\n";
    return 0;
  }
  auto v = ParseJson(*r, &code);
  if (!v) return code;
  const auto& o = v->as_object();
  out << "name:        " << S(o.if_contains("name")) << "\n"
      << "id:          " << S(o.if_contains("id")) << "\n"
      << "domain:      " << S(o.if_contains("domain")) << "\n"
      << "owner:       " << S(o.if_contains("owner")) << "\n"
      << "description: " << S(o.if_contains("description")) << "\n"
      << "status:      " << S(o.if_contains("status")) << "\n";
  for (const auto& in : o.at("inputs").as_array()) {
    out << "input:       " << S(in.as_object().if_contains("name")) << " (topic "
        << S(in.as_object().if_contains("topic")) << ")\n";
  }
  for (const auto& pv : o.at("outputs").as_array()) {
    const auto& p = pv.as_object();
    out << "output port: " << S(p.if_contains("name")) << "\n"
        << "  topic:     " << S(p.if_contains("topic")) << " (" << S(p.if_contains("partitions")) << " partitions)\n"
        << "  schema:    " << S(p.if_contains("schema_subject")) << " v" << S(p.if_contains("schema_version")) << " ("
        << S(p.if_contains("schema_type")) << ")\n";
    if (const auto* rt = p.if_contains("runtime"); rt && rt->is_object()) {
      const auto& r2 = rt->as_object();
      if (const auto* cs = r2.if_contains("contract_status"); cs && cs->is_object()) {
        out << "  contract:  " << S(cs->as_object().if_contains("status"));
        std::string reason = S(cs->as_object().if_contains("reason"));
        out << (reason.empty() ? "" : " (" + reason + ")") << "\n";
      }
      out << "  events:    " << S(r2.if_contains("events_total")) << ", last event time "
          << S(r2.if_contains("last_event_time_ms")) << ", rate " << S(r2.if_contains("events_per_sec")) << "/s\n";
      if (const auto* cs = r2.if_contains("consumers"); cs && cs->is_array()) {
        for (const auto& c : cs->as_array()) {
          out << "  consumer:  " << S(c.as_object().if_contains("group")) << " (lag "
              << S(c.as_object().if_contains("lag")) << ")\n";
        }
      }
    }
  }
  return 0;
}

int Delete(const ProductCliArgs& a, std::ostream& out) {
  int code = 0;
  auto r = Call(a, "DELETE", "/v1/products/" + UrlEncode(a.name) + (a.delete_topics ? "?delete_topics=true" : ""),
                "", "", &code);
  if (!r) return code;
  if (a.json) {
    out << r->body << "\n";
    return 0;
  }
  out << "deleted data product " << a.name << (a.delete_topics ? " and its topics" : " (topics kept)") << "\n";
  return 0;
}

int Search(const ProductCliArgs& a, std::ostream& out) {
  int code = 0;
  auto r = Call(a, "GET", "/v1/catalog/search?q=" + UrlEncode(a.name), "", "", &code);
  if (!r) return code;
  if (a.json) {
    out << r->body << "\n";
    return 0;
  }
  auto v = ParseJson(*r, &code);
  if (!v) return code;
  const auto& results = v->at("results").as_array();
  if (results.empty()) out << "no data product matches '" << a.name << "'\n";
  for (const auto& hv : results) {
    const auto& h = hv.as_object();
    std::string matched;
    for (const auto& m : h.at("matched").as_array()) matched += (matched.empty() ? "" : ", ") + S(&m);
    out << S(h.if_contains("name")) << "\tdomain=" << S(h.if_contains("domain")) << "\tmatched: " << matched << "\n";
  }
  return 0;
}

int Lineage(const ProductCliArgs& a, std::ostream& out) {
  std::string target = "/v1/lineage?product=" + UrlEncode(a.name);
  if (a.upstream && !a.downstream) target += "&direction=upstream";
  if (a.downstream && !a.upstream) target += "&direction=downstream";
  if (!a.format.empty()) target += "&format=" + UrlEncode(a.format);
  int code = 0;
  auto r = Call(a, "GET", target, "", "", &code);
  if (!r) return code;
  if (a.json || a.format == "openlineage") {
    out << r->body << "\n";
    return 0;
  }
  auto v = ParseJson(*r, &code);
  if (!v) return code;
  for (const auto& e : v->at("edges").as_array()) {
    const auto& o = e.as_object();
    out << S(o.if_contains("from")) << " -> " << S(o.if_contains("to")) << " (" << S(o.if_contains("kind")) << ")\n";
  }
  return 0;
}

int PolicySet(const ProductCliArgs& a, std::ostream& out) {
  std::ifstream in(a.file);
  if (!in) {
    std::cerr << "meshd: cannot read policy file '" << a.file << "'\n";
    return meshd::cli::kExitUsage;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  int code = 0;
  auto r = Call(a, "PUT", "/v1/policies", ss.str(), "application/yaml", &code);
  if (!r) return code;
  out << (a.json ? r->body : "governance policy set") << "\n";
  return 0;
}

int PolicyGet(const ProductCliArgs& a, std::ostream& out) {
  int code = 0;
  auto r = Call(a, "GET", "/v1/policies", "", "", &code);
  if (!r) return code;
  out << r->body << "\n";
  return 0;
}

void RegisterCommands(CLI::App& app, std::function<int()>* run) {
  auto common = [](CLI::App* c, ProductCliArgs* a) {
    c->add_option("--server", a->server, "meshd server URL (default $MESHD_SERVER or http://127.0.0.1:8080)");
    c->add_flag("--json", a->json, "machine-readable JSON output");
  };
  {
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = app.add_subcommand("create-data-product", "provision a data product from its descriptor");
    c->add_option("--config,-f", a->file, "descriptor file (short form or ODPS)")->required();
    c->add_flag("--dry-run", a->dry_run, "show the diff only; change nothing");
    common(c, a.get());
    c->callback([=] { *run = [=] { return Apply(*a, std::cout); }; });
  }
  CLI::App* product = app.add_subcommand("product", "data products: apply, list, describe, delete");
  product->require_subcommand(1);
  {
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = product->add_subcommand("apply", "create or update a data product (shows the diff)");
    c->add_option("-f,--file,--config", a->file, "descriptor file")->required();
    c->add_flag("--dry-run", a->dry_run, "show the diff only; change nothing");
    common(c, a.get());
    c->callback([=] { *run = [=] { return Apply(*a, std::cout); }; });
  }
  {
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = product->add_subcommand("list", "list data products");
    common(c, a.get());
    c->callback([=] { *run = [=] { return List(*a, std::cout); }; });
  }
  {
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = product->add_subcommand("describe", "show a data product and its runtime status");
    c->add_option("name", a->name, "product name")->required();
    common(c, a.get());
    c->callback([=] { *run = [=] { return Describe(*a, std::cout); }; });
  }
  {
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = product->add_subcommand("delete", "remove a data product from the catalog");
    c->add_option("name", a->name, "product name")->required();
    c->add_flag("--delete-topics", a->delete_topics, "also delete its output topics");
    common(c, a.get());
    c->callback([=] { *run = [=] { return Delete(*a, std::cout); }; });
  }
  {
    CLI::App* catalog = app.add_subcommand("catalog", "search the data-product catalog");
    catalog->require_subcommand(1);
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = catalog->add_subcommand("search", "find products by name, domain, tag, description or field");
    c->add_option("text", a->name, "text to look for")->required();
    common(c, a.get());
    c->callback([=] { *run = [=] { return Search(*a, std::cout); }; });
  }
  {
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = app.add_subcommand("lineage", "show what feeds a data product and what it feeds");
    c->add_option("product", a->name, "product name")->required();
    c->add_flag("--upstream", a->upstream, "only what feeds the product");
    c->add_flag("--downstream", a->downstream, "only what the product feeds");
    c->add_option("--format", a->format, "json (default) or openlineage");
    common(c, a.get());
    c->callback([=] { *run = [=] { return Lineage(*a, std::cout); }; });
  }
  {
    CLI::App* policy = app.add_subcommand("policy", "the federated governance policy");
    policy->require_subcommand(1);
    auto a = std::make_shared<ProductCliArgs>();
    CLI::App* c = policy->add_subcommand("set", "replace the governance policy with FILE (YAML)");
    c->add_option("file", a->file, "policy file")->required();
    common(c, a.get());
    c->callback([=] { *run = [=] { return PolicySet(*a, std::cout); }; });
    auto g = std::make_shared<ProductCliArgs>();
    CLI::App* gc = policy->add_subcommand("get", "print the governance policy");
    common(gc, g.get());
    gc->callback([=] { *run = [=] { return PolicyGet(*g, std::cout); }; });
  }
}

}  // namespace meshd::catalog::cli
