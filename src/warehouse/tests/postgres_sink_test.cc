// PostgresSink against a real PostgreSQL server started by the test.
#include "warehouse/postgres_sink.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "warehouse/tests/pg_test_server.h"

namespace meshd::warehouse {
namespace {

namespace json = boost::json;

class PostgresSinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::PgTestServer();
    why_ = server_->Start();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!why_.empty()) GTEST_SKIP() << why_;
    conn_ = PQconnectdb(server_->conninfo().c_str());
    ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  void TearDown() override {
    if (conn_) PQfinish(conn_);
  }
  std::vector<std::vector<std::string>> Q(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::vector<std::vector<std::string>> out;
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQresultErrorMessage(r);
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) row.push_back(PQgetisnull(r, i, j) ? "NULL" : PQgetvalue(r, i, j));
      out.push_back(std::move(row));
    }
    PQclear(r);
    return out;
  }
  static testing::PgTestServer* server_;
  static std::string why_;
  PGconn* conn_ = nullptr;
};

testing::PgTestServer* PostgresSinkTest::server_ = nullptr;
std::string PostgresSinkTest::why_;

TEST_F(PostgresSinkTest, UpsertsNullKeysProgressAndRollback) {
  auto s = PostgresSink::Open(server_->conninfo());
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_TRUE((*s)->DeclareTable({"revenue", {"store_id", "segment"}, {}}).ok());
  std::vector<SinkRow> rows = {
      {"revenue", {{"store_id", "s1"}, {"segment", "gold"}, {"revenue", 10.5}, {"n", 1}}, false},
      {"revenue", {{"store_id", "s1"}, {"segment", nullptr}, {"revenue", 1.0}, {"n", 1}}, false},
      {"revenue", {{"store_id", "s1"}, {"segment", "gold"}, {"revenue", 20.25}, {"n", 2}}, false},
      {"revenue", {{"store_id", "s1"}, {"segment", nullptr}, {"revenue", 2.0}, {"n", 2}}, false},
      {"revenue", {{"store_id", "s2"}, {"segment", "x"}, {"revenue", 3.0}, {"n", 1}, {"extra", json::array{1}}}, false},
  };
  ASSERT_TRUE((*s)->Commit(rows, {"p", 0, 1, "{\"t/0\":5}"}).ok());
  auto r = Q("SELECT store_id, coalesce(segment, 'NULL'), revenue, n FROM revenue ORDER BY 1, 2");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], (std::vector<std::string>{"s1", "NULL", "2", "2"}));
  EXPECT_EQ(r[1], (std::vector<std::string>{"s1", "gold", "20.25", "2"}));
  EXPECT_EQ(Q("SELECT extra FROM revenue WHERE store_id = 's2'")[0][0], "[1]");
  auto p = (*s)->ReadProgress("p", 0);
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->checkpoint_id, 1);
  // A bad row rolls the whole transaction back, progress included.
  Status bad = (*s)->Commit({{"revenue", {{"store_id", "s3"}, {"segment", "a"}, {"n", 1}}, false},
                             {"revenue", {{"n", 5}}, false}},
                            {"p", 0, 2, "{}"});
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(Q("SELECT count(*) FROM revenue")[0][0], "3");
  EXPECT_EQ((*(*s)->ReadProgress("p", 0))->checkpoint_id, 1);
  // Deletes by key.
  ASSERT_TRUE((*s)->Commit({{"revenue", {{"store_id", "s2"}, {"segment", "x"}}, true}}, {"p", 0, 3, "{}"}).ok());
  EXPECT_EQ(Q("SELECT count(*) FROM revenue")[0][0], "2");
  ASSERT_TRUE((*s)->ForgetPipeline("p").ok());
  EXPECT_FALSE((*(*s)->ReadProgress("p", 0)).has_value());
  // A second sink on the same database sees the existing table.
  auto again = PostgresSink::Open(server_->conninfo());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->DeclareTable({"revenue", {"store_id", "segment"}, {}}).ok());
  ASSERT_TRUE((*again)->Commit({{"revenue", {{"store_id", "s1"}, {"segment", "gold"}, {"n", 9}}, false}},
                               {"p", 1, 1, "{}"})
                  .ok());
  EXPECT_EQ(Q("SELECT n, revenue FROM revenue WHERE segment = 'gold'")[0],
            (std::vector<std::string>{"9", "20.25"}));
}

TEST_F(PostgresSinkTest, ConnectionErrorsNameTheServer) {
  auto s = PostgresSink::Open("host=/nonexistent port=1 user=nobody dbname=none connect_timeout=2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), StatusCode::kUnavailable);
  EXPECT_NE(s.error().message().find("cannot connect to PostgreSQL"), std::string::npos);
}

}  // namespace
}  // namespace meshd::warehouse
