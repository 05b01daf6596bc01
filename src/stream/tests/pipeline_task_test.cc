// Tasks on a real LocalLog and SQLite warehouse: crash at every checkpoint
// step, restart, and the final tables equal an uninterrupted run; N
// partitions on the service's thread pool.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "record/record_batch.h"
#include "storage/local_log.h"
#include "stream/pipeline_service.h"
#include "stream/pipeline_task.h"
#include "warehouse/postgres_sink.h"
#include "warehouse/query.h"
#include "warehouse/tests/pg_test_server.h"

#include <libpq-fe.h>

namespace meshd::stream {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const char* kPipeline = R"Y(
name: retail
inputs: [pos_transactions]
checkpoint_interval: 10ms
operators:
  - join:
      table: crm_customer_profiles
      table_key: customer_id
      on: customer_id
      type: left
      wait: 2s
      time: ts
      fields: [segment]
  - window:
      type: tumbling
      size: 10s
      key: [store_id, segment]
      time: ts
      out_of_orderness: 1s
      allowed_lateness: 2s
      aggregates:
        sales: count(*)
        revenue: sum(amount)
        customers: count_distinct(customer_id)
outputs:
  - table: revenue
    key: [store_id, segment, window_start]
)Y";

class TaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stream-task-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (log_) log_->Close();
    log_.reset();
    fs::remove_all(dir_);
  }
  void OpenLog(const fs::path& d) {
    storage::LocalLogOptions lo;
    lo.data_dir = (d / "log").string();
    lo.maintenance_interval_ms = 0;
    auto l = storage::LocalLog::Open(lo);
    ASSERT_TRUE(l.ok()) << l.error().ToString();
    log_ = std::move(*l);
  }
  void Produce(const std::string& topic, int32_t p, const json::object& v, std::optional<std::string> key = {},
               int64_t ts = 0) {
    record::RecordBatchBuilder b;
    std::string s = json::serialize(v);
    b.Add(ts, key ? std::optional<std::string_view>(*key) : std::nullopt, std::string_view(s));
    ASSERT_TRUE(log_->Append(topic, p, b.Build()).ok());
  }
  // Sales across `partitions`, profiles for most customers, some arriving
  // after the customer's first sales.
  void ProduceScenario(int32_t partitions, int sales, uint32_t seed) {
    ASSERT_TRUE(log_->CreateTopic("pos_transactions", partitions, storage::TopicConfig()).ok());
    ASSERT_TRUE(log_->CreateTopic("crm_customer_profiles", 1, storage::TopicConfig()).ok());
    std::mt19937 rng(seed);
    int64_t clock = 100'000;
    for (int i = 0; i < sales; ++i) {
      if (i % 25 == 0 && (i / 25) % 5 != 4) {
        std::string c = "c" + std::to_string((i / 25) % 30);
        Produce("crm_customer_profiles", 0, {{"customer_id", c}, {"segment", (i / 25) % 3 == 0 ? "premium" : "basic"}}, c);
      }
      clock += rng() % 300;
      int64_t ts = clock - static_cast<int64_t>(rng() % 1500);
      if (rng() % 50 == 0) ts -= 6000;  // late
      // Keyed by store, as a POS topic would be: a window keyed by store
      // sees all of a store's sales in one partition (one task).
      int store_no = static_cast<int>(rng() % 6);
      std::string store = "s" + std::to_string(store_no);
      Produce("pos_transactions", store_no % partitions,
              {{"sale_id", i}, {"store_id", store}, {"customer_id", "c" + std::to_string(rng() % 30)},
               {"amount", static_cast<int64_t>(1 + rng() % 200)}, {"ts", ts}},
              std::nullopt, ts);
    }
  }
  std::string Table(const std::string& db) {
    auto r = warehouse::RunReadOnlyQuery(
        db, "SELECT store_id, segment, window_start, sales, revenue, customers FROM revenue ORDER BY 1, 2, 3", {});
    // Not an assertion: callers poll until the table exists and matches.
    return r.ok() ? json::serialize(warehouse::QueryResultToJson(*r)) : "error: " + r.error().ToString();
  }
  int64_t Rows(const std::string& db) {
    auto r = warehouse::RunReadOnlyQuery(db, "SELECT count(*) FROM revenue", {});
    return r.ok() ? r->rows[0][0].as_int64() : -1;
  }

  // Runs the pipeline over the whole input of partition 0 with a crash
  // policy; returns the final table.
  // With `sink` null, the SQLite warehouse <d>/warehouse.db (returned as
  // Table()); else that sink (returns "").
  std::string RunWithCrashes(const fs::path& d, int crash_every, bool crash_after_sink,
                             warehouse::TableSink* sink = nullptr) {
    fs::create_directories(d);
    std::unique_ptr<warehouse::SqliteWarehouse> wh;
    if (!sink) {
      auto opened = warehouse::SqliteWarehouse::Open((d / "warehouse.db").string());
      EXPECT_TRUE(opened.ok());
      wh = std::move(*opened);
      sink = wh.get();
    }
    auto spec = std::make_shared<const PipelineSpec>(*ParsePipeline(kPipeline));
    TaskContext ctx;
    ctx.log = log_.get();
    ctx.sink = sink;
    ctx.state_dir = (d / "state" / "0").string();
    int crashes = 0, steps = 0;
    auto task = std::make_unique<PipelineTask>(spec, 0, ctx);
    Status opened = task->Open();
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    while (true) {
      auto r = task->Step(37);  // small steps: many checkpoints
      EXPECT_TRUE(r.ok()) << r.error().ToString();
      if (!r.ok()) return "";
      ++steps;
      if (crash_every > 0 && steps % crash_every == 0) {
        task->set_crash_after_sink_commit_for_test(crash_after_sink);
        Status s = task->Checkpoint();
        if (!crash_after_sink) {
          EXPECT_TRUE(s.ok());
        }
        // Process some more (lost work), then die without a checkpoint.
        (void)task->Step(11);
        task.reset();
        ++crashes;
        task = std::make_unique<PipelineTask>(spec, 0, ctx);
        EXPECT_TRUE(task->Open().ok());
        continue;
      }
      EXPECT_TRUE(task->Checkpoint().ok());
      if (!*r) break;
    }
    task->FlushForTest();
    EXPECT_TRUE(task->Checkpoint().ok());
    task->Close();
    if (crash_every > 0) {
      EXPECT_GT(crashes, 5);
    }
    return wh ? Table((d / "warehouse.db").string()) : "";
  }

  fs::path dir_;
  std::unique_ptr<storage::LocalLog> log_;
};

