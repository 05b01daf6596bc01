// Test-only Kafka broker for end-to-end tests while `meshd serve --kafka` is
// not wired: opens a LocalLog in the given (or a temporary) directory, starts
// KafkaServer on 127.0.0.1:<port> (default 0) and prints one JSON line
//   {"event":"listening","kafka":"127.0.0.1:PORT"}
// then serves until SIGTERM/SIGINT.
//
// Usage: kafka_test_server [--data-dir D] [--port P] [--sasl-user U:PW]
//                          [--partitions N] [--no-auto-create]

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "kafka/server/kafka_server.h"
#include "storage/local_log.h"

int main(int argc, char** argv) {
  using namespace meshd;
  std::string data_dir;
  uint16_t port = 0;
  kafka::KafkaServerOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--data-dir") {
      data_dir = next();
    } else if (a == "--port") {
      port = static_cast<uint16_t>(std::atoi(next().c_str()));
    } else if (a == "--sasl-user") {
      std::string v = next();
      auto colon = v.find(':');
      options.sasl.users[v.substr(0, colon)] = v.substr(colon + 1);
    } else if (a == "--partitions") {
      options.default_partitions = std::atoi(next().c_str());
    } else if (a == "--no-auto-create") {
      options.auto_create_topics = false;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a.c_str());
      return 2;
    }
  }
  logging::Init(std::getenv("MESHD_LOG_LEVEL") ? std::getenv("MESHD_LOG_LEVEL") : "info");
  if (data_dir.empty()) {
    char tmpl[] = "/tmp/meshd_kafka_XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    data_dir = tmpl;
  }
  storage::LocalLogOptions lo;
  lo.data_dir = data_dir;
  auto log = storage::LocalLog::Open(lo);
  if (!log.ok()) {
    std::fprintf(stderr, "open log: %s\n", log.error().ToString().c_str());
    return 1;
  }
  options.state_dir = data_dir;
  boost::asio::io_context io;
  kafka::KafkaServer server(io, **log, options);
  auto ep = server.Listen("127.0.0.1", port);
  if (!ep.ok()) {
    std::fprintf(stderr, "listen: %s\n", ep.error().ToString().c_str());
    return 1;
  }
  std::printf("{\"event\":\"listening\",\"kafka\":\"127.0.0.1:%u\",\"data_dir\":\"%s\"}\n",
              static_cast<unsigned>(ep->port()), data_dir.c_str());
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.Stop();
    io.stop();
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 1; ++i) threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  (*log)->Close();
  return 0;
}
