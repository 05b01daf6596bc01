#include "kafka/server/kafka_server.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <future>

#include "base/logging.h"
#include "kafka/server/connection.h"
#include "kafka/server/request_context.h"

namespace meshd::kafka {

namespace asio = boost::asio;
using asio::ip::tcp;

KafkaServer::KafkaServer(asio::io_context& io, storage::EventLog& log, KafkaServerOptions options)
    : io_(io),
      broker_(std::make_shared<BrokerState>(BrokerState{log, std::move(options), nullptr, nullptr,
                                                        nullptr})) {
  const Clock& clock = broker_->options.clock ? *broker_->options.clock : SystemClock::Instance();
  broker_->groups = std::make_unique<GroupCoordinator>(clock, broker_->options.groups);
  if (broker_->options.sasl.enabled()) {
    broker_->sasl = std::make_unique<SaslCredentials>(broker_->options.sasl);
  }
}

KafkaServer::~KafkaServer() { Stop(); }

Result<tcp::endpoint> KafkaServer::Listen(const std::string& host, uint16_t port) {
  auto ids = ProducerIdAllocator::Open(broker_->options.state_dir);
  if (!ids.ok()) return ids.error();
  broker_->producer_ids = std::move(*ids);

  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("kafka listen address '" + host + "': " + ec.message());
  tcp::endpoint ep(address, port);
  auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(io_));
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::IOError("kafka listen on " + host + ":" + std::to_string(port) + ": " +
                           ec.message());
  }
  tcp::endpoint bound = acceptor->local_endpoint(ec);
  auto& opt = broker_->options;
  if (opt.advertised_host.empty()) {
    opt.advertised_host = address.is_unspecified() ? "127.0.0.1" : host;
  }
  if (opt.advertised_port == 0) opt.advertised_port = bound.port();
  acceptor_ = std::move(acceptor);
  tick_timer_ = std::make_unique<asio::steady_timer>(acceptor_->get_executor());
  logging::Get("kafka")->info("kafka listening on {}:{} advertised={}:{} sasl={}", host,
                              bound.port(), opt.advertised_host, opt.advertised_port,
                              broker_->sasl ? "on" : "off");
  Accept();
  Tick();
  return bound;
}

void KafkaServer::Accept() {
  acceptor_->async_accept(
      asio::make_strand(io_), [this](boost::system::error_code ec, tcp::socket socket) {
        if (ec) {
          if (ec == asio::error::operation_aborted) return;
          logging::Get("kafka")->warn("kafka accept failed: {}", ec.message());
        } else {
          auto strand = Connection::Strand(socket.get_executor());
          std::lock_guard lock(mu_);
          if (stopped_) return;
          auto conn = std::make_shared<Connection>(std::move(socket), strand, broker_,
                                                   [this](Connection* c) {
                                                     std::lock_guard lock(mu_);
                                                     connections_.erase(c);
                                                   });
          connections_[conn.get()] = conn;
          conn->Start();
        }
        std::lock_guard lock(mu_);
        if (!stopped_) Accept();
      });
}

void KafkaServer::Tick() {
  tick_timer_->expires_after(std::chrono::milliseconds(broker_->options.group_tick_ms));
  tick_timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    broker_->groups->Tick();
    Tick();
  });
}

void KafkaServer::Stop() {
  std::map<Connection*, std::weak_ptr<Connection>> conns;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    conns.swap(connections_);
  }
  if (acceptor_) {
    // The acceptor and timer live on the acceptor's strand; close them there
    // and wait so that no handler touches `this` after Stop returns.
    // When called from outside the io_context, wait for that close so that
    // no accept/tick handler touches `this` after Stop returns.
    auto close = [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      tick_timer_->cancel();
    };
    if (io_.stopped() || io_.get_executor().running_in_this_thread()) {
      close();
    } else {
      auto closed = std::make_shared<std::promise<void>>();
      auto fut = closed->get_future();
      asio::post(acceptor_->get_executor(), [close, closed] {
        close();
        closed->set_value();
      });
      if (fut.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        logging::Get("kafka")->warn("kafka stop: io_context not serving; closed inline");
        close();
      }
    }
  }
  for (auto& [ptr, weak] : conns) {
    if (auto c = weak.lock()) c->Close("server stopping");
  }
}

}  // namespace meshd::kafka
