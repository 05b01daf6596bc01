#include "schema/cli.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/http_client.h"

namespace meshd::schema::cli {

namespace json = boost::json;
using meshd::cli::HttpClient;
using meshd::cli::HttpResult;
using meshd::cli::UrlEncode;

namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

std::string Url(const SchemaCliArgs& a) {
  if (!a.registry_url.empty()) return a.registry_url;
  if (const char* e = std::getenv("MESHD_REGISTRY_URL")) return e;
  return "http://127.0.0.1:8081";
}

// Sends one request; prints errors and returns an exit code in *code.
std::optional<HttpResult> Call(const SchemaCliArgs& a, const std::string& method,
                               const std::string& target, const std::string& body, int* code) {
  auto url = meshd::cli::ParseServerUrl(Url(a));
  if (!url.ok()) {
    *code = meshd::cli::ReportError(url.status());
    return std::nullopt;
  }
  HttpClient client(*url);
  auto r = client.Send(method, target, body, body.empty() ? "" : kContentType,
                       {{"Accept", kContentType}});
  if (!r.ok()) {
    *code = meshd::cli::ReportError(r.status());
    return std::nullopt;
  }
  if (r->status >= 300) {
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    std::string msg = r->body;
    if (!ec && v.is_object() && v.get_object().contains("message")) {
      msg = std::string(v.at("message").as_string()) + " (error_code " +
            json::serialize(v.at("error_code")) + ")";
    }
    std::cerr << "meshd: " << msg << "\n";
    *code = meshd::cli::kExitServerError;
    return std::nullopt;
  }
  *code = 0;
  return std::move(*r);
}

// The request body {schema, schemaType} from --file or --schema.
std::optional<std::string> SchemaBody(const SchemaCliArgs& a) {
  std::string text = a.schema;
  if (!a.file.empty()) {
    std::ifstream in(a.file);
    if (!in) {
      std::cerr << "meshd: cannot read schema file '" << a.file << "'\n";
      return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (text.empty()) {
    std::cerr << "meshd: give the schema with --file or --schema\n";
    return std::nullopt;
  }
  json::object o{{"schema", text}};
  if (a.type != "AVRO") o["schemaType"] = a.type;
  return json::serialize(o);
}

std::string Pretty(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  return ec ? body : json::serialize(v);
}

}  // namespace

int Register(const SchemaCliArgs& a, std::ostream& out) {
  auto body = SchemaBody(a);
  if (!body) return meshd::cli::kExitUsage;
  int code = 0;
  auto r = Call(a, "POST", "/subjects/" + UrlEncode(a.subject) + "/versions", *body, &code);
  if (!r) return code;
  json::value v = json::parse(r->body);
  out << "registered subject " << a.subject << " id " << json::serialize(v.at("id"));
  if (v.as_object().contains("version")) out << " version " << json::serialize(v.at("version"));
  out << "\n";
  return 0;
}

int Get(const SchemaCliArgs& a, std::ostream& out) {
  int code = 0;
  std::string target = a.id > 0 ? "/schemas/ids/" + std::to_string(a.id)
                                : "/subjects/" + UrlEncode(a.subject) + "/versions/" +
                                      UrlEncode(a.version.empty() ? "latest" : a.version);
  auto r = Call(a, "GET", target, "", &code);
  if (!r) return code;
  out << Pretty(r->body) << "\n";
  return 0;
}

int List(const SchemaCliArgs& a, std::ostream& out) {
  int code = 0;
  std::string target = a.subject.empty() ? "/subjects" : "/subjects/" + UrlEncode(a.subject) + "/versions";
  if (a.deleted) target += "?deleted=true";
  auto r = Call(a, "GET", target, "", &code);
  if (!r) return code;
  json::value v = json::parse(r->body);
  for (const auto& e : v.as_array()) {
    out << (e.is_string() ? std::string(e.get_string()) : json::serialize(e)) << "\n";
  }
  return 0;
}

int Check(const SchemaCliArgs& a, std::ostream& out) {
  auto body = SchemaBody(a);
  if (!body) return meshd::cli::kExitUsage;
  int code = 0;
  std::string target = "/compatibility/subjects/" + UrlEncode(a.subject) + "/versions";
  if (!a.version.empty()) target += "/" + UrlEncode(a.version);
  auto r = Call(a, "POST", target + "?verbose=true", *body, &code);
  if (!r) return code;
  json::value v = json::parse(r->body);
  bool ok = v.at("is_compatible").as_bool();
  out << (ok ? "compatible" : "incompatible") << "\n";
  if (const auto* m = v.as_object().if_contains("messages"); m && m->is_array()) {
    for (const auto& e : m->get_array()) {
      out << "  - " << (e.is_string() ? std::string(e.get_string()) : json::serialize(e)) << "\n";
    }
  }
  return ok ? 0 : meshd::cli::kExitServerError;
}

int Delete(const SchemaCliArgs& a, std::ostream& out) {
  int code = 0;
  std::string target = "/subjects/" + UrlEncode(a.subject);
  if (!a.version.empty()) target += "/versions/" + UrlEncode(a.version);
  if (a.permanent) target += "?permanent=true";
  auto r = Call(a, "DELETE", target, "", &code);
  if (!r) return code;
  out << "deleted " << a.subject << ": " << r->body << "\n";
  return 0;
}

int Config(const SchemaCliArgs& a, std::ostream& out) {
  int code = 0;
  std::string target = a.subject.empty() ? "/config" : "/config/" + UrlEncode(a.subject);
  std::optional<HttpResult> r;
  if (!a.set_level.empty()) {
    r = Call(a, "PUT", target, json::serialize(json::object{{"compatibility", a.set_level}}), &code);
  } else {
    r = Call(a, "GET", target + (a.subject.empty() ? "" : "?defaultToGlobal=true"), "", &code);
  }
  if (!r) return code;
  out << Pretty(r->body) << "\n";
  return 0;
}

void RegisterCommands(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<SchemaCliArgs>();
  CLI::App* schema = app.add_subcommand("schema", "Schema registry client (Confluent REST API)");
  schema->require_subcommand(1);
  schema->add_option("--registry-url", args->registry_url,
                     "Registry URL (default $MESHD_REGISTRY_URL or http://127.0.0.1:8081)");
  auto with_schema = [&](CLI::App* c) {
    c->add_option("-f,--file", args->file, "Schema file");
    c->add_option("--schema", args->schema, "Schema text");
    c->add_option("--type", args->type, "AVRO (default) or JSON")->check(CLI::IsMember({"AVRO", "JSON", "PROTOBUF"}));
  };
  auto bind = [run, args](int (*fn)(const SchemaCliArgs&, std::ostream&)) {
    return [run, args, fn] { *run = [args, fn] { return fn(*args, std::cout); }; };
  };
  CLI::App* reg = schema->add_subcommand("register", "Register a schema under a subject");
  reg->add_option("subject", args->subject, "Subject")->required();
  with_schema(reg);
  reg->callback(bind(&Register));
  CLI::App* get = schema->add_subcommand("get", "Show a subject version (default latest) or a schema id");
  get->add_option("subject", args->subject, "Subject");
  get->add_option("--version", args->version, "Version number or latest");
  get->add_option("--id", args->id, "Global schema id");
  get->callback(bind(&Get));
  CLI::App* list = schema->add_subcommand("list", "List subjects, or the versions of SUBJECT");
  list->add_option("subject", args->subject, "Subject");
  list->add_flag("--deleted", args->deleted, "Include soft-deleted");
  list->callback(bind(&List));
  CLI::App* check = schema->add_subcommand("check", "Check compatibility before registering");
  check->add_option("subject", args->subject, "Subject")->required();
  check->add_option("--version", args->version, "Check against this version only");
  with_schema(check);
  check->callback(bind(&Check));
  CLI::App* del = schema->add_subcommand("delete", "Delete a subject or one version");
  del->add_option("subject", args->subject, "Subject")->required();
  del->add_option("--version", args->version, "Version");
  del->add_flag("--permanent", args->permanent, "Hard delete (after a soft delete)");
  del->callback(bind(&Delete));
  CLI::App* cfg = schema->add_subcommand("config", "Show or set the compatibility level");
  cfg->add_option("subject", args->subject, "Subject (default: global)");
  cfg->add_option("--set", args->set_level, "NONE, BACKWARD, ..., FULL_TRANSITIVE");
  cfg->callback(bind(&Config));
}

}  // namespace meshd::schema::cli
