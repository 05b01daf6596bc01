#include "http/blocking_handler.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <optional>
#include <stdexcept>
#include <thread>

#include "http/reply.h"

namespace meshd::http {
namespace {

// Runs `handler` for one request on an io_context and returns its response.
Response Serve(const Handler& handler) {
  boost::asio::io_context io;
  Request req{bhttp::verb::get, "/x", 11};
  RequestContext ctx{req};
  ctx.executor = io.get_executor();
  std::optional<Reply> reply;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { reply = co_await handler(ctx); }, boost::asio::detached);
  io.run();
  EXPECT_TRUE(reply.has_value());
  return reply ? reply->response : Response{};
}

TEST(BlockingHandlerTest, RunsTheHandlerOnThePoolAndAnswersOnTheConnection) {
  boost::asio::thread_pool pool(1);
  const auto caller = std::this_thread::get_id();
  std::thread::id ran_on;
  Handler h = OnWorkerPool(pool, "test", [&](RequestContext& ctx) {
    ran_on = std::this_thread::get_id();
    return ReplyJson(ctx, boost::json::object{{"ok", true}});
  });
  Response res = Serve(h);
  EXPECT_EQ(res.result(), bhttp::status::ok);
  EXPECT_EQ(res.body(), R"({"ok":true})");
  EXPECT_NE(ran_on, caller);
}

TEST(BlockingHandlerTest, AnExceptionBecomesA500NamingTheWork) {
  boost::asio::thread_pool pool(1);
  Handler h = OnWorkerPool(pool, "query", [](RequestContext&) -> Response { throw std::runtime_error("boom"); });
  Response res = Serve(h);
  EXPECT_EQ(res.result(), bhttp::status::internal_server_error);
  auto body = boost::json::parse(res.body());
  EXPECT_EQ(body.at("error_code"), "INTERNAL");
  EXPECT_EQ(body.at("message"), "query failed: boom");
}

}  // namespace
}  // namespace meshd::http
