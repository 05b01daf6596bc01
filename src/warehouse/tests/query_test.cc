#include "warehouse/query.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace meshd::warehouse {
namespace {

namespace fs = std::filesystem;

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() / ("query-test-" + std::to_string(::getpid()) + ".db")).string();
    fs::remove(path_);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount REAL);"
                           "INSERT INTO t VALUES (1, 'a,b', 1.5), (2, 'c', NULL), (3, 'd\"e', 10);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  void TearDown() override { fs::remove(path_); }
  std::string path_;
};

TEST_F(QueryTest, SelectReturnsTypedColumns) {
  auto r = RunReadOnlyQuery(path_, "SELECT id, name, amount FROM t ORDER BY id", {});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->columns, (std::vector<std::string>{"id", "name", "amount"}));
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0][0].as_int64(), 1);
  EXPECT_EQ(r->rows[0][2].as_double(), 1.5);
  EXPECT_TRUE(r->rows[1][2].is_null());
  EXPECT_EQ(RenderCsv(*r), "id,name,amount\r\n1,\"a,b\",1.5\r\n2,c,\r\n3,\"d\"\"e\",10\r\n");
  std::string table = RenderTable(*r);
  EXPECT_NE(table.find("(3 rows)"), std::string::npos) << table;
  auto back = QueryResultFromJson(boost::json::value(QueryResultToJson(*r)));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->rows.size(), 3u);
}

TEST_F(QueryTest, WritesAndMultipleStatementsAreRejected) {
  for (const char* sql : {"DELETE FROM t", "INSERT INTO t VALUES (9,'x',1)", "DROP TABLE t",
                          "SELECT 1; DELETE FROM t", "CREATE TABLE u (x)", "PRAGMA journal_mode=DELETE",
                          "ATTACH DATABASE '/tmp/x.db' AS x"}) {
    QueryError e;
    auto r = RunReadOnlyQuery(path_, sql, {}, &e);
    EXPECT_FALSE(r.ok()) << sql;
    EXPECT_EQ(e.code, "READ_ONLY") << sql << ": " << e.message;
  }
  auto still = RunReadOnlyQuery(path_, "SELECT count(*) FROM t", {});
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->rows[0][0].as_int64(), 3);
}

TEST_F(QueryTest, BadSqlAndLimits) {
  QueryError e;
  EXPECT_FALSE(RunReadOnlyQuery(path_, "SELEC nope", {}, &e).ok());
  EXPECT_EQ(e.code, "BAD_SQL");
  EXPECT_FALSE(RunReadOnlyQuery(path_, "SELECT * FROM missing", {}, &e).ok());
  EXPECT_EQ(e.code, "BAD_SQL");
  EXPECT_NE(e.message.find("missing"), std::string::npos);
  EXPECT_FALSE(RunReadOnlyQuery(path_, "  ", {}, &e).ok());
  QueryOptions o;
  o.max_rows = 2;
  auto r = RunReadOnlyQuery(path_, "SELECT * FROM t", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->rows.size(), 2u);
  EXPECT_TRUE(r->truncated);
  o.timeout_ms = 50;
  o.max_rows = 10;
  EXPECT_FALSE(RunReadOnlyQuery(path_,
                                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) "
                                "SELECT count(*) FROM c",
                                o, &e)
                   .ok());
  EXPECT_EQ(e.code, "QUERY_TIMEOUT");
}

}  // namespace
}  // namespace meshd::warehouse
