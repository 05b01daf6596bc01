// The meshd_pipeline_* metrics of a PipelineService on a real LocalLog:
// records in per partition, lag to zero, late events from the window's
// counts, checkpoints and their histogram, and every series gone after
// the pipeline is deleted. Read from the rendered exposition text.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "metrics/metrics.h"
#include "record/record_batch.h"
#include "storage/local_log.h"
#include "stream/pipeline_service.h"
#include "stream/pipeline_task.h"

namespace meshd::stream {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const char* kPipeline = R"Y(
name: sales_per_store
inputs: [sales]
checkpoint_interval: 10ms
operators:
  - window:
      type: tumbling
      size: 10s
      key: [store_id]
      time: ts
      out_of_orderness: 1s
      aggregates:
        sales: count(*)
outputs:
  - table: sales_per_store
    key: [store_id, window_start]
)Y";

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses the text exposition format line by line (no escapes in our labels).
std::vector<Sample> Parse(const std::string& text) {
  std::vector<Sample> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.rfind(' ');
    Sample s;
    s.value = std::stod(line.substr(sp + 1));
    std::string head = line.substr(0, sp);
    size_t brace = head.find('{');
    s.name = head.substr(0, brace);
    if (brace != std::string::npos) {
      std::string body = head.substr(brace + 1, head.size() - brace - 2);
      size_t pos = 0;
      while (pos < body.size()) {
        size_t eq = body.find('=', pos);
        size_t close = body.find('"', eq + 2);
        s.labels[body.substr(pos, eq - pos)] = body.substr(eq + 2, close - eq - 2);
        pos = close + 2;  // past `",`
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Sum of `name`'s samples whose labels include `match`; -1 when there are none.
double Sum(const std::vector<Sample>& samples, const std::string& name,
           const std::map<std::string, std::string>& match = {}) {
  double total = 0;
  bool any = false;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) ok = ok && s.labels.count(k) && s.labels.at(k) == v;
    if (!ok) continue;
    total += s.value;
    any = true;
  }
  return any ? total : -1;
}

class PipelineMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stream-metrics-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    storage::LocalLogOptions lo;
    lo.data_dir = (dir_ / "log").string();
    lo.maintenance_interval_ms = 0;
    auto l = storage::LocalLog::Open(lo);
    ASSERT_TRUE(l.ok()) << l.error().ToString();
    log_ = std::move(*l);
  }
  void TearDown() override {
    log_->Close();
    log_.reset();
    fs::remove_all(dir_);
  }
  void Produce(int32_t p, const std::string& store, int64_t ts) {
    record::RecordBatchBuilder b;
    std::string s = json::serialize(json::object{{"store_id", store}, {"ts", ts}});
    b.Add(ts, std::nullopt, std::string_view(s));
    ASSERT_TRUE(log_->Append("sales", p, b.Build()).ok());
  }
  // Polls the rendered metrics until `pred` holds (bounded).
  bool WaitFor(metrics::Registry& reg, const std::function<bool(const std::vector<Sample>&)>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred(Parse(reg.Render()))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalLog> log_;
};

