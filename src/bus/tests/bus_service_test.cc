#include "bus/bus_service.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/clock.h"
#include "bus/log_io.h"
#include "bus/tests/memory_event_log.h"
#include "http/error_mapping.h"
#include "http/router.h"
#include "http/server.h"

namespace meshd::bus {
namespace {

// A webhook receiver on 127.0.0.1:0 whose answer per call is scripted.
class Receiver {
 public:
  explicit Receiver(std::function<int(int call)> status_for_call) : status_for_call_(std::move(status_for_call)) {
    auto router = std::make_shared<http::Router>();
    auto handler = [this](http::RequestContext& ctx) -> boost::asio::awaitable<http::Reply> {
      int st;
      {
        std::lock_guard<std::mutex> lock(mu_);
        int n = ++calls_;
        bodies_.push_back(ctx.request.body());
        st = status_for_call_(n);
      }
      if (st / 100 == 2) ++successes_;
      co_return http::Reply(http::JsonResponse(static_cast<http::bhttp::status>(st), "{}"));
    };
    router->Add(http::Method::post, "/hook", handler);
    router->Add(http::Method::put, "/hook", handler);
    server_ = std::make_unique<http::HttpServer>(ioc_, router);
    auto ep = server_->Listen("127.0.0.1", 0);
    EXPECT_TRUE(ep.ok());
    port_ = ep->port();
    server_->Start();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~Receiver() {
    server_->Stop();
    ioc_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int successes() const { return successes_; }
  std::vector<std::string> bodies() const {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  void set_policy(std::function<int(int)> f) {
    std::lock_guard<std::mutex> lock(mu_);
    status_for_call_ = std::move(f);
  }

 private:
  boost::asio::io_context ioc_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  int calls_ = 0;
  std::atomic<int> successes_{0};
  std::vector<std::string> bodies_;
  std::function<int(int)> status_for_call_;
};

bool WaitFor(const std::function<bool()>& cond, int64_t timeout_ms = 10000) {
  int64_t deadline = MonoMillis() + timeout_ms;
  while (MonoMillis() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

std::vector<std::string> TopicValues(storage::EventLog& log, const std::string& topic) {
  std::vector<std::string> out;
  auto d = log.DescribeTopic(topic);
  if (!d.ok()) return out;
  for (size_t p = 0; p < d->partitions.size(); ++p) {
    auto recs = ReadRecords(log, topic, static_cast<int32_t>(p), 0);
    if (!recs.ok()) continue;
    for (auto& r : *recs) {
      if (r.value) out.push_back(*r.value);
    }
  }
  return out;
}

class BusServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("bus-svc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (svc_) svc_->Stop();
    svc_.reset();
    std::filesystem::remove_all(dir_);
  }
  BusServiceOptions Options() {
    BusServiceOptions o;
    o.data_dir = dir_.string();
    o.backoff = {10, 40};
    o.router_idle_poll_ms = 50;
    return o;
  }
  void StartService() {
    svc_ = std::make_unique<BusService>(log_, Options());
    Status s = svc_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void AddRule(const std::string& name, const std::string& pattern, const std::string& targets_json,
               const std::string& bus = "default") {
    RuleSpec r;
    r.name = name;
    r.bus = bus;
    r.event_pattern = pattern;
    auto res = svc_->PutRule(r);
    ASSERT_TRUE(res.ok()) << res.error().ToString();
    std::vector<TargetSpec> targets;
    json::value parsed = json::parse(targets_json);
    for (const auto& t : parsed.as_array()) {
      auto spec = TargetFromJson(t.as_object());
      ASSERT_TRUE(spec.ok()) << spec.error().ToString();
      targets.push_back(*spec);
    }
    auto f = svc_->PutTargets(bus, name, targets);
    ASSERT_TRUE(f.ok()) << f.error().ToString();
    ASSERT_TRUE(f->empty());
  }
  Result<std::vector<PutEventsEntryResult>> Put(const std::string& entries_json) {
    return svc_->PutEvents(json::parse(entries_json).as_array(), "default");
  }

  std::filesystem::path dir_;
  testing::MemoryEventLog log_;
  std::unique_ptr<BusService> svc_;
};

const char* kCustomer = R"([{"Source":"crm.production","DetailType":"CustomerCreated","Detail":"{\"customer\":{\"id\":7}}"}])";

TEST_F(BusServiceTest, RoutesOnlyMatchingEventsWithInputPath) {
  StartService();
  AddRule("new-customer", R"({"detail-type":["CustomerCreated"]})",
          R"([{"Id":"t","Arn":"arn:meshd:topic:out","InputPath":"$.detail.customer"}])");
  auto r = Put(R"([{"Source":"crm.production","DetailType":"CustomerCreated","Detail":"{\"customer\":{\"id\":1}}"},
                   {"Source":"crm.production","DetailType":"CustomerDeleted","Detail":"{\"customer\":{\"id\":2}}"},
                   {"Source":"crm.production","DetailType":"CustomerCreated","Detail":"{\"customer\":{\"id\":3}}"}])");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "out").size() == 2; }));
  ASSERT_TRUE(svc_->WaitIdle(5000));
  auto values = TopicValues(log_, "out");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], R"({"id":1})");
  EXPECT_EQ(values[1], R"({"id":3})");
}

TEST_F(BusServiceTest, TopicTargetKeysRecordsByPartitionKeyPath) {
  StartService();
  AddRule("keyed", R"({"detail-type":["CustomerCreated"]})",
          R"([{"Id":"t","Arn":"arn:meshd:topic:keyed","InputPath":"$.detail",
               "KinesisParameters":{"PartitionKeyPath":"$.detail.customer.id"}}])");
  auto r = Put(R"([{"Source":"crm","DetailType":"CustomerCreated","Detail":"{\"customer\":{\"id\":\"C0042\"}}"},
                   {"Source":"crm","DetailType":"CustomerCreated","Detail":"{\"customer\":{\"name\":\"no id\"}}"}])");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "keyed").size() == 2; }));
  auto recs = ReadRecords(log_, "keyed", 0, 0);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 2u);
  ASSERT_TRUE((*recs)[0].key.has_value());
  EXPECT_EQ(*(*recs)[0].key, "C0042");
  // No value at the path: keyed by the event id instead (never dropped).
  ASSERT_TRUE((*recs)[1].key.has_value());
  EXPECT_EQ((*recs)[1].key->size(), 36u);
  // A malformed path is refused at PutTargets time, naming the field.
  auto bad = TargetFromJson(json::parse(R"({"Id":"b","Arn":"arn:meshd:topic:x","KinesisParameters":{"PartitionKeyPath":"detail"}})").as_object());
  ASSERT_TRUE(bad.ok());
  auto f = svc_->PutTargets("default", "keyed", {*bad});
  bool refused = !f.ok() || !f->empty();
  EXPECT_TRUE(refused);
}

