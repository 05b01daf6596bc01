#include "bus/cli.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bus/bus_service.h"
#include "bus/http_client.h"
#include "bus/json_util.h"
#include "yaml/yaml_to_json.h"

namespace meshd::bus::cli {
namespace {

std::string ServerUrl(const CliOptions& o) {
  std::string s = o.server;
  if (s.empty()) {
    const char* env = std::getenv("MESHD_SERVER");
    s = env != nullptr ? env : "http://127.0.0.1:8080";
  }
  if (s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0) s = "http://" + s;
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConnection = 3;

// Calls the server. Returns 0, kExitServerError (non-2xx) or kExitConnection.
int Call(const CliOptions& o, const std::string& method, const std::string& path, const std::string& body,
         json::value* out, std::string* error) {
  HttpClientRequest req;
  req.method = method;
  req.url = ServerUrl(o) + path;
  req.body = body;
  if (!body.empty()) req.headers["Content-Type"] = "application/json";
  // API token for servers started with --auth required.
  if (const char* token = std::getenv("MESHD_TOKEN"); token != nullptr && *token != '\0')
    req.headers["Authorization"] = std::string("Bearer ") + token;
  req.timeout = std::chrono::milliseconds(30000);
  auto res = HttpCall(req);
  if (!res.ok()) {
    *error = "cannot reach meshd at " + ServerUrl(o) + ": " + res.error().message();
    return kExitConnection;
  }
  boost::system::error_code ec;
  json::value v = res->body.empty() ? json::value() : json::parse(res->body, ec);
  if (res->status / 100 != 2) {
    std::string msg = res->body;
    if (!ec && v.is_object()) {
      auto m = v.get_object().find("message");
      if (m != v.get_object().end() && m->value().is_string()) msg = std::string(m->value().get_string());
    }
    *error = method + " " + path + " failed (HTTP " + std::to_string(res->status) + "): " + msg;
    return kExitServerError;
  }
  if (out != nullptr) *out = ec ? json::value(res->body) : v;
  return 0;
}

std::string ReadArg(const std::string& v, bool* ok) {
  *ok = true;
  if (!v.empty() && v[0] == '@') {
    std::ifstream f(v.substr(1));
    if (!f) {
      *ok = false;
      return "";
    }
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  return v;
}


// Renames known snake_case keys to the API's names at this level only (so
// keys inside event patterns and maps are never touched).
void Rename(json::object& o, const std::map<std::string, std::string>& names) {
  for (const auto& [from, to] : names) {
    auto it = o.find(from);
    if (it != o.end() && from != to) {
      json::value v = it->value();
      o.erase(it);
      o[to] = std::move(v);
    }
  }
}

bool NormalizeTarget(json::value& tv, std::string* error) {
  if (!tv.is_object()) {
    *error = "targets entries must be maps";
    return false;
  }
  json::object& t = tv.get_object();
  Rename(t, {{"id", "Id"}, {"arn", "Arn"}, {"input", "Input"}, {"input_path", "InputPath"},
             {"input_transformer", "InputTransformer"}, {"retry_policy", "RetryPolicy"},
             {"dead_letter_config", "DeadLetterConfig"}, {"webhook", "Webhook"},
             {"http_parameters", "HttpParameters"}});
  if (auto it = t.find("Input"); it != t.end() && !it->value().is_string()) {
    it->value() = json::serialize(it->value());
  }
  if (auto it = t.find("partition_key_path"); it != t.end()) {
    json::value v = it->value();
    t.erase(it);
    t["KinesisParameters"] = json::object{{"PartitionKeyPath", v}};
  }
  if (auto it = t.find("dead_letter_arn"); it != t.end()) {
    json::value v = it->value();
    t.erase(it);
    t["DeadLetterConfig"] = json::object{{"Arn", v}};
  }
  if (auto it = t.find("DeadLetterConfig"); it != t.end() && it->value().is_object()) {
    Rename(it->value().get_object(), {{"arn", "Arn"}});
  }
  if (auto it = t.find("InputTransformer"); it != t.end() && it->value().is_object()) {
    Rename(it->value().get_object(), {{"input_paths_map", "InputPathsMap"}, {"input_template", "InputTemplate"}});
  }
  if (auto it = t.find("RetryPolicy"); it != t.end() && it->value().is_object()) {
    Rename(it->value().get_object(), {{"maximum_retry_attempts", "MaximumRetryAttempts"},
                                      {"max_attempts", "MaximumRetryAttempts"},
                                      {"maximum_event_age_seconds", "MaximumEventAgeInSeconds"},
                                      {"max_event_age_seconds", "MaximumEventAgeInSeconds"}});
  }
  if (auto it = t.find("Webhook"); it != t.end() && it->value().is_object()) {
    Rename(it->value().get_object(), {{"method", "Method"}, {"timeout_seconds", "TimeoutSeconds"},
                                      {"timeout", "TimeoutSeconds"}, {"rate_limit_per_second", "RateLimitPerSecond"},
                                      {"rate_limit", "RateLimitPerSecond"}, {"headers", "Headers"}});
  }
  return true;
}

}  // namespace

bool PlanApply(const std::string& yaml_text, const std::string& base_dir, std::vector<PlannedCall>* calls,
               std::string* error) {
  json::value doc;
  try {
    doc = yaml::ToJson(YAML::Load(yaml_text));
  } catch (const YAML::Exception& e) {
    *error = std::string("rules YAML is not valid: ") + e.what();
    return false;
  }
  if (!doc.is_object()) {
    *error = "rules YAML must be a map with buses:, functions: and rules:";
    return false;
  }
  json::object& root = doc.get_object();
  if (auto it = root.find("buses"); it != root.end() && it->value().is_array()) {
    for (auto& b : it->value().get_array()) {
      json::object body;
      if (b.is_string()) body["Name"] = b;
      else if (b.is_object()) {
        body = b.get_object();
        Rename(body, {{"name", "Name"}, {"partitions", "Partitions"}});
      } else {
        *error = "buses entries must be names or maps";
        return false;
      }
      calls->push_back({"POST", "/v1/buses", json::serialize(body)});
    }
  }
  if (auto it = root.find("functions"); it != root.end() && it->value().is_array()) {
    for (auto& f : it->value().get_array()) {
      if (!f.is_object()) {
        *error = "functions entries must be maps";
        return false;
      }
      json::object body = f.get_object();
      Rename(body, {{"name", "Name"}, {"runtime", "Runtime"}, {"handler", "Handler"}, {"command", "Command"},
                    {"concurrency", "Concurrency"}, {"timeout", "TimeoutSeconds"},
                    {"timeout_seconds", "TimeoutSeconds"}, {"environment", "Environment"}, {"env", "Environment"}});
      auto name = OptString(body, "Name");
      if (!name.ok() || !*name) {
        *error = "a function has no name";
        return false;
      }
      if (auto h = body.find("Handler"); h != body.end() && h->value().is_string()) {
        std::string handler(h->value().get_string());
        size_t colon = handler.rfind(':');
        std::filesystem::path p = handler.substr(0, colon == std::string::npos ? handler.size() : colon);
        if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
        h->value() = p.lexically_normal().string() + (colon == std::string::npos ? "" : handler.substr(colon));
      }
      calls->push_back({"PUT", "/v1/functions/" + **name, json::serialize(body)});
    }
  }
  if (auto it = root.find("rules"); it != root.end() && it->value().is_array()) {
    for (auto& r : it->value().get_array()) {
      if (!r.is_object()) {
        *error = "rules entries must be maps";
        return false;
      }
      json::object body = r.get_object();
      Rename(body, {{"name", "Name"}, {"bus", "EventBusName"}, {"event_bus", "EventBusName"},
                    {"event_pattern", "EventPattern"}, {"pattern", "EventPattern"}, {"state", "State"},
                    {"description", "Description"}, {"targets", "Targets"}});
      auto name = OptString(body, "Name");
      if (!name.ok() || !*name) {
        *error = "a rule has no name";
        return false;
      }
      std::string bus = kDefaultBus;
      if (auto b = OptString(body, "EventBusName"); b.ok() && *b) bus = **b;
      if (auto s = body.find("State"); s != body.end() && s->value().is_bool()) {
        s->value() = s->value().get_bool() ? "ENABLED" : "DISABLED";
      }
      if (auto t = body.find("Targets"); t != body.end()) {
        if (!t->value().is_array()) {
          *error = "rule '" + **name + "': targets must be a list";
          return false;
        }
        for (auto& tv : t->value().get_array()) {
          if (!NormalizeTarget(tv, error)) {
            *error = "rule '" + **name + "': " + *error;
            return false;
          }
        }
      } else {
        body["Targets"] = json::array();
      }
      calls->push_back({"PUT", "/v1/buses/" + bus + "/rules/" + **name, json::serialize(body)});
    }
  }
  return true;
}

int RuleApply(const CliOptions& options, const std::string& file) {
  std::ifstream f(file);
  if (!f) {
    std::cerr << "meshd rule apply: cannot read " << file << "\n";
    return kExitUsage;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  std::vector<PlannedCall> calls;
  std::string error;
  std::error_code ec;
  std::string base = std::filesystem::absolute(std::filesystem::path(file), ec).parent_path().string();
  if (!PlanApply(ss.str(), base, &calls, &error)) {
    std::cerr << "meshd rule apply: " << file << ": " << error << "\n";
    return 2;
  }
  int failures = 0;
  for (const auto& c : calls) {
    json::value out;
    if (int rc = Call(options, c.method, c.path, c.body, &out, &error); rc != 0) {
      if (c.method == "POST" && c.path == "/v1/buses" && error.find("HTTP 409") != std::string::npos) {
        std::cout << "bus exists: " << c.body << "\n";
        continue;
      }
      std::cerr << "error: " << error << "\n";
      if (rc == kExitConnection) return rc;
      ++failures;
      continue;
    }
    std::cout << "applied " << c.method << " " << c.path << "\n";
    if (out.is_object()) {
      auto& o = out.get_object();
      if (auto w = o.find("Warnings"); w != o.end() && w->value().is_array()) {
        for (const auto& x : w->value().get_array()) {
          if (x.is_string()) std::cout << "  warning: " << std::string(x.get_string()) << "\n";
        }
      }
      if (auto fe = o.find("FailedEntries"); fe != o.end() && fe->value().is_array()) {
        for (const auto& x : fe->value().get_array()) {
          std::cerr << "  target failed: " << json::serialize(x) << "\n";
          ++failures;
        }
      }
    }
  }
  return failures == 0 ? 0 : kExitServerError;
}

int RuleTest(const std::string& pattern_arg, const std::string& event_arg) {
  bool ok1, ok2;
  std::string pattern = ReadArg(pattern_arg, &ok1), event = ReadArg(event_arg, &ok2);
  if (!ok1 || !ok2) {
    std::cerr << "meshd rule test: cannot read " << (!ok1 ? pattern_arg : event_arg) << "\n";
    return 2;
  }
  auto warnings = BusService::LintPattern(pattern);
  if (!warnings.ok()) {
    std::cerr << "invalid pattern: " << warnings.error().message() << "\n";
    return 2;
  }
  for (const auto& w : *warnings) std::cout << "warning: " << w << "\n";
  auto r = BusService::TestEventPattern(pattern, event);
  if (!r.ok()) {
    std::cerr << r.error().message() << "\n";
    return 2;
  }
  std::cout << (*r ? "MATCH" : "NO MATCH") << "\n";
  return *r ? 0 : 1;
}

int RuleList(const CliOptions& options, const std::string& bus) {
  json::value out;
  std::string error;
  if (int rc = Call(options, "GET", "/v1/buses/" + bus + "/rules", "", &out, &error); rc != 0) {
    std::cerr << "error: " << error << "\n";
    return rc;
  }
  std::cout << "NAME\tSTATE\tTARGETS\tPATTERN\n";
  if (out.is_object()) {
    if (auto it = out.get_object().find("Rules"); it != out.get_object().end() && it->value().is_array()) {
      for (const auto& r : it->value().get_array()) {
        const auto& o = r.get_object();
        auto s = [&](const char* k) {
          auto x = o.find(k);
          return x != o.end() && x->value().is_string() ? std::string(x->value().get_string()) : std::string();
        };
        size_t targets = 0;
        if (auto t = o.find("Targets"); t != o.end() && t->value().is_array()) targets = t->value().get_array().size();
        std::cout << s("Name") << "\t" << s("State") << "\t" << targets << "\t" << s("EventPattern") << "\n";
      }
    }
  }
  return 0;
}

int FunctionCreate(const CliOptions& options, const FunctionArgs& a) {
  json::object body{{"Name", a.name}, {"Runtime", a.runtime}, {"Concurrency", a.concurrency},
                    {"TimeoutSeconds", a.timeout_seconds}};
  if (!a.handler.empty()) {
    size_t colon = a.handler.rfind(':');
    std::filesystem::path p = a.handler.substr(0, colon == std::string::npos ? a.handler.size() : colon);
    std::error_code ec;
    p = std::filesystem::absolute(p, ec);
    body["Handler"] = p.string() + (colon == std::string::npos ? "" : a.handler.substr(colon));
  }
  if (!a.command.empty()) body["Command"] = json::array{"/bin/sh", "-c", json::value(a.command)};
  json::object env;
  for (const auto& kv : a.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "meshd function create: --env wants KEY=VALUE, got '" << kv << "'\n";
      return kExitUsage;
    }
    env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!env.empty()) body["Environment"] = std::move(env);
  json::value out;
  std::string error;
  int rc = a.replace ? Call(options, "PUT", "/v1/functions/" + a.name, json::serialize(body), &out, &error)
                     : Call(options, "POST", "/v1/functions", json::serialize(body), &out, &error);
  if (rc != 0) {
    std::cerr << "error: " << error << "\n";
    return rc;
  }
  std::cout << json::serialize(out) << "\n";
  return 0;
}

int FunctionList(const CliOptions& options) {
  json::value out;
  std::string error;
  if (int rc = Call(options, "GET", "/v1/functions", "", &out, &error); rc != 0) {
    std::cerr << "error: " << error << "\n";
    return rc;
  }
  std::cout << "NAME\tRUNTIME\tCONCURRENCY\tHANDLER/COMMAND\n";
  if (out.is_object()) {
    if (auto it = out.get_object().find("Functions"); it != out.get_object().end() && it->value().is_array()) {
      for (const auto& f : it->value().get_array()) {
        const auto& o = f.get_object();
        auto s = [&](const char* k) {
          auto x = o.find(k);
          if (x == o.end()) return std::string();
          return x->value().is_string() ? std::string(x->value().get_string()) : json::serialize(x->value());
        };
        std::cout << s("Name") << "\t" << s("Runtime") << "\t" << s("Concurrency") << "\t"
                  << (o.contains("Handler") ? s("Handler") : s("Command")) << "\n";
      }
    }
  }
  return 0;
}

int FunctionDelete(const CliOptions& options, const std::string& name) {
  std::string error;
  if (int rc = Call(options, "DELETE", "/v1/functions/" + name, "", nullptr, &error); rc != 0) {
    std::cerr << "error: " << error << "\n";
    return rc;
  }
  std::cout << "deleted function " << name << "\n";
  return 0;
}

void RegisterCommands(CLI::App& app, std::function<int()>* run) {
  auto options = std::make_shared<CliOptions>();
  auto* rule = app.add_subcommand("rule", "Event-bus rules: apply, test, list");
  rule->require_subcommand(1);
  auto file = std::make_shared<std::string>();
  auto* apply = rule->add_subcommand("apply", "Apply buses, functions and rules from a YAML file");
  apply->add_option("-f,--file", *file, "rules YAML")->required();
  apply->add_option("--server", options->server, "meshd HTTP address (host:port or URL)");
  apply->callback([=] { *run = [=] { return RuleApply(*options, *file); }; });

  auto pattern = std::make_shared<std::string>(), event = std::make_shared<std::string>();
  auto* test = rule->add_subcommand("test", "Test an event pattern against an event (locally)");
  test->add_option("--pattern", *pattern, "pattern JSON or @file")->required();
  test->add_option("--event", *event, "event JSON or @file")->required();
  test->add_option("--server", options->server, "ignored (runs locally)");
  test->callback([=] { *run = [=] { return RuleTest(*pattern, *event); }; });

  auto bus = std::make_shared<std::string>(kDefaultBus);
  auto* list = rule->add_subcommand("list", "List the rules of a bus");
  list->add_option("--bus", *bus, "event bus (default: default)");
  list->add_option("--server", options->server, "meshd HTTP address");
  list->callback([=] { *run = [=] { return RuleList(*options, *bus); }; });

  auto* fn = app.add_subcommand("function", "Functions (rule targets run as worker processes)");
  fn->require_subcommand(1);
  auto fargs = std::make_shared<FunctionArgs>();
  auto* create = fn->add_subcommand("create", "Create (or with --replace, update) a function");
  create->add_option("name", fargs->name, "function name")->required();
  create->add_option("--runtime", fargs->runtime, "python3 | exec");
  create->add_option("--handler", fargs->handler, "python3: path/file.py:lambda_handler");
  create->add_option("--command", fargs->command, "exec: command line (run by /bin/sh -c)");
  create->add_option("--concurrency", fargs->concurrency, "worker processes");
  create->add_option("--timeout", fargs->timeout_seconds, "seconds per invocation");
  create->add_option("--env", fargs->env, "KEY=VALUE (repeatable)");
  create->add_flag("--replace", fargs->replace, "update an existing function");
  create->add_option("--server", options->server, "meshd HTTP address");
  create->callback([=] { *run = [=] { return FunctionCreate(*options, *fargs); }; });

  auto* flist = fn->add_subcommand("list", "List functions");
  flist->add_option("--server", options->server, "meshd HTTP address");
  flist->callback([=] { *run = [=] { return FunctionList(*options); }; });

  auto dname = std::make_shared<std::string>();
  auto* del = fn->add_subcommand("delete", "Delete a function");
  del->add_option("name", *dname, "function name")->required();
  del->add_option("--server", options->server, "meshd HTTP address");
  del->callback([=] { *run = [=] { return FunctionDelete(*options, *dname); }; });
}

}  // namespace meshd::bus::cli
