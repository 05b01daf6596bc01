// In-process tests of the HTTP API: a MeshServer on a temp dir and an
// ephemeral port, driven by the CLI's HTTP client.

#include "app/mesh_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <set>
#include <thread>

#include "api/partitioner.h"
#include "cli/http_client.h"
#include "http/error_mapping.h"
#include "cloudevents/cloud_event.h"

namespace meshd::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class MeshServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("meshd-api-test-" + cloudevents::NewUuid())).string();
    StartServer();
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void StartServer(api::ApiOptions api = {}) {
    ServeOptions o;
    o.data_dir = dir_;
    o.http = "127.0.0.1:0";
    o.threads = 2;
    o.api = api;
    o.api.max_event_bytes = api.max_event_bytes;
    server_ = std::make_unique<MeshServer>(o);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    client_ = std::make_unique<cli::HttpClient>(*cli::ParseServerUrl(server_->http_url()));
  }
  void Restart(api::ApiOptions api = {}) {
    client_.reset();
    server_->Stop();
    server_.reset();
    StartServer(api);
  }

  json::value Call(const std::string& method, const std::string& target, int expect_status,
                   const std::string& body = "", const std::string& ct = "application/json",
                   const std::map<std::string, std::string>& headers = {}) {
    auto r = client_->Send(method, target, body, body.empty() ? "" : ct, headers);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return nullptr;
    EXPECT_EQ(r->status, expect_status) << method << " " << target << " → " << r->body;
    boost::system::error_code ec;
    json::value v = json::parse(r->body, ec);
    return ec ? json::value(r->body) : v;
  }

  void CreateTopic(const std::string& name, int partitions) {
    Call("POST", "/v1/topics", 201,
         R"({"name":")" + name + R"(","partitions":)" + std::to_string(partitions) + "}");
  }

  static std::string Ce(const std::string& id, const std::string& extra = "") {
    return R"({"specversion":"1.0","id":")" + id +
           R"(","source":"/test","type":"t.created","data":{"n":")" + id + "\"}" + extra + "}";
  }

  std::string dir_;
  std::unique_ptr<MeshServer> server_;
  std::unique_ptr<cli::HttpClient> client_;
};

TEST_F(MeshServerTest, ListeningLineNamesHttpAddress) {
  auto line = json::parse(server_->ListeningLine()).as_object();
  EXPECT_EQ(line.at("event").as_string(), "listening");
  std::string http(line.at("http").as_string());
  EXPECT_EQ(http.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(http, "127.0.0.1:0");
}

TEST_F(MeshServerTest, StartFailsCleanlyWhenPortIsTaken) {
  std::string taken(json::parse(server_->ListeningLine()).at("http").as_string());
  ServeOptions o;
  o.data_dir = dir_ + "-other";
  o.http = taken;
  MeshServer other(o);
  Status s = other.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("http"), std::string::npos) << s.ToString();
  ServeOptions bad = o;
  bad.http = "127.0.0.1:99999";
  MeshServer third(bad);
  EXPECT_EQ(third.Start().code(), StatusCode::kInvalidArgument);
  std::error_code ec;
  fs::remove_all(o.data_dir, ec);
}

TEST_F(MeshServerTest, TopicLifecycle) {
  auto created = Call("POST", "/v1/topics", 201,
                      R"({"name":"orders","partitions":4,"config":{"fsync":"always","retention.ms":60000}})");
  EXPECT_EQ(created.at("name").as_string(), "orders");
  EXPECT_EQ(created.at("partitions").as_array().size(), 4u);
  auto list = Call("GET", "/v1/topics", 200);
  EXPECT_EQ(list.at("topics").as_array(), json::array({"orders"}));
  auto d = Call("GET", "/v1/topics/orders", 200);
  const auto& p0 = d.at("partitions").as_array()[0].as_object();
  EXPECT_EQ(p0.at("partition").as_int64(), 0);
  EXPECT_EQ(p0.at("start_offset").as_int64(), 0);
  EXPECT_EQ(p0.at("end_offset").as_int64(), 0);
  EXPECT_EQ(d.at("config").at("fsync").as_string(), "always");
  auto altered = Call("PATCH", "/v1/topics/orders/config", 200, R"({"config":{"retention.ms":"120000"}})");
  EXPECT_EQ(altered.at("config").at("retention.ms").as_string(), "120000");
  auto dup = Call("POST", "/v1/topics", 409, R"({"name":"orders","partitions":1})");
  EXPECT_EQ(dup.at("error_code").as_string(), "TOPIC_ALREADY_EXISTS");
  Call("DELETE", "/v1/topics/orders", 200);
  auto gone = Call("GET", "/v1/topics/orders", 404);
  EXPECT_EQ(gone.at("error_code").as_string(), "TOPIC_NOT_FOUND");
}

