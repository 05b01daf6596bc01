#include "http/router.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include "http/error_mapping.h"

namespace meshd::http {
namespace {

Handler Named(std::string name) {
  return [name](RequestContext& ctx) -> boost::asio::awaitable<Reply> {
    std::string body = name;
    for (auto& [k, v] : ctx.path_params) body += "|" + k + "=" + v;
    co_return Reply(JsonResponse(bhttp::status::ok, body));
  };
}

Router MakeRouter() {
  Router r;
  r.Add(Method::get, "/v1/topics", Named("list"));
  r.Add(Method::post, "/v1/topics", Named("create"));
  r.Add(Method::get, "/v1/topics/{topic}", Named("describe"));
  r.Add(Method::get, "/v1/topics/{topic}/events", Named("consume"));
  r.Add(Method::get, "/v1/topics/special", Named("special"));
  r.Add(Method::get, "/subjects/{subject...}", Named("subject"));
  return r;
}

TEST(RouterTest, MatchesLiteralRoute) {
  Router r = MakeRouter();
  auto m = r.Find(Method::get, "/v1/topics");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_TRUE(m.params.empty());
}

TEST(RouterTest, ExtractsAndDecodesPathParameters) {
  Router r = MakeRouter();
  auto m = r.Find(Method::get, "/v1/topics/pos%2Esales/events");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.at("topic"), "pos.sales");
}

TEST(RouterTest, LiteralSegmentBeatsParameter) {
  Router r = MakeRouter();
  auto m = r.Find(Method::get, "/v1/topics/special");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_TRUE(m.params.empty());
  auto other = r.Find(Method::get, "/v1/topics/orders");
  ASSERT_NE(other.handler, nullptr);
  EXPECT_EQ(other.params.at("topic"), "orders");
}

TEST(RouterTest, RestParameterTakesRemainingSegments) {
  Router r = MakeRouter();
  auto m = r.Find(Method::get, "/subjects/a/b/c");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.params.at("subject"), "a/b/c");
}

TEST(RouterTest, WrongMethodReportsAllowedMethods) {
  Router r = MakeRouter();
  auto m = r.Find(Method::delete_, "/v1/topics");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_TRUE(m.path_matched);
  EXPECT_NE(m.allowed.find("GET"), std::string::npos);
  EXPECT_NE(m.allowed.find("POST"), std::string::npos);
}

TEST(RouterTest, UnknownPathIsNotMatched) {
  Router r = MakeRouter();
  auto m = r.Find(Method::get, "/v2/nothing");
  EXPECT_EQ(m.handler, nullptr);
  EXPECT_FALSE(m.path_matched);
  auto too_long = r.Find(Method::get, "/v1/topics/a/events/extra");
  EXPECT_EQ(too_long.handler, nullptr);
}

Reply RunDispatch(const Router& r, Request req) {
  boost::asio::io_context ioc;
  std::string target(req.target());
  RequestContext ctx{req};
  size_t q = target.find('?');
  ctx.path = target.substr(0, q);
  if (q != std::string::npos) ctx.query = ParseQuery(target.substr(q + 1));
  ctx.executor = ioc.get_executor();
  auto fut = boost::asio::co_spawn(ioc, r.Dispatch(ctx), boost::asio::use_future);
  ioc.run();
  return fut.get();
}

TEST(RouterTest, DispatchGives404And405AsJsonErrors) {
  Router r = MakeRouter();
  Request req(Method::get, "/nope", 11);
  Reply rep = RunDispatch(r, req);
  EXPECT_EQ(rep.response.result(), bhttp::status::not_found);
  auto body = boost::json::parse(rep.response.body()).as_object();
  EXPECT_EQ(body.at("error_code").as_string(), "ROUTE_NOT_FOUND");
  EXPECT_NE(std::string(body.at("message").as_string()).find("/nope"), std::string::npos);

  Request del(Method::delete_, "/v1/topics", 11);
  Reply rep2 = RunDispatch(r, del);
  EXPECT_EQ(rep2.response.result(), bhttp::status::method_not_allowed);
  EXPECT_EQ(boost::json::parse(rep2.response.body()).at("error_code").as_string(),
            "METHOD_NOT_ALLOWED");
  EXPECT_FALSE(rep2.response[bhttp::field::allow].empty());
}

TEST(RouterTest, DispatchTurnsHandlerExceptionInto500) {
  Router r;
  r.Add(Method::get, "/boom", [](RequestContext&) -> boost::asio::awaitable<Reply> {
    throw std::runtime_error("kaboom");
    co_return Reply();
  });
  Reply rep = RunDispatch(r, Request(Method::get, "/boom", 11));
  EXPECT_EQ(rep.response.result(), bhttp::status::internal_server_error);
  auto body = boost::json::parse(rep.response.body());
  EXPECT_EQ(body.at("error_code").as_string(), "INTERNAL");
  EXPECT_NE(std::string(body.at("message").as_string()).find("kaboom"), std::string::npos);
}

TEST(RouterTest, HeadUsesGetRoute) {
  Router r = MakeRouter();
  Reply rep = RunDispatch(r, Request(Method::head, "/v1/topics", 11));
  EXPECT_EQ(rep.response.result(), bhttp::status::ok);
}

TEST(QueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("group=g%201&max=10&flag&key=a+b&max=20");
  EXPECT_EQ(q.find("group")->second, "g 1");
  EXPECT_EQ(q.count("max"), 2u);
  EXPECT_EQ(q.find("flag")->second, "");
  EXPECT_EQ(q.find("key")->second, "a b");
}

TEST(QueryTest, PercentDecodeKeepsBadEscapes) {
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz"), "%zz");
  EXPECT_EQ(PercentDecode("a%2Fb"), "a/b");
}

}  // namespace
}  // namespace meshd::http
