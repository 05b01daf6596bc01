#pragma once
// Server-side commands of the `meshd` binary: serve, demo and the embedded
// mode of bench. main() wires them with the client commands (cli/).

#include <CLI/CLI.hpp>

#include <functional>
#include <iosfwd>

#include "app/serve_options.h"
#include "cli/commands.h"

namespace meshd::app {

// `meshd serve`: runs until SIGINT/SIGTERM. Prints exactly one line
// {"event":"listening","http":"HOST:PORT"} to stdout once listening.
int RunServe(ServeOptions options, const std::string& config_file, const CLI::App& cmd);

struct DemoArgs {
  bool keep = false;         // keep the temporary data dir
  double duration_s = 30;    // how long the generator plays
  double rate = 150;         // events per second
  std::string examples;      // "" = examples/retail of the source tree
  std::string data_dir;      // "" = a temporary directory
  bool json = false;
};
int RunDemo(const DemoArgs& args, std::ostream& out);

// `meshd bench produce`; with --embedded starts a server in-process first.
int RunBench(cli::BenchArgs args, std::ostream& out);

void RegisterServerCommands(CLI::App& app, std::function<int()>* run);

}  // namespace meshd::app
