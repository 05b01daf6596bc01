#pragma once
// HTTP message types shared by the server, the router and every handler
// module (the /v1 API, the schema registry, the EventBridge API).

#include <boost/beast/http.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>

namespace meshd::http {

namespace bhttp = boost::beast::http;

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;
using Method = bhttp::verb;

class StreamWriter;

// A streaming body (Server-Sent Events). When a handler's Reply carries one,
// the server writes `response`'s status and headers without Content-Length,
// then runs `stream`, then closes the connection.
using StreamFn = std::function<boost::asio::awaitable<void>(StreamWriter&)>;

struct Reply {
  Response response;
  StreamFn stream;  // empty for ordinary responses

  Reply() = default;
  Reply(Response r) : response(std::move(r)) {}  // NOLINT(google-explicit-constructor)
};

// Everything a handler sees about one request. Lives for the duration of the
// handler's coroutine; handlers run on the connection's strand.
struct RequestContext {
  const Request& request;
  std::map<std::string, std::string> path_params;   // from "{name}" segments
  std::multimap<std::string, std::string> query;    // decoded query string
  std::string path;                                  // decoded path, without query
  boost::asio::any_io_executor executor;             // the connection's strand
  uint64_t connection_id = 0;                        // unique per TCP connection
  std::string remote;                                // "ip:port"
  std::string route;                                 // matched pattern ("/v1/topics/{topic}/events")
  // Set by access control's middleware after authentication; empty name =
  // anonymous (authentication off).
  std::string principal;
  std::string principal_domain;
  bool principal_admin = false;

  // First value of a query parameter, or nullptr.
  const std::string* Query(std::string_view name) const;
  const std::string& PathParam(const std::string& name) const;
  // A request header's value ("" when absent).
  std::string Header(std::string_view name) const;
};

using Handler = std::function<boost::asio::awaitable<Reply>(RequestContext&)>;

// Wraps every routed handler (authentication, authorization, auditing): it
// runs after routing (ctx.route and path params are set) and calls `next`
// to run the handler, or answers itself.
using Middleware =
    std::function<boost::asio::awaitable<Reply>(RequestContext& ctx, const Handler& next)>;

// Called by the server when a connection closes (for per-connection state such
// as HTTP consumer-group members derived from the connection).
using ConnectionClosedFn = std::function<void(uint64_t connection_id)>;

}  // namespace meshd::http
