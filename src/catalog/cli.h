#pragma once
// Client commands for data products, talking to a running server over HTTP
// (--server URL, default $MESHD_SERVER or http://127.0.0.1:8080):
//   meshd create-data-product --config FILE [--dry-run]   (= product apply -f FILE)
//   meshd product apply -f FILE [--dry-run]
//   meshd product list | describe NAME | delete NAME [--delete-topics]
//   meshd catalog search TEXT
//   meshd lineage PRODUCT [--upstream|--downstream] [--format openlineage]
//   meshd policy set FILE | policy get
// `apply` first asks for a dry run and prints the diff, then applies it.
// It reads the descriptor and its neighbour files (schemas, ODCS
// contracts) locally and sends them as one bundle, so the server never
// reads client paths. Output is human-readable, `--json` for scripts.
// Exit codes as cli/commands.h: 0 ok, 1 refused by the server (each policy
// violation / incompatibility reason on its own line after the first),
// 2 usage or unreadable file, 3 connection failure.

#include <functional>
#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace meshd::catalog::cli {

struct ProductCliArgs {
  std::string server;  // "" = $MESHD_SERVER or http://127.0.0.1:8080
  bool json = false;
  std::string file;
  bool dry_run = false;
  std::string name;
  bool delete_topics = false;
  bool upstream = false;
  bool downstream = false;
  std::string format;
};

int Apply(const ProductCliArgs& a, std::ostream& out);
int List(const ProductCliArgs& a, std::ostream& out);
int Describe(const ProductCliArgs& a, std::ostream& out);
int Delete(const ProductCliArgs& a, std::ostream& out);
int Search(const ProductCliArgs& a, std::ostream& out);
int Lineage(const ProductCliArgs& a, std::ostream& out);
int PolicySet(const ProductCliArgs& a, std::ostream& out);
int PolicyGet(const ProductCliArgs& a, std::ostream& out);

void RegisterCommands(CLI::App& app, std::function<int()>* run);

}  // namespace meshd::catalog::cli
