// A stand-in for `meshd serve` that serves only the schema registry, so the
// e2e client test (tests/e2e/test_schema_registry.py) can run before the app
// wires --registry: MESHD_BIN=<this> python3 tests/e2e/test_schema_registry.py
// Accepts: serve --data-dir D [--http H:P] --registry H:P; prints the same
// {"event":"listening",...} line as meshd; exits on SIGTERM/SIGINT.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>
#include <string>

#include "http/server.h"
#include "schema/registry_http.h"
#include "storage/local_log.h"

int main(int argc, char** argv) {
  using namespace meshd;
  std::string data_dir, registry = "127.0.0.1:0";
  for (int i = 1; i + 1 < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data-dir") data_dir = argv[++i];
    else if (a == "--registry") registry = argv[++i];
  }
  storage::LocalLogOptions opts;
  opts.data_dir = data_dir;
  auto log = storage::LocalLog::Open(opts);
  if (!log.ok()) {
    std::cerr << log.status().ToString() << "\n";
    return 1;
  }
  auto reg = schema::SchemaRegistry::Open(log->get());
  if (!reg.ok()) {
    std::cerr << reg.status().ToString() << "\n";
    return 1;
  }
  boost::asio::io_context ioc;
  auto router = std::make_shared<http::Router>();
  schema::RegisterRegistryRoutes(*router, **reg);
  http::ServerOptions so;
  so.name = "registry";
  http::HttpServer server(ioc, router, so);
  auto hp = http::ParseHostPort(registry);
  if (!hp.ok()) return 2;
  auto ep = server.Listen(hp->first, hp->second);
  if (!ep.ok()) {
    std::cerr << ep.status().ToString() << "\n";
    return 1;
  }
  server.Start();
  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) {
    server.Stop();
    ioc.stop();
  });
  std::string addr = ep->address().to_string() + ":" + std::to_string(ep->port());
  std::cout << "{\"event\":\"listening\",\"http\":\"" << addr << "\",\"registry\":\"" << addr << "\"}"
            << std::endl;
  ioc.run();
  (*log)->Close();
  return 0;
}
