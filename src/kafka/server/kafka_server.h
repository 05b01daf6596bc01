#pragma once
// KafkaServer: the Kafka wire-protocol listener of meshd, serving the APIs
// and versions in kafka/protocol/api_keys.cc on top of storage::EventLog.
//
//   KafkaServer kafka(io, log, options);
//   auto ep = kafka.Listen("127.0.0.1", 9092);   // port 0 = ephemeral
//   ... io.run() on one or more threads ...
//   kafka.Stop();                                 // before io/log go away
//
// Lifecycle: construct, Listen once, run the io_context, Stop. Stop closes
// the acceptor and every connection; it is idempotent and also called by the
// destructor. The EventLog must outlive the server.
// Thread-safety: Listen and Stop may be called from any thread; the server
// works on the io_context's threads (every connection on its own strand).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "kafka/server/options.h"
#include "storage/event_log.h"

namespace meshd::kafka {

struct BrokerState;
class Connection;

class KafkaServer {
 public:
  KafkaServer(boost::asio::io_context& io, storage::EventLog& log, KafkaServerOptions options);
  ~KafkaServer();
  KafkaServer(const KafkaServer&) = delete;
  KafkaServer& operator=(const KafkaServer&) = delete;

  // Binds and starts accepting. Returns the bound endpoint (the real port
  // when `port` is 0). Errors: bind/listen failures, producer-id state dir.
  Result<boost::asio::ip::tcp::endpoint> Listen(const std::string& host, uint16_t port);

  void Stop();

 private:
  void Accept();
  void Tick();

  boost::asio::io_context& io_;
  std::shared_ptr<BrokerState> broker_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::unique_ptr<boost::asio::steady_timer> tick_timer_;
  std::mutex mu_;
  std::map<Connection*, std::weak_ptr<Connection>> connections_;
  bool stopped_ = false;
};

}  // namespace meshd::kafka