TEST_F(MeshServerTest, TopicCreateErrors) {
  EXPECT_EQ(Call("POST", "/v1/topics", 400, "{nope").at("error_code").as_string(), "MALFORMED_JSON");
  EXPECT_EQ(Call("POST", "/v1/topics", 400, R"({"partitions":2})").at("error_code").as_string(),
            "INVALID_ARGUMENT");
  auto cfg = Call("POST", "/v1/topics", 400, R"({"name":"x","config":{"bogus.key":"1"}})");
  EXPECT_EQ(cfg.at("error_code").as_string(), "INVALID_CONFIG");
  EXPECT_NE(std::string(cfg.at("message").as_string()).find("bogus.key"), std::string::npos);
}

TEST_F(MeshServerTest, PublishReturnsOffsetsInRequestOrderAndKeysAgreeWithKafka) {
  CreateTopic("pos.sales", 4);
  std::string batch = "[" + Ce("a", R"(,"partitionkey":"customer-42")") + "," +
                      Ce("b", R"(,"partitionkey":"customer-42")") + "," + Ce("c") + "]";
  auto r = Call("POST", "/v1/topics/pos.sales/events", 200, batch,
                "application/cloudevents-batch+json");
  const auto& results = r.at("results").as_array();
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].at("id").as_string(), "a");
  EXPECT_EQ(results[1].at("id").as_string(), "b");
  // murmur2("customer-42") % 4 == 1 (Kafka's default partitioner).
  EXPECT_EQ(results[0].at("partition").as_int64(), 1);
  EXPECT_EQ(results[1].at("partition").as_int64(), 1);
  EXPECT_EQ(results[1].at("offset").as_int64(), results[0].at("offset").as_int64() + 1);
  EXPECT_FALSE(results[2].at("duplicate").as_bool());
}

TEST_F(MeshServerTest, PublishModesAndErrors) {
  CreateTopic("t", 1);
  // Structured, binary, plain JSON.
  Call("POST", "/v1/topics/t/events", 200, Ce("s1"), "application/cloudevents+json");
  Call("POST", "/v1/topics/t/events", 200, R"({"x":1})", "application/json",
       {{"ce-specversion", "1.0"}, {"ce-id", "b1"}, {"ce-source", "/bin"}, {"ce-type", "t.bin"}});
  auto plain = Call("POST", "/v1/topics/t/events?key=k1", 200, R"({"plain":true})");
  EXPECT_EQ(plain.at("results").as_array()[0].at("id").as_string().size(), 36u);

  auto bad = Call("POST", "/v1/topics/t/events", 400, "{oops", "application/json");
  EXPECT_EQ(bad.at("error_code").as_string(), "MALFORMED_JSON");
  auto missing = Call("POST", "/v1/topics/t/events", 400,
                      R"([{"specversion":"1.0","id":"1","source":"/s","type":"t"},{"specversion":"1.0","id":"2","source":"/s"}])",
                      "application/cloudevents-batch+json");
  EXPECT_EQ(missing.at("error_code").as_string(), "INVALID_EVENT");
  EXPECT_NE(std::string(missing.at("message").as_string()).find("'type'"), std::string::npos);
  // All-or-nothing: the valid first event of the bad batch was not stored.
  auto d = Call("GET", "/v1/topics/t", 200);
  EXPECT_EQ(d.at("partitions").as_array()[0].at("end_offset").as_int64(), 3);

  auto unknown = Call("POST", "/v1/topics/nope/events", 404, Ce("z"), "application/cloudevents+json");
  EXPECT_EQ(unknown.at("error_code").as_string(), "TOPIC_NOT_FOUND");
  std::string big = R"({"specversion":"1.0","id":"big","source":"/s","type":"t","data":")" +
                    std::string(1100 * 1024, 'x') + "\"}";
  auto large = Call("POST", "/v1/topics/t/events", 413, big, "application/cloudevents+json");
  EXPECT_EQ(large.at("error_code").as_string(), "EVENT_TOO_LARGE");
}