TEST_F(BusServiceTest, PutEventsLimitsAndPerEntryErrors) {
  StartService();
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(json::parse(R"({"Source":"s","DetailType":"d","Detail":"{}"})"));
  EXPECT_FALSE(svc_->PutEvents(eleven, "default").ok());
  auto r = Put(R"([{"Source":"s","DetailType":"d","Detail":"{}"},
                   {"Source":"s","DetailType":"d","Detail":"not json"},
                   {"Source":"s","DetailType":"d","Detail":"{}","EventBusName":"nope"}])");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_FALSE((*r)[0].event_id.empty());
  EXPECT_EQ((*r)[1].error_code, "MalformedDetail");
  EXPECT_EQ((*r)[2].error_code, "ResourceNotFoundException");
  std::string big(300 * 1024, 'x');
  json::array huge{json::object{{"Source", "s"}, {"DetailType", "d"}, {"Detail", "{\"x\":\"" + big + "\"}"}}};
  auto too_big = svc_->PutEvents(huge, "default");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), StatusCode::kTooLarge);
}

TEST_F(BusServiceTest, WebhookFailingThreeTimesIsDeliveredOnceAfterRetries) {
  Receiver rx([](int n) { return n <= 3 ? 500 : 200; });
  StartService();
  AddRule("hook", R"({"source":["crm.production"]})",
          R"([{"Id":"h","Arn":")" + rx.url() + R"(","DeadLetterConfig":{"Arn":"arn:meshd:topic:dlq"}}])");
  ASSERT_TRUE(Put(kCustomer).ok());
  ASSERT_TRUE(WaitFor([&] { return rx.successes() == 1; }));
  ASSERT_TRUE(svc_->WaitIdle(5000));
  EXPECT_EQ(rx.calls(), 4);
  EXPECT_EQ(rx.successes(), 1);
  EXPECT_TRUE(TopicValues(log_, "dlq").empty());
  auto c = log_.FetchCommitted("__bus.default.hook.h", "_bus.default", 0);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->offset, 1);
}

