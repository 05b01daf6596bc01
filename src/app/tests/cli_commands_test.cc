// The CLI client commands against an in-process server.

#include "cli/commands.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <sstream>

#include "app/mesh_server.h"
#include "cloudevents/cloud_event.h"

namespace meshd::app {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class CliCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("meshd-cli-test-" + cloudevents::NewUuid())).string();
    ServeOptions o;
    o.data_dir = dir_;
    o.http = "127.0.0.1:0";
    o.threads = 2;
    server_ = std::make_unique<MeshServer>(o);
    ASSERT_TRUE(server_->Start().ok());
    opts_.server = server_->http_url();
  }
  void TearDown() override {
    server_->Stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
  std::unique_ptr<MeshServer> server_;
  cli::ClientOptions opts_;
};

TEST_F(CliCommandsTest, CreateProduceConsumeJsonLines) {
  std::ostringstream out;
  ASSERT_EQ(cli::RunTopicCreate(opts_, "orders", 3, {"fsync=always"}, out), cli::kExitOk);
  EXPECT_EQ(out.str(), "created topic 'orders' (3 partitions)\n");

  std::istringstream in(
      "{\"specversion\":\"1.0\",\"id\":\"c1\",\"source\":\"/t\",\"type\":\"T\",\"data\":{\"n\":1}}\n"
      "\n"
      "{\"plain\":2}\n"
      "[1,2,3]\n");
  cli::ProduceArgs pa;
  pa.topic = "orders";
  pa.batch = 2;
  std::ostringstream pout;
  ASSERT_EQ(cli::RunProduce(opts_, pa, in, pout), cli::kExitOk);
  EXPECT_NE(pout.str().find("id=c1 partition="), std::string::npos) << pout.str();

  cli::ClientOptions json_opts = opts_;
  json_opts.json = true;
  cli::ConsumeArgs ca;
  ca.topic = "orders";
  ca.group = "g";
  ca.from_beginning = true;
  ca.max = 10;
  ca.wait_ms = 200;
  std::ostringstream cout_json;
  ASSERT_EQ(cli::RunConsume(json_opts, ca, cout_json), cli::kExitOk);
  std::istringstream lines(cout_json.str());
  std::string line;
  int n = 0;
  std::set<std::string> ids;
  while (std::getline(lines, line)) {
    auto v = json::parse(line).as_object();
    EXPECT_TRUE(v.contains("partition"));
    EXPECT_TRUE(v.contains("offset"));
    EXPECT_TRUE(v.contains("key"));
    ids.insert(std::string(v.at("event").at("id").as_string()));
    ++n;
  }
  EXPECT_EQ(n, 3);
  EXPECT_TRUE(ids.count("c1"));
  // The group committed on leave: nothing left for it.
  std::ostringstream again;
  ASSERT_EQ(cli::RunConsume(json_opts, ca, again), cli::kExitOk);
  EXPECT_EQ(again.str(), "");
}

TEST_F(CliCommandsTest, ExitCodes) {
  std::ostringstream out;
  EXPECT_EQ(cli::RunTopicDescribe(opts_, "missing", out), cli::kExitServerError);
  EXPECT_EQ(cli::RunTopicCreate(opts_, "x", 1, {"novalue"}, out), cli::kExitUsage);
  cli::ClientOptions down = opts_;
  down.server = "http://127.0.0.1:1";
  EXPECT_EQ(cli::RunTopicList(down, out), cli::kExitConnection);
  std::istringstream bad("not json\n");
  cli::ProduceArgs pa;
  pa.topic = "x";
  EXPECT_EQ(cli::RunProduce(opts_, pa, bad, out), cli::kExitUsage);
}

TEST_F(CliCommandsTest, ListDescribeDelete) {
  std::ostringstream out;
  ASSERT_EQ(cli::RunTopicCreate(opts_, "a.b", 2, {}, out), cli::kExitOk);
  std::ostringstream list;
  ASSERT_EQ(cli::RunTopicList(opts_, list), cli::kExitOk);
  EXPECT_EQ(list.str(), "a.b\n");
  std::ostringstream desc;
  ASSERT_EQ(cli::RunTopicDescribe(opts_, "a.b", desc), cli::kExitOk);
  EXPECT_NE(desc.str().find("partitions=2"), std::string::npos) << desc.str();
  std::ostringstream del;
  ASSERT_EQ(cli::RunTopicDelete(opts_, "a.b", del), cli::kExitOk);
  EXPECT_EQ(del.str(), "deleted topic 'a.b'\n");
}

TEST_F(CliCommandsTest, BenchProduceReportsThroughput) {
  cli::BenchArgs b;
  b.server = opts_.server;
  b.events = 500;
  b.size = 100;
  b.batch = 50;
  b.concurrency = 2;
  b.json = true;
  std::ostringstream out;
  ASSERT_EQ(cli::RunProduceBench(b, out), cli::kExitOk);
  auto v = json::parse(out.str()).as_object();
  EXPECT_EQ(v.at("events").as_int64(), 500);
  EXPECT_GT(v.at("events_per_sec").as_double(), 0);
  EXPECT_GT(v.at("batch_latency_p99_ms").as_double(), 0);
}

}  // namespace
}  // namespace meshd::app
