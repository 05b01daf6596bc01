#pragma once
// HttpServer: HTTP/1.1 on Boost.Beast with C++20 coroutines. One acceptor per
// server; each connection runs as a coroutine on its own strand of the shared
// io_context (the application runs that io_context on a thread pool), so a
// handler never needs locks for per-connection state. Keep-alive, an idle
// timeout, a header and body size limit (413 PAYLOAD_TOO_LARGE), and
// streaming replies (Server-Sent Events).
//
// Errors on the network path are values (`as_tuple(use_awaitable)`), never
// exceptions. Thread-safety: Listen/Start/Stop from one controlling thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "base/result.h"
#include "http/router.h"

namespace meshd::http {

struct ServerOptions {
  std::string name = "http";                 // for logs and metrics labels
  uint64_t max_body_bytes = 8 * 1024 * 1024;  // request body limit (413 above it)
  uint32_t max_header_bytes = 64 * 1024;
  std::chrono::seconds idle_timeout{60};  // keep-alive idle / slow request limit
  std::string server_header = "meshd";
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, std::shared_ptr<const Router> router,
             ServerOptions options = {});
  ~HttpServer();

  // Binds host:port (port 0 = ephemeral) and returns the bound endpoint.
  Result<boost::asio::ip::tcp::endpoint> Listen(const std::string& host, uint16_t port);
  // Starts accepting (spawns the accept loop on the io_context).
  void Start();
  // Stops accepting and closes idle connections; a connection handling a
  // request answers it (with Connection: close) and then closes. The owner
  // stops the io_context after a grace period to cut long polls and streams.
  // Safe to call more than once.
  void Stop();

  void set_connection_closed(ConnectionClosedFn fn) { on_closed_ = std::move(fn); }
  boost::asio::ip::tcp::endpoint endpoint() const { return endpoint_; }
  const ServerOptions& options() const { return options_; }

 private:
  struct Conn;
  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> Session(std::shared_ptr<Conn> conn);

  boost::asio::io_context& ioc_;
  std::shared_ptr<const Router> router_;
  ServerOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::endpoint endpoint_;
  ConnectionClosedFn on_closed_;
  std::atomic<uint64_t> next_conn_id_{1};
  std::mutex mu_;
  std::set<std::shared_ptr<Conn>> conns_;
  std::atomic<bool> stopped_{false};
};

// Parses "host:port" (IPv6 as "[::1]:8080"). Errors name the bad input.
Result<std::pair<std::string, uint16_t>> ParseHostPort(const std::string& s);

}  // namespace meshd::http