TEST_F(BusServiceTest, NonRetryableFailureGoesStraightToDlqWithReason) {
  Receiver rx([](int) { return 400; });
  StartService();
  AddRule("hook", R"({"source":["crm.production"]})",
          R"([{"Id":"h","Arn":")" + rx.url() + R"(","DeadLetterConfig":{"Arn":"arn:meshd:topic:dlq"}}])");
  ASSERT_TRUE(Put(kCustomer).ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "dlq").size() == 1; }));
  auto rec = json::parse(TopicValues(log_, "dlq")[0]).as_object();
  EXPECT_EQ(rec["errorCode"].as_string(), "HTTP_400");
  EXPECT_EQ(rec["exhaustedRetryCondition"].as_string(), "");
  EXPECT_EQ(rec["attempts"].as_int64(), 1);
  EXPECT_EQ(rec["targetArn"].as_string(), rx.url());
  EXPECT_EQ(rec["event"].as_object()["detail-type"].as_string(), "CustomerCreated");
  EXPECT_EQ(rx.calls(), 1);
}

TEST_F(BusServiceTest, ExhaustedRetriesGoToDlq) {
  Receiver rx([](int) { return 503; });
  StartService();
  AddRule("hook", R"({"source":["crm.production"]})",
          R"([{"Id":"h","Arn":")" + rx.url() +
              R"(","RetryPolicy":{"MaximumRetryAttempts":2},"DeadLetterConfig":{"Arn":"arn:meshd:topic:dlq"}}])");
  ASSERT_TRUE(Put(kCustomer).ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "dlq").size() == 1; }));
  auto rec = json::parse(TopicValues(log_, "dlq")[0]).as_object();
  EXPECT_EQ(rec["exhaustedRetryCondition"].as_string(), "MaximumRetryAttempts");
  EXPECT_EQ(rec["retryAttempts"].as_int64(), 2);
  EXPECT_EQ(rec["errorCode"].as_string(), "HTTP_503");
  EXPECT_EQ(rx.calls(), 3);
}

TEST_F(BusServiceTest, RestartInMidRetryResumesCountAndDelivers) {
  Receiver rx([](int) { return 500; });
  StartService();
  AddRule("hook", R"({"source":["crm.production"]})",
          R"([{"Id":"h","Arn":")" + rx.url() +
              R"(","RetryPolicy":{"MaximumRetryAttempts":6},"DeadLetterConfig":{"Arn":"arn:meshd:topic:dlq"}}])");
  ASSERT_TRUE(Put(kCustomer).ok());
  ASSERT_TRUE(WaitFor([&] { return rx.calls() >= 3; }));
  svc_->Stop();
  svc_.reset();
  int before = rx.calls();
  auto c = log_.FetchCommitted("__bus.default.hook.h", "_bus.default", 0);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->offset, 0);  // not past the event
  RetryState rs = DecodeRetryState(c->metadata);
  EXPECT_EQ(rs.offset, 0);
  EXPECT_GE(rs.attempts, 2);
  // Still failing after restart: the count continues, so the DLQ gets it
  // after 7 attempts in total, not 7 more.
  StartService();
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "dlq").size() == 1; }));
  EXPECT_EQ(rx.calls(), 7);
  EXPECT_GT(rx.calls(), before);
  auto rec = json::parse(TopicValues(log_, "dlq")[0]).as_object();
  EXPECT_EQ(rec["attempts"].as_int64(), 7);
}

TEST_F(BusServiceTest, RestartInMidRetryThenSuccessDeliversOnce) {
  Receiver rx([](int) { return 500; });
  StartService();
  AddRule("hook", R"({"source":["crm.production"]})", R"([{"Id":"h","Arn":")" + rx.url() + R"("}])");
  ASSERT_TRUE(Put(kCustomer).ok());
  ASSERT_TRUE(WaitFor([&] { return rx.calls() >= 2; }));
  svc_->Stop();
  svc_.reset();
  rx.set_policy([](int) { return 200; });
  StartService();
  ASSERT_TRUE(WaitFor([&] { return rx.successes() == 1; }));
  ASSERT_TRUE(svc_->WaitIdle(5000));
  EXPECT_EQ(rx.successes(), 1);
}

