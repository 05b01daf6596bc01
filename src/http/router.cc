#include "http/router.h"

#include <exception>

#include "base/logging.h"
#include "http/error_mapping.h"

namespace meshd::http {

const std::string* RequestContext::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

const std::string& RequestContext::PathParam(const std::string& name) const {
  static const std::string kEmpty;
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

std::string RequestContext::Header(std::string_view name) const {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return {};
  return std::string(it->value());
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

static int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s, bool plus) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus && c == '+' ? ' ' : c);
  }
  return out;
}

std::multimap<std::string, std::string> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> out;
  size_t i = 0;
  while (i < query.size()) {
    size_t j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    std::string_view kv = query.substr(i, j - i);
    if (!kv.empty()) {
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) {
        out.emplace(PercentDecode(kv, true), "");
      } else {
        out.emplace(PercentDecode(kv.substr(0, eq), true), PercentDecode(kv.substr(eq + 1), true));
      }
    }
    i = j + 1;
  }
  return out;
}

void Router::Add(Method method, std::string pattern, Handler handler) {
  std::vector<std::string> segments = SplitPath(pattern);
  routes_.push_back(Route{method, std::move(segments), std::move(handler), std::move(pattern)});
}

bool Router::MatchRoute(const Route& r, const std::vector<std::string>& parts,
                        std::map<std::string, std::string>* params, int* literal_score) {
  *literal_score = 0;
  size_t i = 0;
  for (; i < r.segments.size(); ++i) {
    const std::string& seg = r.segments[i];
    bool is_param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
    if (is_param && seg.size() > 5 && seg.compare(seg.size() - 4, 4, "...}") == 0) {
      if (i >= parts.size()) return false;
      std::string rest;
      for (size_t k = i; k < parts.size(); ++k) {
        if (k > i) rest += '/';
        rest += PercentDecode(parts[k]);
      }
      (*params)[seg.substr(1, seg.size() - 5)] = std::move(rest);
      return true;
    }
    if (i >= parts.size()) return false;
    if (is_param) {
      (*params)[seg.substr(1, seg.size() - 2)] = PercentDecode(parts[i]);
    } else if (seg == parts[i]) {
      *literal_score += 1 << (16 - std::min<size_t>(i, 15));
    } else {
      return false;
    }
  }
  return i == parts.size();
}

Router::Match Router::Find(Method method, std::string_view path) const {
  Match m;
  std::vector<std::string> parts = SplitPath(path);
  int best_score = -1;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    int score = 0;
    if (!MatchRoute(r, parts, &params, &score)) continue;
    if (r.method != method) {
      m.path_matched = true;
      std::string name(bhttp::to_string(r.method));
      if (m.allowed.find(name) == std::string::npos) {
        if (!m.allowed.empty()) m.allowed += ", ";
        m.allowed += name;
      }
      continue;
    }
    if (score > best_score) {
      best_score = score;
      m.handler = &r.handler;
      m.pattern = &r.pattern;
      m.params = std::move(params);
      m.path_matched = true;
    }
  }
  return m;
}

boost::asio::awaitable<Reply> Router::Dispatch(RequestContext& ctx) const {
  const Request& req = ctx.request;
  Method method = req.method();
  // HEAD is served by the GET route (the server drops the body).
  Match m = Find(method == Method::head ? Method::get : method, ctx.path);
  if (m.handler == nullptr) {
    if (m.path_matched) {
      Response res = ErrorResponse(bhttp::status::method_not_allowed, "METHOD_NOT_ALLOWED",
                                   std::string(req.method_string()) + " is not allowed on " +
                                       ctx.path + " (allowed: " + m.allowed + ")",
                                   req.version(), req.keep_alive());
      res.set(bhttp::field::allow, m.allowed);
      co_return Reply(std::move(res));
    }
    co_return Reply(ErrorResponse(bhttp::status::not_found, "ROUTE_NOT_FOUND",
                                  "no route for " + std::string(req.method_string()) + " " +
                                      ctx.path,
                                  req.version(), req.keep_alive()));
  }
  ctx.path_params = std::move(m.params);
  if (m.pattern != nullptr) ctx.route = *m.pattern;
  std::string failure;
  try {
    if (middleware_) co_return co_await middleware_(ctx, *m.handler);
    co_return co_await (*m.handler)(ctx);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  logging::Get("http")->error("handler for {} {} threw: {}", std::string(req.method_string()),
                              ctx.path, failure);
  co_return Reply(ErrorResponse(bhttp::status::internal_server_error, "INTERNAL",
                                "internal error handling " + std::string(req.method_string()) +
                                    " " + ctx.path + ": " + failure,
                                req.version(), req.keep_alive()));
}

}  // namespace meshd::http