TEST_F(TaskTest, CrashesAtEveryCheckpointStepLeaveTheSameTables) {
  OpenLog(dir_);
  ProduceScenario(1, 1500, 42);
  std::string reference = RunWithCrashes(dir_ / "a", 0, false);
  ASSERT_GT(reference.size(), 200u);
  EXPECT_EQ(RunWithCrashes(dir_ / "b", 4, /*crash_after_sink=*/true), reference);
  EXPECT_EQ(RunWithCrashes(dir_ / "c", 3, /*crash_after_sink=*/false), reference);
}

// Rows as text, the way both SQLite and PostgreSQL print them.
std::vector<std::string> SqliteRowsAsText(const std::string& db) {
  auto r = warehouse::RunReadOnlyQuery(
      db, "SELECT store_id, segment, window_start, sales, revenue, customers FROM revenue ORDER BY 1, 2, 3", {});
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const auto& row : r->rows) {
    std::string line;
    for (const auto& v : row) line += (v.is_string() ? std::string(v.get_string()) : v.is_null() ? "NULL" : json::serialize(v)) + "|";
    out.push_back(line);
  }
  return out;
}

TEST_F(TaskTest, PostgresWarehouseGetsTheSameTablesThroughCrashes) {
  warehouse::testing::PgTestServer pg;
  std::string why = pg.Start();
  if (!why.empty()) GTEST_SKIP() << why;
  OpenLog(dir_);
  ProduceScenario(1, 1000, 77);
  ASSERT_GT(RunWithCrashes(dir_ / "ref", 0, false).size(), 100u);
  auto sink = warehouse::PostgresSink::Open(pg.conninfo());
  ASSERT_TRUE(sink.ok()) << sink.error().ToString();
  RunWithCrashes(dir_ / "pg", 3, /*crash_after_sink=*/true, sink->get());
  PGconn* c = PQconnectdb(pg.conninfo().c_str());
  ASSERT_EQ(PQstatus(c), CONNECTION_OK);
  PGresult* r = PQexec(c, "SELECT store_id, coalesce(segment, 'NULL'), window_start, sales, revenue, customers "
                          "FROM revenue ORDER BY 1, segment NULLS FIRST, 3");
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r);
  std::vector<std::string> got;
  for (int i = 0; i < PQntuples(r); ++i) {
    std::string line;
    for (int j = 0; j < PQnfields(r); ++j) line += std::string(PQgetvalue(r, i, j)) + "|";
    got.push_back(line);
  }
  PQclear(r);
  PQfinish(c);
  EXPECT_EQ(got, SqliteRowsAsText((dir_ / "ref" / "warehouse.db").string()));
}

