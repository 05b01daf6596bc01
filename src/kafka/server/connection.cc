#include "kafka/server/connection.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "base/endian.h"
#include "base/logging.h"
#include "kafka/protocol/api_keys.h"
#include "kafka/protocol/header.h"
#include "metrics/metrics.h"

namespace meshd::kafka {

namespace asio = boost::asio;

namespace {

metrics::Counter& RequestCounter(int16_t key) {
  return metrics::Registry::Default().GetCounter(
      "meshd_kafka_requests_total", "Kafka requests received, by API", {{"api", ApiName(key)}});
}

// Frames from this size on are read by ReadLargeBody, under a receive
// low-water mark of at most kMaxReceiveLowWater.
constexpr size_t kLargeFrame = 64 << 10;
constexpr size_t kMaxReceiveLowWater = 512 << 10;

// A connection keeps its read buffer up to this size (librdkafka's produce
// requests are up to ~1 MB); a bigger frame's buffer is freed after it.
constexpr size_t kMaxKeptReadBuffer = 4 << 20;

bool AllowedBeforeAuth(int16_t key) {
  return key == static_cast<int16_t>(ApiKey::kApiVersions) ||
         key == static_cast<int16_t>(ApiKey::kSaslHandshake) ||
         key == static_cast<int16_t>(ApiKey::kSaslAuthenticate);
}

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, Strand strand,
                       std::shared_ptr<BrokerState> broker,
                       std::function<void(Connection*)> on_close)
    : socket_(std::move(socket)),
      strand_(std::move(strand)),
      broker_(std::move(broker)),
      on_close_(std::move(on_close)),
      log_(logging::Get("kafka")),
      space_(strand_) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  // ReadLargeBody's read_some answers would_block instead of waiting (async
  // operations work the same either way).
  socket_.non_blocking(true, ec);
  auth_.authenticated = broker_->sasl == nullptr;
}

void Connection::Start() {
  auto self = shared_from_this();
  asio::co_spawn(strand_, [self]() { return self->ReadLoop(); }, asio::detached);
}

void Connection::Close(std::string reason) {
  auto self = shared_from_this();
  asio::post(strand_, [self, reason = std::move(reason)] { self->CloseNow(reason); });
}

void Connection::CloseNow(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  if (!reason.empty()) log_->info("kafka connection closed peer={} reason=\"{}\"", peer_, reason);
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  space_.cancel();
  slots_.clear();
  if (on_close_) on_close_(this);
}

