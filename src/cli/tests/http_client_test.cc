#include "cli/http_client.h"

#include <gtest/gtest.h>

#include "cli/commands.h"

namespace meshd::cli {
namespace {

TEST(ServerUrlTest, ParsesForms) {
  auto a = ParseServerUrl("http://127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "8080");
  EXPECT_EQ(a->base_path, "");
  auto b = ParseServerUrl("localhost:9/api/");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "localhost");
  EXPECT_EQ(b->base_path, "/api");
  EXPECT_FALSE(ParseServerUrl("https://x:1").ok());
  EXPECT_FALSE(ParseServerUrl("http://x:abc").ok());
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  // Port 1 on loopback is essentially never listening.
  HttpClient c(*ParseServerUrl("http://127.0.0.1:1"));
  auto r = c.Get("/v1/topics");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(ReportError(r.error()), kExitConnection);
}

TEST(HttpClientTest, DescribesErrorBodies) {
  HttpResult r;
  r.status = 404;
  r.body = R"({"error_code":"TOPIC_NOT_FOUND","message":"topic 'x' does not exist"})";
  EXPECT_EQ(DescribeHttpError(r), "topic 'x' does not exist (TOPIC_NOT_FOUND)");
  r.body = "oops";
  EXPECT_EQ(DescribeHttpError(r), "HTTP 404: oops");
}

TEST(UrlEncodeTest, EncodesReserved) {
  EXPECT_EQ(UrlEncode("a b/c"), "a%20b%2Fc");
  EXPECT_EQ(UrlEncode("pos.sales-1_x~"), "pos.sales-1_x~");
}

}  // namespace
}  // namespace meshd::cli
