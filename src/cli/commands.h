#pragma once
// Client commands of the `meshd` binary, talking to a running server over
// HTTP (`--server URL`, default http://127.0.0.1:8080):
//   meshd topic create NAME --partitions N [--config k=v]...
//   meshd topic list | describe NAME | delete NAME
//   meshd produce TOPIC [--key K] [--file F] [--batch N]
//   meshd consume TOPIC --group G [--from-beginning] [--follow] [--max N]
//   meshd bench produce (client side; the app adds --embedded)
// Human-readable output by default, `--json` for scripts. Errors print one
// line "meshd: <what> (<ERROR_CODE>)" to stderr and exit with:
//   1 server-reported error, 2 usage error, 3 connection failure.

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "base/status.h"

namespace meshd::cli {

constexpr int kExitOk = 0;
constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConnection = 3;

// Prints "meshd: <message>" to stderr and returns the exit code for `s`
// (kUnavailable → 3, kInvalidArgument → 2, anything else → 1).
int ReportError(const Status& s);

struct ClientOptions {
  std::string server = "http://127.0.0.1:8080";
  bool json = false;
};

struct ProduceArgs {
  std::string topic;
  std::string key;
  std::string file;
  int batch = 100;
  std::string source = "/meshd/cli";
};

struct ConsumeArgs {
  std::string topic;
  std::string group;
  bool from_beginning = false;
  bool follow = false;
  int64_t max = -1;  // -1 = unlimited
  int64_t wait_ms = 1000;
};

struct BenchArgs {
  std::string server = "http://127.0.0.1:8080";
  bool embedded = false;
  int64_t events = 100000;
  int64_t size = 1024;
  int batch = 100;
  int concurrency = 4;
  std::string topic;
  int partitions = 4;
  std::string fsync = "interval:1000";
  bool json = false;
  std::string data_dir;  // embedded: where to put the temporary data dir
};

int RunTopicCreate(const ClientOptions& o, const std::string& name, int partitions,
                   const std::vector<std::string>& configs, std::ostream& out);
int RunTopicList(const ClientOptions& o, std::ostream& out);
int RunTopicDescribe(const ClientOptions& o, const std::string& name, std::ostream& out);
int RunTopicDelete(const ClientOptions& o, const std::string& name, std::ostream& out);
int RunProduce(const ClientOptions& o, const ProduceArgs& a, std::istream& in, std::ostream& out);
int RunConsume(const ClientOptions& o, const ConsumeArgs& a, std::ostream& out);
// End-to-end HTTP produce benchmark against `a.server`.
int RunProduceBench(const BenchArgs& a, std::ostream& out);

// Adds the client subcommands to `app`; the parsed command stores its action
// in *run (called by main after parsing).
void RegisterClientCommands(CLI::App& app, std::function<int()>* run);

}  // namespace meshd::cli