asio::awaitable<void> Connection::ReadLoop() {
  auto self = shared_from_this();  // lives as long as the loop
  const int32_t max_frame = broker_->options.max_frame_bytes;
  const size_t max_in_flight =
      static_cast<size_t>(std::max(1, broker_->options.max_in_flight_per_connection));
  for (;;) {
    boost::system::error_code ec;
    char size_buf[4];
    co_await asio::async_read(socket_, asio::buffer(size_buf, 4),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec || closed_) {
      CloseNow(ec == asio::error::eof || closed_ ? "" : "read: " + ec.message());
      co_return;
    }
    int32_t size = LoadBE<int32_t>(size_buf);
    if (size < 0 || size > max_frame) {
      CloseNow("frame length " + std::to_string(size) + " outside [0, " +
               std::to_string(max_frame) + "]");
      co_return;
    }
    if (static_cast<size_t>(size) > read_cap_) {
      read_buf_ = std::make_unique_for_overwrite<char[]>(static_cast<size_t>(size));
      read_cap_ = static_cast<size_t>(size);
    }
    if (static_cast<size_t>(size) >= kLargeFrame && socket_.non_blocking()) {
      co_await ReadLargeBody(read_buf_.get(), static_cast<size_t>(size), ec);
    } else {
      co_await asio::async_read(socket_, asio::buffer(read_buf_.get(), static_cast<size_t>(size)),
                                asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec || closed_) {
      CloseNow(closed_ ? "" : "truncated frame: " + ec.message());
      co_return;
    }
    while (!closed_ && slots_.size() >= max_in_flight) {
      space_.expires_at(asio::steady_timer::time_point::max());
      co_await space_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (closed_) co_return;
    Dispatch(std::string_view(read_buf_.get(), static_cast<size_t>(size)));
    if (closed_) co_return;
    if (read_cap_ > kMaxKeptReadBuffer) {
      read_buf_.reset();
      read_cap_ = 0;
    }
  }
}

// WHY: a produce request of up to ~1 MB arrives in many TCP segments. Read
// as they come, it takes one recv (and one wake-up of this thread) per few
// segments, and every recv that frees receive space sends the client a
// window update that can wake its sender. When this broker is the slower
// side (validating records, say), that was a good part of its kernel time
// (docs/benchmarks.md, "Session 12"). With SO_RCVLOWAT at what is left of
// the frame (at most 512 KiB), the socket reads as ready only once that much
// is queued, so the body comes in a few large reads. The kernel (Linux 4.18
// and later; Debian 12 has 6.1) grows the receive buffer to fit the mark,
// and reports the socket ready anyway when the buffer fills, so the mark
// cannot stall a frame. It is put back to one
// byte before the next frame's length is read.
asio::awaitable<void> Connection::ReadLargeBody(char* buf, size_t size, boost::system::error_code& ec) {
  size_t got = 0;
  bool lowat_set = false;
  while (got < size && !closed_) {
    const size_t n = socket_.read_some(asio::buffer(buf + got, size - got), ec);
    if (!ec) {
      got += n;
      continue;
    }
    if (ec != asio::error::would_block && ec != asio::error::try_again) break;
    const int lowat = static_cast<int>(std::min<size_t>(size - got, kMaxReceiveLowWater));
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);  // best effort
    lowat_set = true;
    ec.clear();
    co_await socket_.async_wait(asio::ip::tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  if (lowat_set) {
    const int one = 1;
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  }
  if (!ec && got < size) ec = asio::error::eof;
}

void Connection::Dispatch(std::string_view frame) {
  if (auth_.raw_tokens && !auth_.authenticated) {
    DispatchRawSaslToken(frame);
    return;
  }
  auto parsed = ParseRequest(frame);
  if (!parsed.ok()) {
    CloseNow("bad request header: " + parsed.error().message());
    return;
  }
  const RequestHeader& h = parsed->header;
  Handler handler = FindHandler(h.api_key);
  const bool is_api_versions = h.api_key == static_cast<int16_t>(ApiKey::kApiVersions);
  if (!handler || (!IsSupported(h.api_key, h.api_version) && !is_api_versions)) {
    CloseNow("unsupported api_key=" + std::to_string(h.api_key) + " (" + ApiName(h.api_key) +
             ") version=" + std::to_string(h.api_version));
    return;
  }
  if (!auth_.authenticated && !AllowedBeforeAuth(h.api_key)) {
    CloseNow(std::string("request ") + ApiName(h.api_key) + " before SASL authentication");
    return;
  }
  RequestCounter(h.api_key).Inc();

  Slot slot;
  slot.seq = next_seq_++;
  slot.api_key = h.api_key;
  slot.api_version = h.api_version;
  slot.correlation_id = h.correlation_id;
  slots_.push_back(std::move(slot));
  const uint64_t seq = slots_.back().seq;

  auto self = shared_from_this();
  auto ctx = std::make_shared<RequestContext>(RequestContext{
      *broker_, self, auth_, h, peer_.substr(0, peer_.rfind(':')),
      [self](std::function<void()> fn) { asio::post(self->strand_, std::move(fn)); },
      [self](int64_t ms, std::function<void()> fn) -> std::function<void()> {
        auto timer = std::make_shared<asio::steady_timer>(self->strand_);
        timer->expires_after(std::chrono::milliseconds(ms));
        timer->async_wait([timer, fn = std::move(fn)](boost::system::error_code ec) {
          if (!ec) fn();
        });
        return [self, timer] { asio::post(self->strand_, [timer] { timer->cancel(); }); };
      }});
  handler(ctx, parsed->body, [self, seq](Result<std::optional<std::string>> r) {
    asio::post(self->strand_, [self, seq, r = std::move(r)]() mutable {
      self->OnDone(seq, std::move(r));
    });
  });
}

void Connection::DispatchRawSaslToken(std::string_view token) {
  // kafka-python after SaslHandshake v0: bare tokens, bare replies; a
  // failure closes the connection (that is how the client learns of it).
  auto step = auth_.session ? auth_.session->Step(token)
                            : Result<std::string>(Status::InvalidArgument("no SASL session"));
  if (!step.ok()) {
    log_->warn("sasl authentication failed peer={} reason={}", peer_, step.error().message());
    close_after_flush_ = true;
    if (slots_.empty() && !writing_) CloseNow("sasl authentication failed");
    return;
  }
  if (auth_.session->complete()) {
    auth_.authenticated = true;
    auth_.principal = auth_.session->principal();
    auth_.raw_tokens = false;
  }
  Slot slot;
  slot.seq = next_seq_++;
  slot.ready = true;
  slot.head.assign(4, '\0');
  StoreBE<int32_t>(slot.head.data(), static_cast<int32_t>(step->size()));
  slot.body = std::move(*step);
  slots_.push_back(std::move(slot));
  Flush();
}

Connection::Slot* Connection::FindSlot(uint64_t seq) {
  if (slots_.empty() || seq < slots_.front().seq) return nullptr;
  size_t i = static_cast<size_t>(seq - slots_.front().seq);
  return i < slots_.size() ? &slots_[i] : nullptr;
}

void Connection::OnDone(uint64_t seq, Result<std::optional<std::string>> r) {
  if (closed_) return;
  Slot* slot = FindSlot(seq);
  if (!slot) return;
  if (!r.ok()) {
    CloseNow(std::string("undecodable ") + ApiName(slot->api_key) + " v" +
             std::to_string(slot->api_version) + " request: " + r.error().message());
    return;
  }
  slot->ready = true;
  if (!r->has_value()) {
    slot->respond = false;
  } else {
    slot->body = std::move(**r);
    slot->head.assign(4, '\0');
    EncodeResponseHeader(slot->api_key, slot->api_version, slot->correlation_id, &slot->head);
    StoreBE<int32_t>(slot->head.data(),
                     static_cast<int32_t>(slot->head.size() - 4 + slot->body.size()));
  }
  if (auth_.failed) close_after_flush_ = true;
  Flush();
}

void Connection::Flush() {
  if (closed_ || writing_) return;
  // Every ready response in order, in one gather write (writev).
  struct Outgoing {
    std::vector<std::string> parts;
    std::vector<asio::const_buffer> buffers;
  };
  auto out = std::make_shared<Outgoing>();
  bool popped = false;
  while (!slots_.empty() && slots_.front().ready) {
    if (slots_.front().respond) {
      out->parts.push_back(std::move(slots_.front().head));
      if (!slots_.front().body.empty()) out->parts.push_back(std::move(slots_.front().body));
    }
    slots_.pop_front();
    popped = true;
  }
  if (popped) space_.cancel();
  // Buffers only once the parts have stopped moving (short strings live
  // inside the string object).
  for (const std::string& part : out->parts) out->buffers.emplace_back(part.data(), part.size());
  if (out->buffers.empty()) {
    if (close_after_flush_ && slots_.empty()) CloseNow("closing after failed authentication");
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  asio::async_write(socket_, out->buffers,
                    asio::bind_executor(strand_, [self, out](boost::system::error_code ec,
                                                             size_t) {
                      self->writing_ = false;
                      if (ec) {
                        self->CloseNow("write: " + ec.message());
                        return;
                      }
                      self->Flush();
                    }));
}

}  // namespace meshd::kafka
