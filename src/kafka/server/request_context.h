#pragma once
// What a request handler sees: the broker-wide state (log, options, group
// coordinator, producer ids, SASL credentials), the connection's SASL state,
// the request header, and two executor hooks. Handlers contain no socket or
// Asio code; they finish by calling `done` exactly once, from any thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "kafka/protocol/header.h"
#include "kafka/server/group_coordinator.h"
#include "kafka/server/options.h"
#include "kafka/server/producer_id_allocator.h"
#include "kafka/server/sasl.h"
#include "storage/event_log.h"

namespace meshd::kafka {

// Shared by every connection of one KafkaServer. Thread-safe members only.
struct BrokerState {
  storage::EventLog& log;
  KafkaServerOptions options;  // advertised host/port resolved after Listen
  std::unique_ptr<GroupCoordinator> groups;
  std::unique_ptr<ProducerIdAllocator> producer_ids;
  std::unique_ptr<SaslCredentials> sasl;  // null when SASL is off
};

// Per-connection authentication state; touched only on the connection's
// executor.
struct ConnectionAuth {
  bool authenticated = false;    // true from the start when SASL is off
  std::string mechanism;         // chosen by SaslHandshake
  bool raw_tokens = false;       // SaslHandshake v0: raw frames follow
  std::unique_ptr<SaslSession> session;
  std::string principal;
  bool failed = false;           // close after the failure response
};

struct RequestContext {
  BrokerState& broker;
  // Keeps the connection (and through it the BrokerState) alive while a
  // handler is pending.
  std::shared_ptr<void> owner;
  ConnectionAuth& auth;
  RequestHeader header;
  std::string client_host;
  // Runs `fn` on the connection's executor.
  std::function<void(std::function<void()>)> post;
  // Runs `fn` on the connection's executor after `ms`; returns a function
  // that cancels it (safe to call after it fired).
  std::function<std::function<void()>(int64_t ms, std::function<void()>)> schedule;

  int16_t version() const { return header.api_version; }
};

// A handler's outcome: the encoded response body, nullopt for "no response"
// (Produce acks=0), or an error that closes the connection (undecodable
// request). Thread-safe to call from any thread, exactly once.
// `body` is valid only until the handler returns (the connection reuses its
// read buffer), and lies in writable memory the handler may modify in place:
// Produce appends record batches straight from it (rewriting BaseOffset).
using HandlerDone = std::function<void(Result<std::optional<std::string>>)>;
using Handler = void (*)(std::shared_ptr<RequestContext> ctx, std::string_view body,
                         HandlerDone done);

// The handler for an API key, or nullptr.
Handler FindHandler(int16_t api_key);

}  // namespace meshd::kafka