TEST_F(MeshServerTest, RepublishIsIdempotentAcrossRestart) {
  CreateTopic("t", 2);
  auto first = Call("POST", "/v1/topics/t/events", 200, Ce("e1"), "application/cloudevents+json");
  auto again = Call("POST", "/v1/topics/t/events", 200, Ce("e1"), "application/cloudevents+json");
  const auto& a = first.at("results").as_array()[0];
  const auto& b = again.at("results").as_array()[0];
  EXPECT_FALSE(a.at("duplicate").as_bool());
  EXPECT_TRUE(b.at("duplicate").as_bool());
  EXPECT_EQ(a.at("partition"), b.at("partition"));
  EXPECT_EQ(a.at("offset"), b.at("offset"));
  // Within one batch too.
  auto both = Call("POST", "/v1/topics/t/events", 200, "[" + Ce("e2") + "," + Ce("e2") + "]",
                   "application/cloudevents-batch+json");
  EXPECT_FALSE(both.at("results").as_array()[0].at("duplicate").as_bool());
  EXPECT_TRUE(both.at("results").as_array()[1].at("duplicate").as_bool());
  Restart();
  auto after = Call("POST", "/v1/topics/t/events", 200, Ce("e1"), "application/cloudevents+json");
  const auto& c = after.at("results").as_array()[0];
  EXPECT_TRUE(c.at("duplicate").as_bool());
  EXPECT_EQ(c.at("offset"), a.at("offset"));
  int64_t total = 0;
  json::value described = Call("GET", "/v1/topics/t", 200);
  for (const auto& p : described.at("partitions").as_array()) {
    total += p.at("end_offset").as_int64();
  }
  EXPECT_EQ(total, 2);
}

TEST_F(MeshServerTest, GroupConsumeCommitAndResumeAfterRestart) {
  CreateTopic("t", 3);
  std::string batch = "[";
  for (int i = 0; i < 30; ++i) batch += (i ? "," : "") + Ce("id" + std::to_string(i), R"(,"partitionkey":"k)" + std::to_string(i) + "\"");
  batch += "]";
  Call("POST", "/v1/topics/t/events", 200, batch, "application/cloudevents-batch+json");
  auto r = Call("GET", "/v1/topics/t/events?group=g&member_id=m1&max=20", 200);
  const auto& evs = r.at("events").as_array();
  ASSERT_EQ(evs.size(), 20u);
  EXPECT_EQ(r.at("member_id").as_string(), "m1");
  const auto& e0 = evs[0].as_object();
  EXPECT_TRUE(e0.contains("partition"));
  EXPECT_TRUE(e0.contains("offset"));
  EXPECT_TRUE(e0.contains("key"));
  EXPECT_EQ(e0.at("event").at("specversion").as_string(), "1.0");
  // Commit what we got: next offset per partition.
  std::map<int64_t, int64_t> next;
  for (const auto& e : evs) {
    next[e.at("partition").as_int64()] =
        std::max(next[e.at("partition").as_int64()], e.at("offset").as_int64() + 1);
  }
  json::array offsets;
  for (auto [p, o] : next) offsets.push_back(json::object{{"partition", p}, {"offset", o}});
  Call("POST", "/v1/topics/t/commit?group=g", 200, json::serialize(json::object{{"offsets", offsets}}));
  Restart();
  std::set<std::string> ids;
  for (const auto& e : evs) ids.insert(std::string(e.at("event").at("id").as_string()));
  auto rest = Call("GET", "/v1/topics/t/events?group=g&member_id=m1&max=100", 200);
  for (const auto& e : rest.at("events").as_array()) {
    EXPECT_TRUE(ids.insert(std::string(e.at("event").at("id").as_string())).second)
        << "re-delivered " << e.at("event").at("id").as_string();
  }
  EXPECT_EQ(ids.size(), 30u);
}