TEST_F(BusServiceTest, RulesTargetsFunctionsAndBusesSurviveRestart) {
  StartService();
  ASSERT_TRUE(svc_->CreateBus("orders", 3).ok());
  AddRule("r1", R"({"source":["a"]})",
          R"([{"Id":"t1","Arn":"arn:meshd:topic:x","RetryPolicy":{"MaximumRetryAttempts":5,"MaximumEventAgeInSeconds":120}}])",
          "orders");
  FunctionSpec f;
  f.name = "echo";
  f.runtime = "exec";
  f.command = {"cat"};
  ASSERT_TRUE(svc_->PutFunction(f, false).ok());
  ASSERT_TRUE(svc_->SetRuleEnabled("orders", "r1", false).ok());
  svc_->Stop();
  svc_.reset();
  StartService();
  auto bus = svc_->DescribeBus("orders");
  ASSERT_TRUE(bus.ok());
  EXPECT_EQ(bus->partitions, 3);
  auto rule = svc_->DescribeRule("orders", "r1");
  ASSERT_TRUE(rule.ok());
  EXPECT_FALSE(rule->enabled);
  EXPECT_EQ(rule->event_pattern, R"({"source":["a"]})");
  ASSERT_EQ(rule->targets.size(), 1u);
  EXPECT_EQ(rule->targets[0].retry_policy.maximum_retry_attempts, 5);
  EXPECT_EQ(rule->targets[0].retry_policy.maximum_event_age_seconds, 120);
  EXPECT_TRUE(svc_->GetFunction("echo").ok());
}

TEST_F(BusServiceTest, DisabledRuleDeliversNothingAndBadPatternIsRejected) {
  StartService();
  AddRule("r", R"({"source":["s"]})", R"([{"Id":"t","Arn":"arn:meshd:topic:out"}])");
  ASSERT_TRUE(svc_->SetRuleEnabled("default", "r", false).ok());
  ASSERT_TRUE(Put(R"([{"Source":"s","DetailType":"d","Detail":"{}"}])").ok());
  ASSERT_TRUE(svc_->WaitIdle(5000));
  EXPECT_TRUE(TopicValues(log_, "out").empty());
  RuleSpec bad;
  bad.name = "bad";
  bad.event_pattern = R"({"source":"not-an-array"})";
  auto r = svc_->PutRule(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind("Event pattern is not valid", 0), 0u);
}

TEST_F(BusServiceTest, PutRuleReturnsLintWarnings) {
  StartService();
  RuleSpec r;
  r.name = "lint";
  r.event_pattern = R"({"DetailType":["CustomerCreated"]})";
  auto res = svc_->PutRule(r);
  ASSERT_TRUE(res.ok());
  EXPECT_FALSE(res->warnings.empty());
}

TEST_F(BusServiceTest, ReplayRedeliversExactlyTheArchivedMatchingEventsInTheWindow) {
  StartService();
  ArchiveSpec a;
  a.name = "arch";
  a.bus = "default";
  a.event_pattern = R"({"detail-type":["A"]})";
  ASSERT_TRUE(svc_->CreateArchive(a).ok());
  AddRule("all", R"({"source":["s"]})", R"([{"Id":"t","Arn":"arn:meshd:topic:out"}])");
  int64_t t0 = WallMillis();
  ASSERT_TRUE(Put(R"([{"Source":"s","DetailType":"A","Detail":"{\"n\":1}"},
                      {"Source":"s","DetailType":"B","Detail":"{\"n\":2}"},
                      {"Source":"s","DetailType":"A","Detail":"{\"n\":3}"}])").ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "out").size() == 3; }));
  int64_t t_mid = WallMillis();
  ASSERT_TRUE(WaitFor([&] { return WallMillis() > t_mid + 2; }));
  ASSERT_TRUE(Put(R"([{"Source":"s","DetailType":"A","Detail":"{\"n\":4}"}])").ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "out").size() == 4; }));
  ReplaySpec rp;
  rp.name = "rp1";
  rp.archive = "arch";
  rp.destination_bus = "default";
  rp.event_start_ms = t0 - 3600 * 1000;
  rp.event_end_ms = t_mid + 1;
  ASSERT_TRUE(svc_->StartReplay(rp).ok());
  ASSERT_TRUE(WaitFor([&] {
    auto d = svc_->DescribeReplay("rp1");
    return d.ok() && d->state == "COMPLETED";
  }));
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "out").size() == 6; }));
  ASSERT_TRUE(svc_->WaitIdle(5000));
  auto values = TopicValues(log_, "out");
  ASSERT_EQ(values.size(), 6u);
  std::vector<int64_t> replayed;
  for (const auto& v : values) {
    auto o = json::parse(v).as_object();
    if (o.contains("replay-name")) {
      EXPECT_EQ(o["replay-name"].as_string(), "rp1");
      replayed.push_back(o["detail"].as_object()["n"].as_int64());
    }
  }
  std::sort(replayed.begin(), replayed.end());
  EXPECT_EQ(replayed, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(svc_->DescribeReplay("rp1")->events_replayed, 2);
}

