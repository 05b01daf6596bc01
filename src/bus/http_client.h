#pragma once
// A small blocking HTTP/1.1 client (Boost.Beast) for webhook targets and the
// CLI. One connection per call; http:// and https:// (system CA store, SNI).
// Each call runs its own io_context, so it is safe from any thread; the
// timeout covers resolve, connect, write and read together.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "base/result.h"

namespace meshd::bus {

struct HttpClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct HttpClientRequest {
  std::string method = "POST";
  std::string url;  // http(s)://host[:port]/path?query
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};
};

// Network failures (resolve, connect, timeout, TLS) are errors: kTimeout for
// the deadline, kUnavailable otherwise. Any HTTP status is a value.
Result<HttpClientResponse> HttpCall(const HttpClientRequest& request);

}  // namespace meshd::bus