TEST_F(MeshServerTest, TwoMembersSplitPartitions) {
  CreateTopic("t", 4);
  std::string batch = "[";
  for (int i = 0; i < 40; ++i) batch += (i ? "," : "") + Ce("id" + std::to_string(i), R"(,"partitionkey":"k)" + std::to_string(i) + "\"");
  batch += "]";
  Call("POST", "/v1/topics/t/events", 200, batch, "application/cloudevents-batch+json");
  // Both join before consuming.
  auto a0 = Call("GET", "/v1/topics/t/events?group=g&member_id=a&max=1&auto_commit=true", 200);
  auto b0 = Call("GET", "/v1/topics/t/events?group=g&member_id=b&max=1&auto_commit=true", 200);
  std::multiset<std::string> seen;
  std::set<int64_t> parts_a, parts_b;
  for (const auto& e : a0.at("events").as_array()) seen.insert(std::string(e.at("event").at("id").as_string()));
  for (const auto& e : b0.at("events").as_array()) seen.insert(std::string(e.at("event").at("id").as_string()));
  for (int round = 0; round < 20; ++round) {
    for (const char* m : {"a", "b"}) {
      auto r = Call("GET", std::string("/v1/topics/t/events?group=g&max=7&auto_commit=true&member_id=") + m, 200);
      for (const auto& p : r.at("partitions").as_array()) (m[0] == 'a' ? parts_a : parts_b).insert(p.as_int64());
      for (const auto& e : r.at("events").as_array()) {
        seen.insert(std::string(e.at("event").at("id").as_string()));
        EXPECT_TRUE((m[0] == 'a' ? parts_a : parts_b).count(e.at("partition").as_int64()));
      }
    }
  }
  EXPECT_EQ(seen.size(), 40u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 40u);
  EXPECT_EQ(parts_a.size(), 2u);
  EXPECT_EQ(parts_b.size(), 2u);
  auto g = Call("GET", "/v1/topics/t/groups/g", 200);
  EXPECT_EQ(g.at("members").as_array().size(), 2u);
  Call("DELETE", "/v1/topics/t/groups/g/members/a", 200);
  auto g2 = Call("GET", "/v1/topics/t/groups/g", 200);
  EXPECT_EQ(g2.at("members").as_array().size(), 1u);
  EXPECT_EQ(g2.at("members").as_array()[0].at("partitions").as_array().size(), 4u);
}

TEST_F(MeshServerTest, SessionTimeoutRebalancesAndRedeliversUncommitted) {
  CreateTopic("t", 4);
  std::string batch = "[";
  for (int i = 0; i < 40; ++i) batch += (i ? "," : "") + Ce("id" + std::to_string(i), R"(,"partitionkey":"k)" + std::to_string(i) + "\"");
  batch += "]";
  Call("POST", "/v1/topics/t/events", 200, batch, "application/cloudevents-batch+json");
  // a takes some events and never commits, then goes silent.
  auto a = Call("GET", "/v1/topics/t/events?group=g&member_id=a&max=5&session_timeout_ms=200", 200);
  ASSERT_EQ(a.at("events").as_array().size(), 5u);
  auto b0 = Call("GET", "/v1/topics/t/events?group=g&member_id=b&max=1&session_timeout_ms=60000", 200);
  std::set<std::string> b_ids;
  for (const auto& e : b0.at("events").as_array()) b_ids.insert(std::string(e.at("event").at("id").as_string()));
  // Poll as b until a has expired and b owns every partition (bounded).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  size_t owned = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = Call("GET", "/v1/topics/t/events?group=g&member_id=b&max=100&wait_ms=100", 200);
    owned = r.at("partitions").as_array().size();
    for (const auto& e : r.at("events").as_array()) b_ids.insert(std::string(e.at("event").at("id").as_string()));
    if (owned == 4 && b_ids.size() == 40) break;
  }
  EXPECT_EQ(owned, 4u);
  // Everything, including what a received but never committed, reached b.
  EXPECT_EQ(b_ids.size(), 40u);
}

