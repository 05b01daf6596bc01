// The single meshd binary: server, CLI client, demo and benchmarks.

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>

#include "app/commands.h"
#include "bus/cli.h"
#include "catalog/cli.h"
#include "cli/commands.h"
#include "governance/access_cli.h"
#include "governance/quarantine_cli.h"
#include "schema/cli.h"
#include "warehouse/query_service.h"

int main(int argc, char** argv) {
  CLI::App app{"meshd: an event-driven data mesh in one binary"};
  app.name("meshd");
  app.require_subcommand(1);
  app.set_version_flag("--version", "meshd 0.1.0");
  std::function<int()> run;
  meshd::app::RegisterServerCommands(app, &run);
  meshd::cli::RegisterClientCommands(app, &run);
  meshd::bus::cli::RegisterCommands(app, &run);
  meshd::schema::cli::RegisterCommands(app, &run);
  meshd::warehouse::RegisterQueryCommand(app, &run);
  meshd::governance::cli::RegisterCommands(app, &run);
  meshd::governance::cli::RegisterQuarantineCommands(app, &run);
  meshd::catalog::cli::RegisterCommands(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "meshd: " << e.what() << "\n";
    std::cerr << "run 'meshd --help' for usage\n";
    return meshd::cli::kExitUsage;
  }
  if (!run) {
    std::cerr << "meshd: no command given\n";
    return meshd::cli::kExitUsage;
  }
  try {
    return run();
  } catch (const std::exception& e) {
    std::cerr << "meshd: " << e.what() << "\n";
    return 1;
  }
}