TEST_F(PipelineMetricsTest, CountsLagLateCheckpointsAndForgetsADeletedPipeline) {
  ASSERT_TRUE(log_->CreateTopic("sales", 2, storage::TopicConfig()).ok());
  // Partition 0: 5 records in time order then one far behind the watermark
  // (late); partition 1: 3 records.
  for (int i = 0; i < 5; ++i) Produce(0, "s" + std::to_string(i % 2), 100'000 + i * 20'000);
  Produce(0, "s0", 1'000);
  for (int i = 0; i < 3; ++i) Produce(1, "s9", 100'000 + i * 1'000);

  metrics::Registry reg;
  PipelineServiceOptions o;
  o.data_dir = (dir_ / "svc").string();
  o.metrics = &reg;
  PipelineService svc(*log_, o);
  ASSERT_TRUE(svc.Start().ok());
  ASSERT_TRUE(svc.Create(kPipeline, false).ok());
  const std::map<std::string, std::string> p0{{"pipeline", "sales_per_store"}, {"partition", "0"}};
  const std::map<std::string, std::string> p1{{"pipeline", "sales_per_store"}, {"partition", "1"}};
  bool settled = WaitFor(reg, [&](const std::vector<Sample>& s) {
    return Sum(s, "meshd_pipeline_records_in_total", p0) == 6 && Sum(s, "meshd_pipeline_records_in_total", p1) == 3 &&
           Sum(s, "meshd_pipeline_input_lag_records") == 0 && Sum(s, "meshd_pipeline_up") == 1 &&
           Sum(s, "meshd_pipeline_checkpoints_total", p0) >= 1 && Sum(s, "meshd_pipeline_checkpoints_total", p1) >= 1;
  });
  std::string text = reg.Render();
  ASSERT_TRUE(settled) << text << json::serialize(*svc.Get("sales_per_store"));
  auto s = Parse(text);
  EXPECT_EQ(Sum(s, "meshd_pipeline_tasks", {{"pipeline", "sales_per_store"}}), 2);
  EXPECT_EQ(Sum(s, "meshd_pipeline_late_events_total", {{"partition", "0"}, {"operator", "window"}}), 1) << text;
  EXPECT_EQ(Sum(s, "meshd_pipeline_late_events_total", {{"partition", "1"}}), 0) << text;
  EXPECT_EQ(Sum(s, "meshd_pipeline_decode_errors_total"), 0);
  EXPECT_EQ(Sum(s, "meshd_pipeline_input_lag_records", {{"partition", "1"}, {"topic", "sales"}}), 0);
  EXPECT_GE(Sum(s, "meshd_pipeline_checkpoint_seconds_count", {{"pipeline", "sales_per_store"}}), 2);
  EXPECT_EQ(Sum(s, "meshd_pipeline_rebalances_total"), -1);  // not in group mode
  EXPECT_NE(text.find("# TYPE meshd_pipeline_records_in_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE meshd_pipeline_input_lag_records gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE meshd_pipeline_checkpoint_seconds histogram\n"), std::string::npos);

  // New input shows as lag until the task reads it, then as records in.
  Produce(1, "s9", 200'000);
  EXPECT_TRUE(WaitFor(reg, [&](const std::vector<Sample>& s) {
    return Sum(s, "meshd_pipeline_records_in_total", p1) == 4 && Sum(s, "meshd_pipeline_input_lag_records", p1) == 0;
  }));

  ASSERT_TRUE(svc.Delete("sales_per_store").ok());
  for (const auto& sample : Parse(reg.Render()))
    EXPECT_NE(sample.labels.count("pipeline") ? sample.labels.at("pipeline") : "", "sales_per_store")
        << sample.name << " still reported after delete";
}

// Appends fail while `fail` is set (a broker that refuses writes).
class FlakyOutput final : public TopicOutput {
 public:
  explicit FlakyOutput(storage::EventLog& log) : local_(log) {}
  Result<int32_t> PartitionsFor(const std::string& topic, int32_t create_partitions) override {
    return local_.PartitionsFor(topic, create_partitions);
  }
  Status Append(const std::string& topic, int32_t partition, const std::vector<cloudevents::KafkaMessage>& msgs,
                const std::vector<int64_t>& ts) override {
    if (fail) return Status::Unavailable("broker refuses writes");
    return local_.Append(topic, partition, msgs, ts);
  }
  Status Flush() override { return Status::Ok(); }
  bool fail = true;

 private:
  LocalLogOutput local_;
};

TEST_F(PipelineMetricsTest, ATaskWhoseCheckpointsFailIsNotHealthyUntilOneSucceeds) {
  ASSERT_TRUE(log_->CreateTopic("sales", 1, storage::TopicConfig()).ok());
  Produce(0, "s1", 100'000);
  auto spec = ParsePipeline("name: copy\ninputs: [sales]\noutputs: [{topic: sales_copy}]\n");
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  auto output = std::make_shared<FlakyOutput>(*log_);
  TaskContext ctx;
  ctx.log = log_.get();
  ctx.state_dir = (dir_ / "state" / "0").string();
  ctx.topic_output = output;
  PipelineTask task(std::make_shared<const PipelineSpec>(std::move(*spec)), 0, ctx);
  ASSERT_TRUE(task.Open().ok());
  ASSERT_TRUE(task.Step().ok());
  EXPECT_TRUE(task.Metrics().healthy);
  EXPECT_EQ(task.Metrics().records_in, 1);
  EXPECT_EQ(task.Metrics().input_lag.at("sales"), 0);
  EXPECT_FALSE(task.Checkpoint().ok());
  TaskMetrics failing = task.Metrics();
  EXPECT_TRUE(failing.open);
  EXPECT_FALSE(failing.healthy);
  EXPECT_EQ(failing.checkpoints, 0);
  output->fail = false;
  ASSERT_TRUE(task.Checkpoint().ok());
  EXPECT_TRUE(task.Metrics().healthy);
  EXPECT_EQ(task.Metrics().checkpoints, 1);
  EXPECT_EQ(task.Metrics().records_out, 1);
  task.Close();
  EXPECT_FALSE(task.Metrics().healthy);
}

TEST_F(PipelineMetricsTest, AServiceGoneReportsNothing) {
  metrics::Registry reg;
  PipelineServiceOptions o;
  o.data_dir = (dir_ / "svc").string();
  o.metrics = &reg;
  {
    PipelineService svc(*log_, o);
    ASSERT_TRUE(svc.Start().ok());
    ASSERT_TRUE(svc.Create(kPipeline, false).ok());  // waits for its input topic
    EXPECT_EQ(Sum(Parse(reg.Render()), "meshd_pipeline_up", {{"pipeline", "sales_per_store"}}), 0);
    EXPECT_EQ(Sum(Parse(reg.Render()), "meshd_pipeline_tasks", {{"pipeline", "sales_per_store"}}), 0);
  }
  EXPECT_EQ(Sum(Parse(reg.Render()), "meshd_pipeline_up"), -1);
}

}  // namespace
}  // namespace meshd::stream
