#pragma once
// Router: maps (method, path pattern) to a Handler. Patterns are literal
// segments and "{name}" parameters ("/v1/topics/{topic}/events"); a trailing
// "{name...}" matches the rest of the path (for subjects with slashes).
// Literal segments win over parameters at the same position.
//
// Reusable: the /v1 API, the schema registry (on its own port) and the
// EventBridge API each mount routes on a Router.
//
// Thread-safety: Add() before the server starts; Match() is const and safe
// from any thread afterwards.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace meshd::http {

class Router {
 public:
  void Add(Method method, std::string pattern, Handler handler);
  // Installs a middleware around every matched handler (before the server
  // starts). Unmatched requests (404/405) do not reach it.
  void set_middleware(Middleware middleware) { middleware_ = std::move(middleware); }

  struct Match {
    const Handler* handler = nullptr;           // null → see path_matched
    const std::string* pattern = nullptr;       // the matched route's pattern
    bool path_matched = false;                  // true → 405, false → 404
    std::string allowed;                        // "GET, POST" for 405
    std::map<std::string, std::string> params;  // decoded path parameters
  };
  // `path` is the raw (percent-encoded) path without the query string.
  Match Find(Method method, std::string_view path) const;

  // Dispatches one request: 404/405 JSON errors when no route matches,
  // 500 INTERNAL if the handler throws.
  boost::asio::awaitable<Reply> Dispatch(RequestContext& ctx) const;

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;  // "{x}" = param, "{x...}" = rest
    Handler handler;
    std::string pattern;
  };
  static bool MatchRoute(const Route& r, const std::vector<std::string>& parts,
                         std::map<std::string, std::string>* params, int* literal_score);
  std::vector<Route> routes_;
  Middleware middleware_;
};

// Splits "/a/b/c" into {"a","b","c"} (empty segments dropped).
std::vector<std::string> SplitPath(std::string_view path);
// Percent-decodes a path segment or query component ('+' → ' ' when `plus`).
std::string PercentDecode(std::string_view s, bool plus = false);
// Parses "a=1&b=2" into a multimap (decoded).
std::multimap<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace meshd::http