TEST_F(TaskTest, WarehouseBehindStateRebuildsFromTheStart) {
  OpenLog(dir_);
  ProduceScenario(1, 600, 5);
  std::string reference = RunWithCrashes(dir_ / "a", 0, false);
  // Deleting warehouse.db while the RocksDB state survives must not lose
  // rows: the task sees the warehouse behind and recomputes.
  fs::remove(dir_ / "a" / "warehouse.db");
  fs::remove(dir_ / "a" / "warehouse.db-wal");
  fs::remove(dir_ / "a" / "warehouse.db-shm");
  EXPECT_EQ(RunWithCrashes(dir_ / "a", 0, false), reference);
}

TEST_F(TaskTest, ServiceRunsOneTaskPerPartitionAndRestartsFromDefinitions) {
  OpenLog(dir_);
  ProduceScenario(4, 2000, 9);
  // Reference: the same pipeline driven task by task, flushed at the end.
  fs::path ref_dir = dir_ / "ref";
  fs::create_directories(ref_dir);
  auto wh = warehouse::SqliteWarehouse::Open((ref_dir / "warehouse.db").string());
  ASSERT_TRUE(wh.ok());
  std::string yaml = std::string(kPipeline);
  auto spec = std::make_shared<const PipelineSpec>(*ParsePipeline(yaml));
  for (int32_t p = 0; p < 4; ++p) {
    PipelineTask t(spec, p, TaskContext{log_.get(), wh->get(), (ref_dir / std::to_string(p)).string()});
    ASSERT_TRUE(t.Open().ok());
    while (true) {
      auto r = t.Step();
      ASSERT_TRUE(r.ok()) << r.error().ToString();
      if (!*r) break;
    }
    Status c = t.Checkpoint();
    ASSERT_TRUE(c.ok()) << c.ToString();
    t.Close();
  }
  std::string expected = Table((ref_dir / "warehouse.db").string());

  fs::path svc_dir = dir_ / "svc";
  PipelineServiceOptions o;
  o.data_dir = svc_dir.string();
  o.threads = 2;
  {
    PipelineService svc(*log_, o);
    ASSERT_TRUE(svc.Start().ok());
    auto created = svc.Create(yaml, false);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    EXPECT_EQ(svc.Create(yaml + "\n# changed\n", false).error().code(), StatusCode::kAlreadyExists);
    std::string db = svc.warehouse_path();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (Table(db) != expected && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(Table(db), expected) << json::serialize(*svc.Get("retail"));
    auto d = svc.Get("retail");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->at("tasks").as_array().size(), 4u);
    svc.Stop();
  }
  // Restart: the stored definition comes back and resumes from its state.
  PipelineService again(*log_, o);
  ASSERT_TRUE(again.Start().ok());
  EXPECT_EQ(again.List().size(), 1u);
  Produce("pos_transactions", 2, {{"sale_id", 99999}, {"store_id", "s9"}, {"customer_id", "c1"}, {"amount", 5},
                                  {"ts", 10'000'000}});
  Produce("pos_transactions", 2, {{"sale_id", 99998}, {"store_id", "s9"}, {"customer_id", "c1"}, {"amount", 5},
                                  {"ts", 10'100'000}});
  std::string db = again.warehouse_path();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto has_s9 = [&] {
    auto r = warehouse::RunReadOnlyQuery(db, "SELECT sales FROM revenue WHERE store_id = 's9'", {});
    return r.ok() && r->rows.size() == 1 && r->rows[0][0].as_int64() == 1;
  };
  while (!has_s9() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(has_s9());
  ASSERT_TRUE(again.Delete("retail").ok());
  EXPECT_TRUE(again.List().empty());
  EXPECT_FALSE(fs::exists(svc_dir / "stream" / "retail"));
  again.Stop();
}

}  // namespace
}  // namespace meshd::stream
