#pragma once
// Client-side commands for the event bus, called by the `meshd` dispatcher:
//   meshd rule apply -f rules.yaml      (declarative: buses, functions, rules + targets)
//   meshd rule test --pattern P --event E   (local; P/E are JSON text or @file)
//   meshd rule list [--bus B]
//   meshd function create NAME --runtime python3 --handler path/file.py:fn
//   meshd function create NAME --runtime exec --command "cmd args"
//   meshd function list | delete NAME
// Each talks to a running server over the REST API (--server, default
// $MESHD_SERVER or http://127.0.0.1:8080), except `rule test`.
// Exit codes (as cli/commands.h): 0 ok (rule test: match), 1 server error
// (rule test: no match), 2 usage or invalid input, 3 connection failure.

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace meshd::bus::cli {

struct CliOptions {
  std::string server;  // "host:port" or URL; empty = $MESHD_SERVER or the default
};

int RuleApply(const CliOptions& options, const std::string& file);
int RuleTest(const std::string& pattern, const std::string& event);
int RuleList(const CliOptions& options, const std::string& bus);

struct FunctionArgs {
  std::string name;
  std::string runtime = "python3";
  std::string handler;
  std::string command;  // exec: run through /bin/sh -c
  int concurrency = 1;
  double timeout_seconds = 30;
  std::vector<std::string> env;  // KEY=VALUE
  bool replace = false;
};
int FunctionCreate(const CliOptions& options, const FunctionArgs& args);
int FunctionList(const CliOptions& options);
int FunctionDelete(const CliOptions& options, const std::string& name);

// Adds the `rule` and `function` subcommands to `app`. As the app's other
// commands, a parsed subcommand stores its action in *run (main() calls it).
void RegisterCommands(CLI::App& app, std::function<int()>* run);

// Converts the rules YAML into the REST calls it implies (exposed for tests):
// each entry is {method, path, JSON body}.
struct PlannedCall {
  std::string method;
  std::string path;
  std::string body;
};
// `base_dir` resolves relative handler paths. Errors name the YAML location.
bool PlanApply(const std::string& yaml_text, const std::string& base_dir,
               std::vector<PlannedCall>* calls, std::string* error);

}  // namespace meshd::bus::cli
