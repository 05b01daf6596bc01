#pragma once
// Client commands `meshd schema ...`, talking to a running registry over its
// Confluent REST API (--registry-url, default $MESHD_REGISTRY_URL or
// http://127.0.0.1:8081):
//   meshd schema register SUBJECT (-f FILE | --schema TEXT) [--type AVRO|JSON]
//   meshd schema get SUBJECT [--version V] | meshd schema get --id N
//   meshd schema list [SUBJECT] [--deleted]
//   meshd schema check SUBJECT (-f FILE | --schema TEXT) [--type T] [--version V]
//   meshd schema delete SUBJECT [--version V] [--permanent]
//   meshd schema config [SUBJECT] [--set LEVEL]
// `check` prints "compatible" or "incompatible" plus one reason per line
// (what broke and where) and exits 1 when incompatible.
// Exit codes as cli/commands.h: 0 ok, 1 server error / incompatible,
// 2 usage, 3 connection failure.

#include <functional>
#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace meshd::schema::cli {

struct SchemaCliArgs {
  std::string registry_url;  // empty = $MESHD_REGISTRY_URL or http://127.0.0.1:8081
  std::string subject;
  std::string file;
  std::string schema;
  std::string type = "AVRO";
  std::string version;
  int id = 0;
  bool permanent = false;
  bool deleted = false;
  std::string set_level;
};

int Register(const SchemaCliArgs& a, std::ostream& out);
int Get(const SchemaCliArgs& a, std::ostream& out);
int List(const SchemaCliArgs& a, std::ostream& out);
int Check(const SchemaCliArgs& a, std::ostream& out);
int Delete(const SchemaCliArgs& a, std::ostream& out);
int Config(const SchemaCliArgs& a, std::ostream& out);

// Adds `schema` and its subcommands to `app`; a parsed subcommand stores its
// action in *run (main() calls it), as the other modules' commands do.
void RegisterCommands(CLI::App& app, std::function<int()>* run);

}  // namespace meshd::schema::cli
