#include "cli/http_client.h"

#include <cstdlib>

#include <boost/asio/connect.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <cctype>

namespace meshd::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

Result<ServerUrl> ParseServerUrl(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return Status::InvalidArgument("unsupported server URL '" + url + "' (only http:// is supported)");
  }
  ServerUrl u;
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) u.base_path = rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    u.host = hostport;
    u.port = "80";
  } else {
    u.host = hostport.substr(0, colon);
    u.port = hostport.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty() ||
      u.port.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("bad server URL '" + url + "' (expected http://HOST:PORT)");
  }
  return u;
}

HttpClient::HttpClient(ServerUrl url) : url_(std::move(url)) {}

HttpClient::~HttpClient() {
  if (socket_) {
    beast::error_code ec;
    socket_->shutdown(tcp::socket::shutdown_both, ec);
    socket_->close(ec);
  }
}

Status HttpClient::EnsureConnected() {
  if (socket_ && socket_->is_open()) return Status::Ok();
  beast::error_code ec;
  tcp::resolver resolver(ioc_);
  auto results = resolver.resolve(url_.host, url_.port, ec);
  if (ec) {
    return Status::Unavailable("cannot resolve " + url_.host + ": " + ec.message());
  }
  auto sock = std::make_unique<tcp::socket>(ioc_);
  asio::connect(*sock, results, ec);
  if (ec) {
    return Status::Unavailable("cannot connect to " + url_.ToString() + ": " + ec.message());
  }
  sock->set_option(tcp::no_delay(true), ec);
  socket_ = std::move(sock);
  buffer_.clear();
  return Status::Ok();
}

Result<HttpResult> HttpClient::Send(const std::string& method, const std::string& target,
                                    const std::string& body, const std::string& content_type,
                                    const std::map<std::string, std::string>& headers) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(url_.base_path + target);
  req.version(11);
  req.set(bhttp::field::host, url_.host + ":" + url_.port);
  req.set(bhttp::field::user_agent, "meshd-cli");
  req.keep_alive(true);
  if (!content_type.empty()) req.set(bhttp::field::content_type, content_type);
  // Servers started with --auth required want an API token; every client
  // command picks it up from MESHD_TOKEN unless the caller set one.
  if (const char* token = std::getenv("MESHD_TOKEN"); token != nullptr && *token != '\0')
    req.set(bhttp::field::authorization, std::string("Bearer ") + token);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();

  // One retry on a stale keep-alive connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    MESHD_TRY(EnsureConnected());
    beast::error_code ec;
    bhttp::write(*socket_, req, ec);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ULL << 32);
    if (!ec) bhttp::read(*socket_, buffer_, parser, ec);
    if (ec) {
      socket_.reset();
      if (attempt == 0) continue;
      return Status::Unavailable("request " + method + " " + target + " to " + url_.ToString() +
                                 " failed: " + ec.message());
    }
    auto res = parser.release();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    if (!res.keep_alive()) socket_.reset();
    return out;
  }
  return Status::Unavailable("request to " + url_.ToString() + " failed");
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string DescribeHttpError(const HttpResult& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    const boost::json::value* msg = o.if_contains("message");
    const boost::json::value* code = o.if_contains("error_code");
    if (msg && msg->is_string()) {
      std::string out(msg->as_string());
      if (code && code->is_string()) out += " (" + std::string(code->as_string()) + ")";
      else if (code) out += " (" + boost::json::serialize(*code) + ")";
      return out;
    }
  }
  return "HTTP " + std::to_string(r.status) + (r.body.empty() ? "" : ": " + r.body.substr(0, 200));
}

}  // namespace meshd::cli
