#include "http/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "base/clock.h"
#include "base/logging.h"
#include "http/error_mapping.h"
#include "http/stream_writer.h"
#include "metrics/metrics.h"

namespace meshd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

struct HttpServer::Conn {
  explicit Conn(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  uint64_t id = 0;
  std::atomic<bool> busy{false};  // a request is being handled
};

Result<std::pair<std::string, uint16_t>> ParseHostPort(const std::string& s) {
  std::string host;
  std::string port_str;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return Status::InvalidArgument("bad listen address '" + s + "': expected [IPv6]:PORT");
    }
    host = s.substr(1, close - 1);
    port_str = s.substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos) {
      return Status::InvalidArgument("bad listen address '" + s + "': expected HOST:PORT");
    }
    host = s.substr(0, colon);
    port_str = s.substr(colon + 1);
  }
  if (host.empty()) host = "0.0.0.0";
  if (port_str.empty() || port_str.size() > 5 ||
      port_str.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("bad port in listen address '" + s + "'");
  }
  unsigned long port = std::stoul(port_str);
  if (port > 65535) return Status::InvalidArgument("port out of range in '" + s + "'");
  return std::make_pair(host, static_cast<uint16_t>(port));
}

HttpServer::HttpServer(asio::io_context& ioc, std::shared_ptr<const Router> router,
                       ServerOptions options)
    : ioc_(ioc),
      router_(std::move(router)),
      options_(std::move(options)),
      acceptor_(asio::make_strand(ioc)) {}

HttpServer::~HttpServer() { Stop(); }

Result<tcp::endpoint> HttpServer::Listen(const std::string& host, uint16_t port) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return Status::InvalidArgument("bad listen host '" + host + "': " + ec.message());
  tcp::endpoint ep(addr, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("cannot listen on " + host + ":" + std::to_string(port) + " (" +
                           options_.name + "): " + ec.message());
  }
  endpoint_ = acceptor_.local_endpoint(ec);
  return endpoint_;
}

void HttpServer::Start() {
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached);
}

