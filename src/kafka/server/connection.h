#pragma once
// One Kafka client connection: reads size-prefixed frames, dispatches each
// request to its handler, and writes responses strictly in request order
// (clients pipeline; a slow request such as a long-poll Fetch or a parked
// JoinGroup delays later responses on the same connection, as in Kafka).
// Up to max_in_flight requests are read ahead; Produce appends are issued in
// arrival order because handlers start in order on the connection's strand.
//
// Any protocol violation (absurd length, truncated or undecodable request,
// unknown API key or version, request before SASL authentication) closes
// this connection with a log line; other connections are unaffected.
//
// Thread-safety: all state lives on the connection's strand; handler
// completions may arrive from any thread and are posted onto it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "kafka/server/request_context.h"

namespace spdlog {
class logger;
}

namespace meshd::kafka {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Strand = boost::asio::strand<boost::asio::any_io_executor>;

  Connection(boost::asio::ip::tcp::socket socket, Strand strand,
             std::shared_ptr<BrokerState> broker, std::function<void(Connection*)> on_close);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Thread-safe: closes on the strand.
  void Close(std::string reason);

 private:
  struct Slot {
    uint64_t seq = 0;
    int16_t api_key = -1;  // -1: raw SASL token reply (no Kafka header)
    int16_t api_version = 0;
    int32_t correlation_id = 0;
    bool ready = false;
    bool respond = true;
    // The response goes out as head (size prefix + response header) and
    // body in one gather write, so the body (a Fetch's record bytes) is not
    // copied into a frame.
    std::string head;
    std::string body;
  };

  boost::asio::awaitable<void> ReadLoop();
  // A frame body of 64 KiB or more, read under a receive low-water mark
  // (connection.cc says why).
  boost::asio::awaitable<void> ReadLargeBody(char* buf, size_t size, boost::system::error_code& ec);
  void Dispatch(std::string_view frame);
  void DispatchRawSaslToken(std::string_view token);
  void OnDone(uint64_t seq, Result<std::optional<std::string>> r);
  void Flush();
  void CloseNow(const std::string& reason);
  Slot* FindSlot(uint64_t seq);

  boost::asio::ip::tcp::socket socket_;
  Strand strand_;
  std::shared_ptr<BrokerState> broker_;
  std::function<void(Connection*)> on_close_;
  std::shared_ptr<spdlog::logger> log_;
  boost::asio::steady_timer space_;
  std::string peer_;
  std::deque<Slot> slots_;
  // Request frames are read here and dispatched in place (handlers finish
  // with the bytes before Dispatch returns), so a ~1 MB produce request costs
  // no allocation, zero-fill or copy. Released after an unusually big frame.
  std::unique_ptr<char[]> read_buf_;
  size_t read_cap_ = 0;
  uint64_t next_seq_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  bool close_after_flush_ = false;
  ConnectionAuth auth_;
};

}  // namespace meshd::kafka
