#pragma once
// StreamWriter: what a streaming handler (Server-Sent Events) writes to. The
// server has already sent the status line and headers; each Write sends raw
// bytes. Write returns false once the client has gone away, so the handler
// can stop. Used only from the connection's strand.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace meshd::http {

class StreamWriter {
 public:
  explicit StreamWriter(boost::beast::tcp_stream& stream)
      : stream_(stream), state_(std::make_shared<State>()) {}

  // Runs `fn` (on the connection's strand) when the client closes the
  // connection, so a handler sleeping between events can stop at once.
  void set_on_close(std::function<void()> fn) { state_->on_close = std::move(fn); }

  boost::asio::awaitable<bool> Write(std::string_view bytes);
  // One SSE event: "id: ..\nevent: ..\ndata: ..\n\n" (data split on newlines).
  boost::asio::awaitable<bool> WriteEvent(std::string_view id, std::string_view event,
                                          std::string_view data);
  // An SSE comment line (keeps proxies and idle timers from closing the stream,
  // and detects a client that has gone).
  boost::asio::awaitable<bool> WriteComment(std::string_view text);
  bool closed() const { return closed_ || state_->closed; }

  struct State {
    bool closed = false;
    std::function<void()> on_close;
  };
  std::shared_ptr<State> state() const { return state_; }

 private:
  boost::beast::tcp_stream& stream_;
  bool closed_ = false;
  std::shared_ptr<State> state_;
};

// Formats one SSE event (exposed for tests).
std::string FormatSseEvent(std::string_view id, std::string_view event, std::string_view data);

}  // namespace meshd::http
