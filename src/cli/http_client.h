#pragma once
// HttpClient: a small synchronous HTTP/1.1 client (Boost.Beast) for the CLI,
// the demo and the HTTP benchmark. One keep-alive connection, reconnected on
// demand. Not thread-safe: use one client per thread.
//
// Errors: a connection or I/O failure is kUnavailable (the CLI maps it to
// exit code 3); HTTP error statuses are returned as responses, not errors.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"

namespace meshd::cli {

struct ServerUrl {
  std::string host;
  std::string port;
  std::string base_path;  // without a trailing slash
  std::string ToString() const { return "http://" + host + ":" + port + base_path; }
};

// Parses "http://host:port[/base]" (the scheme may be omitted).
Result<ServerUrl> ParseServerUrl(const std::string& url);

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};

class HttpClient {
 public:
  explicit HttpClient(ServerUrl url);
  ~HttpClient();

  Result<HttpResult> Get(const std::string& target) { return Send("GET", target, "", ""); }
  Result<HttpResult> Delete(const std::string& target) { return Send("DELETE", target, "", ""); }
  Result<HttpResult> Post(const std::string& target, const std::string& body,
                          const std::string& content_type = "application/json") {
    return Send("POST", target, body, content_type);
  }
  // `target` is appended to the base path ("/v1/topics").
  Result<HttpResult> Send(const std::string& method, const std::string& target,
                          const std::string& body, const std::string& content_type,
                          const std::map<std::string, std::string>& headers = {});
  const ServerUrl& url() const { return url_; }

 private:
  Status EnsureConnected();
  ServerUrl url_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
  boost::beast::flat_buffer buffer_;
};

// Percent-encodes a path segment or query value.
std::string UrlEncode(const std::string& s);

// The error of a non-2xx response as "<message> (<ERROR_CODE>)".
std::string DescribeHttpError(const HttpResult& r);

}  // namespace meshd::cli
