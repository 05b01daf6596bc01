#include "http/reply.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace meshd::http {
namespace {

namespace json = boost::json;

TEST(ReplyTest, JsonAnswersOnTheRequestsVersionAndKeepAlive) {
  Request req{bhttp::verb::get, "/x", 10};
  req.keep_alive(false);
  RequestContext ctx{req};
  Response ok = ReplyJson(ctx, json::object{{"a", 1}});
  EXPECT_EQ(ok.result(), bhttp::status::ok);
  EXPECT_EQ(ok.version(), 10u);
  EXPECT_FALSE(ok.keep_alive());
  EXPECT_EQ(ok[bhttp::field::content_type], "application/json");
  EXPECT_EQ(ok.body(), R"({"a":1})");

  Response created = ReplyJson(ctx, json::array{}, bhttp::status::created);
  EXPECT_EQ(created.result(), bhttp::status::created);
  EXPECT_EQ(created.body(), "[]");
}

TEST(ReplyTest, ErrorMapsTheStatusAndSymbol) {
  Request req{bhttp::verb::post, "/x", 11};
  req.keep_alive(true);
  RequestContext ctx{req};
  Response nf = ReplyError(ctx, Status::NotFound("no such thing"), "THING_NOT_FOUND");
  EXPECT_EQ(nf.result(), bhttp::status::not_found);
  EXPECT_TRUE(nf.keep_alive());
  json::value body = json::parse(nf.body());
  EXPECT_EQ(body.at("error_code"), "THING_NOT_FOUND");
  EXPECT_EQ(body.at("message"), "no such thing");

  Response bad = ReplyError(ctx, Status::InvalidArgument("bad"));
  EXPECT_EQ(bad.result(), bhttp::status::bad_request);
  EXPECT_EQ(json::parse(bad.body()).at("error_code"), "INVALID_ARGUMENT");
}

}  // namespace
}  // namespace meshd::http