void HttpServer::Stop() {
  if (stopped_.exchange(true)) return;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ec;
    acceptor_.close(ec);
  });
  std::set<std::shared_ptr<Conn>> conns;
  {
    std::lock_guard lock(mu_);
    conns = conns_;
  }
  // Drain: idle connections close now; busy ones finish their request and
  // then close (keep-alive is off once stopped_ is set).
  for (const auto& c : conns) {
    if (c->busy.load()) continue;
    asio::post(c->stream.get_executor(), [c] {
      if (c->busy.load()) return;
      beast::error_code ec;
      c->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      c->stream.close();
    });
  }
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  auto log = logging::Get(options_.name);
  while (!stopped_.load()) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kUseTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopped_.load()) break;
      log->warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<Conn>(std::move(socket));
    conn->id = next_conn_id_.fetch_add(1);
    {
      std::lock_guard lock(mu_);
      conns_.insert(conn);
    }
    asio::co_spawn(conn->stream.get_executor(), Session(conn), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Session(std::shared_ptr<Conn> conn) {
  auto log = logging::Get(options_.name);
  beast::flat_buffer buffer;
  std::string remote;
  {
    beast::error_code ec;
    auto ep = conn->stream.socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  auto& requests = metrics::Registry::Default().GetCounter(
      "meshd_http_requests_total", "HTTP requests handled", {{"server", options_.name}});
  auto& latency = metrics::Registry::Default().GetHistogram(
      "meshd_http_request_seconds", "HTTP request handling latency", {{"server", options_.name}});

  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options_.max_body_bytes);
    parser.header_limit(options_.max_header_bytes);
    conn->stream.expires_after(options_.idle_timeout);
    auto [hec, hn] = co_await bhttp::async_read_header(conn->stream, buffer, parser, kUseTuple);
    (void)hn;
    beast::error_code ec = hec;
    if (!ec && parser.get()[bhttp::field::expect] == "100-continue" &&
        (!parser.content_length() || *parser.content_length() <= options_.max_body_bytes)) {
      // curl waits up to a second for this before sending a large body.
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [cec, cn] = co_await asio::async_write(
          conn->stream, asio::buffer(kContinue.data(), kContinue.size()), kUseTuple);
      (void)cn;
      ec = cec;
    }
    if (!ec && !parser.is_done()) {
      auto [bec, bn] = co_await bhttp::async_read(conn->stream, buffer, parser, kUseTuple);
      (void)bn;
      ec = bec;
    }
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      Response res = ec == bhttp::error::body_limit
                         ? ErrorResponse(bhttp::status::payload_too_large, "PAYLOAD_TOO_LARGE",
                                         "request body exceeds the limit of " +
                                             std::to_string(options_.max_body_bytes) + " bytes",
                                         11, false)
                         : ErrorResponse(bhttp::status::request_header_fields_too_large,
                                         "HEADERS_TOO_LARGE",
                                         "request headers exceed the limit of " +
                                             std::to_string(options_.max_header_bytes) + " bytes",
                                         11, false);
      res.set(bhttp::field::server, options_.server_header);
      conn->stream.expires_after(std::chrono::seconds(10));
      auto [wec, wn] = co_await bhttp::async_write(conn->stream, res, kUseTuple);
      (void)wec;
      (void)wn;
      break;
    }
    if (ec) {
      if (ec != bhttp::error::end_of_stream && ec != beast::error::timeout &&
          ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
          ec != asio::error::eof && ec != bhttp::error::partial_message) {
        // Malformed request line/headers: answer 400 once, then close.
        if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() ||
            ec == bhttp::error::bad_method || ec == bhttp::error::bad_version) {
          Response res = ErrorResponse(bhttp::status::bad_request, "BAD_REQUEST",
                                       "malformed HTTP request: " + ec.message(), 11, false);
          auto [wec, wn] = co_await bhttp::async_write(conn->stream, res, kUseTuple);
          (void)wec;
          (void)wn;
        }
      }
      break;
    }
    conn->busy.store(true);
    Request req = parser.release();
    int64_t started = MonoMicros();
    std::string_view target(req.target().data(), req.target().size());
    size_t qpos = target.find('?');
    RequestContext ctx{req};
    ctx.path = std::string(target.substr(0, qpos));
    if (qpos != std::string_view::npos) ctx.query = ParseQuery(target.substr(qpos + 1));
    ctx.executor = conn->stream.get_executor();
    ctx.connection_id = conn->id;
    ctx.remote = remote;
    conn->stream.expires_never();

    Reply reply = co_await router_->Dispatch(ctx);
    requests.Inc();
    bool keep_alive = req.keep_alive() && !stopped_.load();
    reply.response.set(bhttp::field::server, options_.server_header);

    if (reply.stream) {
      // Streaming reply: headers without a length, then raw writes, then close.
      Response& res = reply.response;
      res.version(req.version());
      res.keep_alive(false);
      res.set(bhttp::field::connection, "close");
      res.set(bhttp::field::cache_control, "no-cache");
      res.body().clear();
      bhttp::response_serializer<bhttp::string_body> sr(res);
      conn->stream.expires_after(std::chrono::seconds(30));
      auto [wec, wn] = co_await bhttp::async_write_header(conn->stream, sr, kUseTuple);
      (void)wn;
      conn->stream.expires_never();
      latency.Observe(static_cast<double>(MonoMicros() - started) / 1e6);
      if (!wec) {
        StreamWriter writer(conn->stream);
        // Watch for the client going away while the handler sleeps between
        // events: the socket turns readable (EOF) when the peer closes.
        std::weak_ptr<StreamWriter::State> weak = writer.state();
        conn->stream.socket().async_wait(
            tcp::socket::wait_read, [weak](const beast::error_code& wait_ec) {
              if (auto st = weak.lock()) {
                if (wait_ec == asio::error::operation_aborted) return;
                st->closed = true;
                if (st->on_close) st->on_close();
              }
            });
        try {
          co_await reply.stream(writer);
        } catch (const std::exception& e) {
          log->warn("stream handler for {} threw: {}", ctx.path, e.what());
        }
      }
      break;
    }

    Response& res = reply.response;
    res.version(req.version());
    res.keep_alive(keep_alive);
    if (req.method() == Method::head) {
      res.body().clear();
    }
    if (!res.has_content_length() && !res.chunked()) res.prepare_payload();
    conn->stream.expires_after(options_.idle_timeout);
    auto [wec, wn] = co_await bhttp::async_write(conn->stream, res, kUseTuple);
    (void)wn;
    latency.Observe(static_cast<double>(MonoMicros() - started) / 1e6);
    conn->busy.store(false);
    if (wec || !keep_alive || stopped_.load()) break;
  }

  beast::error_code ec;
  conn->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  conn->stream.close();
  {
    std::lock_guard lock(mu_);
    conns_.erase(conn);
  }
  if (on_closed_) on_closed_(conn->id);
}

// ---- StreamWriter

asio::awaitable<bool> StreamWriter::Write(std::string_view bytes) {
  if (closed()) co_return false;
  stream_.expires_after(std::chrono::seconds(30));
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                                            kUseTuple);
  (void)n;
  stream_.expires_never();
  if (ec) closed_ = true;
  co_return !closed_;
}

std::string FormatSseEvent(std::string_view id, std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(data.size() + id.size() + event.size() + 32);
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  size_t i = 0;
  for (;;) {
    size_t j = data.find('\n', i);
    if (j == std::string_view::npos) {
      out.append("data: ").append(data.substr(i)).append("\n");
      break;
    }
    out.append("data: ").append(data.substr(i, j - i)).append("\n");
    i = j + 1;
  }
  out.append("\n");
  return out;
}

asio::awaitable<bool> StreamWriter::WriteEvent(std::string_view id, std::string_view event,
                                               std::string_view data) {
  co_return co_await Write(FormatSseEvent(id, event, data));
}

asio::awaitable<bool> StreamWriter::WriteComment(std::string_view text) {
  std::string line = ": ";
  line.append(text).append("\n\n");
  co_return co_await Write(line);
}

}  // namespace meshd::http
