#include "bus/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <cctype>
#include <optional>

namespace meshd::bus {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

template <class Stream>
Result<HttpClientResponse> Exchange(asio::io_context& ioc, Stream& stream, beast::tcp_stream& lowest,
                                    bhttp::request<bhttp::string_body>& req,
                                    std::chrono::milliseconds timeout) {
  beast::error_code ec;
  bool done = false;
  bhttp::response<bhttp::string_body> res;
  beast::flat_buffer buffer;
  lowest.expires_after(timeout);
  bhttp::async_write(stream, req, [&](beast::error_code wec, size_t) {
    if (wec) {
      ec = wec;
      done = true;
      return;
    }
    bhttp::async_read(stream, buffer, res, [&](beast::error_code rec, size_t) {
      ec = rec;
      done = true;
    });
  });
  ioc.restart();
  ioc.run();
  if (!done || ec) {
    if (ec == beast::error::timeout) return Status::Timeout("HTTP request timed out after " + std::to_string(timeout.count()) + " ms");
    return Status::Unavailable("HTTP exchange failed: " + (ec ? ec.message() : std::string("incomplete")));
  }
  HttpClientResponse out;
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  return out;
}

}  // namespace

Result<HttpClientResponse> HttpCall(const HttpClientRequest& request) {
  auto parsed = boost::urls::parse_uri(request.url);
  if (!parsed) return Status::InvalidArgument("bad URL '" + request.url + "': " + parsed.error().message());
  std::string scheme(parsed->scheme());
  bool tls = scheme == "https";
  if (!tls && scheme != "http") return Status::InvalidArgument("URL '" + request.url + "' is not http(s)");
  std::string host(parsed->host_address());
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  bhttp::verb verb = bhttp::string_to_verb(request.method);
  bhttp::request<bhttp::string_body> req;
  if (verb == bhttp::verb::unknown) req.method_string(request.method);
  else req.method(verb);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, parsed->has_port() ? host + ":" + port : host);
  req.set(bhttp::field::user_agent, "meshd-bus");
  req.set(bhttp::field::connection, "close");
  bool has_ct = false;
  for (const auto& [k, v] : request.headers) {
    req.set(k, v);
    std::string lk = k;
    for (auto& c : lk) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lk == "content-type") has_ct = true;
  }
  if (!has_ct && !request.body.empty()) req.set(bhttp::field::content_type, "application/json");
  req.body() = request.body;
  req.prepare_payload();

  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return Status::Unavailable("cannot resolve " + host + ": " + ec.message());

  if (!tls) {
    beast::tcp_stream stream(ioc);
    stream.expires_after(request.timeout);
    bool connected = false;
    stream.async_connect(endpoints, [&](beast::error_code cec, const tcp::endpoint&) {
      ec = cec;
      connected = !cec;
    });
    ioc.run();
    if (!connected) {
      if (ec == beast::error::timeout) return Status::Timeout("connect to " + host + ":" + port + " timed out");
      return Status::Unavailable("connect to " + host + ":" + port + " failed: " + ec.message());
    }
    auto res = Exchange(ioc, stream, stream, req, request.timeout);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return res;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    return Status::Unavailable("TLS SNI setup failed for " + host);
  }
  stream.set_verify_callback(asio::ssl::host_name_verification(host));
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(request.timeout);
  bool ready = false;
  lowest.async_connect(endpoints, [&](beast::error_code cec, const tcp::endpoint&) {
    if (cec) {
      ec = cec;
      return;
    }
    stream.async_handshake(asio::ssl::stream_base::client, [&](beast::error_code hec) {
      ec = hec;
      ready = !hec;
    });
  });
  ioc.run();
  if (!ready) return Status::Unavailable("TLS connect to " + host + ":" + port + " failed: " + ec.message());
  return Exchange(ioc, stream, lowest, req, request.timeout);
}

}  // namespace meshd::bus
