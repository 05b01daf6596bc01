#include "http/server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>

#include <thread>

#include "http/async_wait.h"
#include "http/error_mapping.h"
#include "http/stream_writer.h"

namespace meshd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->Add(Method::post, "/echo", [](RequestContext& ctx) -> asio::awaitable<Reply> {
      co_return Reply(JsonResponse(bhttp::status::ok, ctx.request.body()));
    });
    router->Add(Method::get, "/conn", [](RequestContext& ctx) -> asio::awaitable<Reply> {
      co_return Reply(JsonResponse(bhttp::status::ok, std::to_string(ctx.connection_id)));
    });
    router->Add(Method::get, "/async", [](RequestContext& ctx) -> asio::awaitable<Reply> {
      // Completes on a foreign thread, as a storage callback would.
      int v = co_await AwaitCallback<int>(ctx.executor, [](auto done) {
        std::thread([done = std::move(done)]() mutable { done(42); }).detach();
      });
      co_return Reply(JsonResponse(bhttp::status::ok, std::to_string(v)));
    });
    router->Add(Method::get, "/sse", [](RequestContext&) -> asio::awaitable<Reply> {
      Reply r;
      r.response.result(bhttp::status::ok);
      r.response.set(bhttp::field::content_type, "text/event-stream");
      r.stream = [](StreamWriter& w) -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
          if (!co_await w.WriteEvent(std::to_string(i), "tick", "n=" + std::to_string(i))) break;
        }
      };
      co_return r;
    });
    ServerOptions opts;
    opts.max_body_bytes = 1024;
    server_ = std::make_unique<HttpServer>(ioc_, router, opts);
    auto ep = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(ep.ok()) << ep.error().ToString();
    port_ = ep->port();
    server_->set_connection_closed([this](uint64_t) { closed_.fetch_add(1); });
    server_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  void TearDown() override {
    server_->Stop();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  tcp::socket Connect() {
    tcp::socket s(client_ioc_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return s;
  }

  Response RoundTrip(tcp::socket& s, Request req) {
    req.set(bhttp::field::host, "localhost");
    req.prepare_payload();
    bhttp::write(s, req);
    Response res;
    beast::error_code ec;
    bhttp::read(s, buf_, res, ec);
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{ioc_.get_executor()};
  asio::io_context client_ioc_;
  beast::flat_buffer buf_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<int> closed_{0};
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  tcp::socket s = Connect();
  Request a(Method::post, "/echo", 11);
  a.body() = "hello";
  EXPECT_EQ(RoundTrip(s, a).body(), "hello");
  Response c1 = RoundTrip(s, Request(Method::get, "/conn", 11));
  Response c2 = RoundTrip(s, Request(Method::get, "/conn", 11));
  EXPECT_EQ(c1.body(), c2.body());
  tcp::socket other = Connect();
  EXPECT_NE(RoundTrip(other, Request(Method::get, "/conn", 11)).body(), c1.body());
}

TEST_F(ServerTest, OversizedBodyGets413WithErrorCode) {
  tcp::socket s = Connect();
  Request a(Method::post, "/echo", 11);
  a.body() = std::string(4096, 'x');
  Response res = RoundTrip(s, a);
  EXPECT_EQ(res.result(), bhttp::status::payload_too_large);
  EXPECT_EQ(boost::json::parse(res.body()).at("error_code").as_string(), "PAYLOAD_TOO_LARGE");
}

TEST_F(ServerTest, AnswersExpectContinueBeforeTheBody) {
  tcp::socket s = Connect();
  std::string head =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n";
  asio::write(s, asio::buffer(head));
  char data[256];
  size_t n = s.read_some(asio::buffer(data));
  EXPECT_EQ(std::string(data, n), "HTTP/1.1 100 Continue\r\n\r\n");
  asio::write(s, asio::buffer(std::string("hello")));
  Response res;
  bhttp::read(s, buf_, res);
  EXPECT_EQ(res.body(), "hello");
}

TEST_F(ServerTest, HandlerAwaitsForeignThreadCompletion) {
  tcp::socket s = Connect();
  EXPECT_EQ(RoundTrip(s, Request(Method::get, "/async", 11)).body(), "42");
}

TEST_F(ServerTest, UnknownRouteIs404Json) {
  tcp::socket s = Connect();
  Response res = RoundTrip(s, Request(Method::get, "/missing", 11));
  EXPECT_EQ(res.result(), bhttp::status::not_found);
  EXPECT_EQ(boost::json::parse(res.body()).at("error_code").as_string(), "ROUTE_NOT_FOUND");
}

TEST_F(ServerTest, StreamsServerSentEventsThenCloses) {
  tcp::socket s = Connect();
  Request req(Method::get, "/sse", 11);
  req.set(bhttp::field::host, "localhost");
  bhttp::write(s, req);
  std::string all;
  beast::error_code ec;
  char data[4096];
  for (;;) {
    size_t n = s.read_some(asio::buffer(data), ec);
    if (ec) break;
    all.append(data, n);
  }
  EXPECT_NE(all.find("text/event-stream"), std::string::npos);
  EXPECT_NE(all.find("id: 0\nevent: tick\ndata: n=0\n\n"), std::string::npos);
  EXPECT_NE(all.find("data: n=2\n\n"), std::string::npos);
}

TEST_F(ServerTest, ConnectionCloseIsReported) {
  {
    tcp::socket s = Connect();
    (void)RoundTrip(s, Request(Method::get, "/conn", 11));
  }
  for (int i = 0; i < 500 && closed_.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(closed_.load(), 1);
}

TEST(ParseHostPortTest, ParsesForms) {
  auto a = ParseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 8080);
  auto b = ParseHostPort("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->first, "::1");
  EXPECT_FALSE(ParseHostPort("nohost").ok());
  EXPECT_FALSE(ParseHostPort("h:99999").ok());
  EXPECT_FALSE(ParseHostPort("h:abc").ok());
}

}  // namespace
}  // namespace meshd::http