TEST_F(BusServiceTest, FunctionTargetRunsPythonHandler) {
  std::string out_file = (dir_ / "customer.txt").string();
  std::string handler = (dir_ / "provision.py").string();
  std::ofstream(handler) << "def lambda_handler(event, context):\n"
                            "    with open(" << json::serialize(json::string(out_file)) << ", 'a') as f:\n"
                            "        f.write(str(event['detail']['customer']['id']) + '\\n')\n"
                            "    return {'ok': True}\n";
  StartService();
  FunctionSpec f;
  f.name = "provision";
  f.runtime = "python3";
  f.handler = handler + ":lambda_handler";
  ASSERT_TRUE(svc_->PutFunction(f, false).ok());
  AddRule("fn", R"({"detail-type":["CustomerCreated"]})", R"([{"Id":"f","Arn":"arn:meshd:function:provision"}])");
  ASSERT_TRUE(Put(kCustomer).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::ifstream in(out_file);
    std::string line;
    return std::getline(in, line) && line == "7";
  }, 20000));
}

TEST_F(BusServiceTest, BusTargetReingestsIntoAnotherBus) {
  StartService();
  ASSERT_TRUE(svc_->CreateBus("other").ok());
  AddRule("fwd", R"({"source":["s"]})", R"([{"Id":"b","Arn":"arn:meshd:bus:other"}])");
  AddRule("sink", R"({"source":["s"]})", R"([{"Id":"t","Arn":"arn:meshd:topic:out2"}])", "other");
  ASSERT_TRUE(Put(R"([{"Source":"s","DetailType":"d","Detail":"{\"k\":1}"}])").ok());
  ASSERT_TRUE(WaitFor([&] { return TopicValues(log_, "out2").size() == 1; }));
}

TEST_F(BusServiceTest, WebhookRateLimitSpacesDeliveries) {
  Receiver rx([](int) { return 200; });
  StartService();
  AddRule("limited", R"({"source":["s"]})",
          R"([{"Id":"h","Arn":")" + rx.url() + R"(","Webhook":{"RateLimitPerSecond":20,"Method":"PUT"}}])");
  int64_t start = MonoMillis();
  ASSERT_TRUE(Put(R"([{"Source":"s","DetailType":"d","Detail":"{}"},{"Source":"s","DetailType":"d","Detail":"{}"},
                      {"Source":"s","DetailType":"d","Detail":"{}"},{"Source":"s","DetailType":"d","Detail":"{}"},
                      {"Source":"s","DetailType":"d","Detail":"{}"},{"Source":"s","DetailType":"d","Detail":"{}"}])").ok());
  ASSERT_TRUE(WaitFor([&] { return rx.successes() == 6; }));
  // 6 events at 20/s: the last one leaves at least 5 intervals (250 ms) after the first.
  EXPECT_GE(MonoMillis() - start, 240);
}

TEST_F(BusServiceTest, TestEventPatternAnswers) {
  auto yes = BusService::TestEventPattern(R"({"source":["a"]})", R"({"source":"a","detail":{}})");
  ASSERT_TRUE(yes.ok());
  EXPECT_TRUE(*yes);
  auto no = BusService::TestEventPattern(R"({"source":["a"]})", R"({"source":"b"})");
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(*no);
  EXPECT_FALSE(BusService::TestEventPattern(R"({"source":"a"})", R"({})").ok());
}

}  // namespace
}  // namespace meshd::bus
