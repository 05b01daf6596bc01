#pragma once
// `meshd quarantine` client commands, over the REST API of a running server
// (--server URL, default $MESHD_SERVER or http://127.0.0.1:8080):
//   meshd quarantine list [--topic T] [--limit N] [--json]
//   meshd quarantine release TOPIC (--offset O ... | --all) [--json]
//        re-validates against the current contract; events that pass go back
//        to TOPIC, those still failing stay quarantined (listed with reasons)
//   meshd quarantine drop TOPIC (--offset O ... | --all) [--json]
// Exit codes as cli/commands.h: 0 ok, 1 server error (release: also when
// some requested events were kept or not found), 2 usage, 3 connection.

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace meshd::governance::cli {

struct QuarantineArgs {
  std::string server;
  bool json = false;
  std::string topic;
  size_t limit = 1000;
  std::vector<int64_t> offsets;
  bool all = false;
};

int QuarantineList(const QuarantineArgs& a, std::ostream& out);
int QuarantineRelease(const QuarantineArgs& a, std::ostream& out);
int QuarantineDrop(const QuarantineArgs& a, std::ostream& out);

void RegisterQuarantineCommands(CLI::App& app, std::function<int()>* run);

}  // namespace meshd::governance::cli