TEST_F(MeshServerTest, SseStreamDeliversAndLeavesWhenClientCloses) {
  CreateTopic("t", 2);
  Call("POST", "/v1/topics/t/events", 200, "[" + Ce("s1") + "," + Ce("s2") + "]",
       "application/cloudevents-batch+json");
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket sock(io);
  auto url = *cli::ParseServerUrl(server_->http_url());
  sock.connect({asio::ip::make_address(url.host), static_cast<uint16_t>(std::stoi(url.port))});
  std::string req = "GET /v1/topics/t/stream?group=sg HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(sock, asio::buffer(req));
  std::string got;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         (got.find("\"s1\"") == std::string::npos || got.find("\"s2\"") == std::string::npos)) {
    boost::system::error_code ec;
    size_t n = sock.read_some(asio::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  EXPECT_NE(got.find("text/event-stream"), std::string::npos);
  EXPECT_NE(got.find("event: cloudevent"), std::string::npos);
  EXPECT_NE(got.find("\"s2\""), std::string::npos) << got;
  EXPECT_EQ(Call("GET", "/v1/topics/t/groups/sg", 200).at("members").as_array().size(), 1u);
  sock.close();
  size_t members = 1;
  while (std::chrono::steady_clock::now() < deadline && members != 0) {
    members = Call("GET", "/v1/topics/t/groups/sg", 200).at("members").as_array().size();
  }
  EXPECT_EQ(members, 0u);
  // What the stream delivered was committed.
  auto g = Call("GET", "/v1/topics/t/groups/sg", 200);
  int64_t committed = 0;
  for (const auto& o : g.at("offsets").as_array()) {
    if (o.at("committed").is_int64()) committed += o.at("committed").as_int64();
  }
  EXPECT_EQ(committed, 2);
}

TEST_F(MeshServerTest, LongPollWakesOnAppend) {
  CreateTopic("t", 1);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cli::HttpClient c(*cli::ParseServerUrl(server_->http_url()));
    auto r = c.Post("/v1/topics/t/events", Ce("late"), "application/cloudevents+json");
    EXPECT_TRUE(r.ok() && r->status == 200);
  });
  auto start = std::chrono::steady_clock::now();
  auto r = Call("GET", "/v1/topics/t/events?group=g&wait_ms=10000", 200);
  auto took = std::chrono::steady_clock::now() - start;
  producer.join();
  ASSERT_EQ(r.at("events").as_array().size(), 1u);
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(MeshServerTest, ExplicitReadsByOffsetAndTimestamp) {
  CreateTopic("t", 2);
  std::string batch = "[";
  for (int i = 0; i < 5; ++i) batch += (i ? "," : "") + Ce("id" + std::to_string(i));
  batch += "]";
  Call("POST", "/v1/topics/t/events?key=same", 200, batch, "application/cloudevents-batch+json");
  int64_t p = api::PartitionForKey("same", 2);
  auto r = Call("GET", "/v1/topics/t/events?partition=" + std::to_string(p) + "&offset=2&max=10", 200);
  ASSERT_EQ(r.at("events").as_array().size(), 3u);
  EXPECT_EQ(r.at("events").as_array()[0].at("offset").as_int64(), 2);
  EXPECT_EQ(r.at("events").as_array()[0].at("key").as_string(), "same");
  EXPECT_EQ(r.at("next_offset").as_int64(), 5);
  auto ts = Call("GET", "/v1/topics/t/events?partition=" + std::to_string(p) + "&timestamp=0", 200);
  EXPECT_EQ(ts.at("events").as_array().size(), 5u);
  auto beyond = Call("GET", "/v1/topics/t/events?partition=" + std::to_string(p) + "&offset=99", 416);
  EXPECT_EQ(beyond.at("error_code").as_string(), "OFFSET_OUT_OF_RANGE");
  auto need = Call("GET", "/v1/topics/t/events", 400);
  EXPECT_NE(std::string(need.at("message").as_string()).find("partition"), std::string::npos);
  Call("GET", "/v1/topics/t/events?partition=7", 404);
}

TEST_F(MeshServerTest, MetricsAndHealth) {
  CreateTopic("t", 1);
  Call("POST", "/v1/topics/t/events", 200, Ce("m1"), "application/cloudevents+json");
  Call("GET", "/v1/topics/t/events?group=mg&auto_commit=true", 200);
  Call("GET", "/v1/topics/t/events?group=mg&auto_commit=true", 200);
  auto r = client_->Get("/metrics");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->body.find("meshd_events_in_total{topic=\"t\"}"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("meshd_events_out_total{topic=\"t\"}"), std::string::npos);
  EXPECT_NE(r->body.find("meshd_append_latency_seconds_bucket"), std::string::npos);
  EXPECT_NE(r->body.find("meshd_consumer_lag{group=\"mg\""), std::string::npos);
  EXPECT_EQ(Call("GET", "/healthz", 200).at("status").as_string(), "ok");
}

}  // namespace
}  // namespace meshd::app

namespace meshd::app {
namespace {

TEST(MeshServerMountTest, ExtraRoutesMountOnTheHttpListener) {
  ServeOptions o;
  o.data_dir = (std::filesystem::temp_directory_path() / ("meshd-mount-" + cloudevents::NewUuid())).string();
  o.http = "127.0.0.1:0";
  MeshServer server(o);
  server.http_router().Add(http::Method::post, "/extra",
                           [](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
                             co_return http::Reply(http::JsonResponse(
                                 http::bhttp::status::ok, "{\"echo\":" + ctx.request.body() + "}"));
                           });
  ASSERT_TRUE(server.Start().ok());
  cli::HttpClient c(*cli::ParseServerUrl(server.http_url()));
  auto r = c.Post("/extra", "7");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "{\"echo\":7}");
  EXPECT_EQ(c.Get("/healthz")->status, 200);
  server.Stop();
  std::error_code ec;
  std::filesystem::remove_all(o.data_dir, ec);
}

}  // namespace
}  // namespace meshd::app
