#include "warehouse/sqlite_warehouse.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "warehouse/query.h"

namespace meshd::warehouse {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

class WarehouseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("wh-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "warehouse.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  QueryResult Q(const std::string& sql) {
    auto r = RunReadOnlyQuery(path_, sql, {});
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : QueryResult{};
  }
  fs::path dir_;
  std::string path_;
};

SinkRow Row(const std::string& table, json::object v, bool remove = false) {
  return SinkRow{table, std::move(v), remove};
}

TEST_F(WarehouseTest, CreatesTableFromFirstRowAndUpsertsByKey) {
  auto w = SqliteWarehouse::Open(path_);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  ASSERT_TRUE((*w)->DeclareTable({"revenue", {"store_id", "window_start"}, {}}).ok());
  std::vector<SinkRow> rows = {
      Row("revenue", {{"store_id", "s1"}, {"window_start", 0}, {"revenue", 10.5}, {"n", 1}}),
      Row("revenue", {{"store_id", "s2"}, {"window_start", 0}, {"revenue", 3.0}, {"n", 1}}),
      Row("revenue", {{"store_id", "s1"}, {"window_start", 0}, {"revenue", 20.0}, {"n", 2}}),
  };
  ASSERT_TRUE((*w)->Commit(rows, {"p", 0, 1, "{\"t/0\":3}"}).ok());
  auto r = Q("SELECT store_id, revenue, n FROM revenue ORDER BY store_id");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][1].as_double(), 20.0);
  EXPECT_EQ(r.rows[0][2].as_int64(), 2);
  auto types = Q("SELECT name, type FROM pragma_table_info('revenue') ORDER BY cid");
  ASSERT_EQ(types.rows.size(), 4u);
  EXPECT_EQ(types.rows[2][1].as_string(), "REAL");
  EXPECT_EQ(types.rows[3][1].as_string(), "INTEGER");
  auto p = (*w)->ReadProgress("p", 0);
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->checkpoint_id, 1);
  EXPECT_EQ((*p)->offsets_json, "{\"t/0\":3}");
}

TEST_F(WarehouseTest, NewColumnsAreAddedAndDeletesRemoveRows) {
  auto w = SqliteWarehouse::Open(path_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->DeclareTable({"t", {"id"}, {}}).ok());
  ASSERT_TRUE((*w)->Commit({Row("t", {{"id", 1}, {"a", "x"}})}, {"p", 0, 1, "{}"}).ok());
  ASSERT_TRUE((*w)->Commit({Row("t", {{"id", 2}, {"a", "y"}, {"b", json::array{1, 2}}})}, {"p", 0, 2, "{}"}).ok());
  ASSERT_TRUE((*w)->Commit({Row("t", {{"id", 1}}, true)}, {"p", 0, 3, "{}"}).ok());
  auto r = Q("SELECT id, a, b FROM t");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][2].as_string(), "[1,2]");
}

TEST_F(WarehouseTest, FailedCommitWritesNeitherRowsNorProgress) {
  auto w = SqliteWarehouse::Open(path_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->DeclareTable({"t", {"id"}, {}}).ok());
  ASSERT_TRUE((*w)->Commit({Row("t", {{"id", 1}, {"a", 1}})}, {"p", 0, 1, "{}"}).ok());
  // The second row lacks its key: the whole transaction must roll back.
  Status s = (*w)->Commit({Row("t", {{"id", 2}, {"a", 2}}), Row("t", {{"a", 3}})}, {"p", 0, 2, "{}"});
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("lacks key column 'id'"), std::string::npos) << s.message();
  EXPECT_EQ(Q("SELECT count(*) FROM t").rows[0][0].as_int64(), 1);
  EXPECT_EQ((*(*w)->ReadProgress("p", 0))->checkpoint_id, 1);
}

TEST_F(WarehouseTest, UpsertWithNullKeyPartReplacesTheRow) {
  // SQLite treats NULLs in a primary key as distinct; a left join's NULL
  // segment must still upsert.
  auto w = SqliteWarehouse::Open(path_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->DeclareTable({"r", {"store", "segment"}, {}}).ok());
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE((*w)->Commit({Row("r", {{"store", "s1"}, {"segment", nullptr}, {"n", i}})}, {"p", 0, i, "{}"}).ok());
  auto r = Q("SELECT n FROM r");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0].as_int64(), 3);
}

// Rows for the same key within one commit are coalesced (statements are
// cached per column list): the table must equal committing each row in its
// own transaction, for upserts, deletes, column lists that differ and NULL
// key parts alike.
TEST_F(WarehouseTest, OneCommitEqualsRowByRowCommits) {
  std::mt19937 rng(7);
  std::vector<SinkRow> rows;
  for (int i = 0; i < 3000; ++i) {
    json::object v{{"k", static_cast<int64_t>(rng() % 40)}};
    v["part"] = rng() % 10 == 0 ? json::value(nullptr) : json::value(static_cast<int64_t>(rng() % 2));
    bool remove = rng() % 7 == 0;
    if (!remove) {
      v["n"] = i;
      if (rng() % 3 == 0) v["text"] = "t" + std::to_string(i);  // a second column list
      if (rng() % 5 == 0) v["late"] = static_cast<double>(i) / 2;  // a third
    }
    rows.push_back(Row("t", std::move(v), remove));
  }
  auto dump = [&](const std::string& path) {
    auto r = RunReadOnlyQuery(path, "SELECT k, part, n, text, late FROM t ORDER BY k, part, n", {});
    EXPECT_TRUE(r.ok());
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& row : r->rows) out.push_back(json::serialize(json::array(row.begin(), row.end())));
    return out;
  };
  std::string batched = (dir_ / "batched.db").string(), single = (dir_ / "single.db").string();
  {
    auto a = SqliteWarehouse::Open(batched);
    auto b = SqliteWarehouse::Open(single);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_TRUE((*a)->DeclareTable({"t", {"k", "part"}, {}}).ok());
    ASSERT_TRUE((*b)->DeclareTable({"t", {"k", "part"}, {}}).ok());
    // The first row declares the columns (order, types) identically in both.
    ASSERT_TRUE((*a)->Commit({Row("t", {{"k", -1}, {"part", 0}, {"n", 0}, {"text", ""}, {"late", 0.5}})},
                             {"p", 0, 1, "{}"}).ok());
    ASSERT_TRUE((*b)->Commit({Row("t", {{"k", -1}, {"part", 0}, {"n", 0}, {"text", ""}, {"late", 0.5}})},
                             {"p", 0, 1, "{}"}).ok());
    for (size_t i = 0; i < rows.size(); i += 500) {
      std::vector<SinkRow> chunk(rows.begin() + static_cast<long>(i),
                                 rows.begin() + static_cast<long>(std::min(rows.size(), i + 500)));
      ASSERT_TRUE((*a)->Commit(chunk, {"p", 0, static_cast<int64_t>(i + 2), "{}"}).ok());
    }
    for (size_t i = 0; i < rows.size(); ++i) ASSERT_TRUE((*b)->Commit({rows[i]}, {"p", 0, static_cast<int64_t>(i + 2), "{}"}).ok());
  }
  auto want = dump(single);
  EXPECT_GT(want.size(), 40u);
  EXPECT_EQ(dump(batched), want);
}

TEST_F(WarehouseTest, CommitAfterARolledBackCreateRecreatesTheTable) {
  auto w = SqliteWarehouse::Open(path_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->DeclareTable({"t", {"id"}, {}}).ok());
  // The CREATE TABLE (and the cached INSERT for it) is rolled back with the commit.
  EXPECT_FALSE((*w)->Commit({Row("t", {{"id", 1}, {"a", 1}}), Row("t", {{"a", 2}})}, {"p", 0, 1, "{}"}).ok());
  ASSERT_TRUE((*w)->Commit({Row("t", {{"id", 1}, {"a", 1}})}, {"p", 0, 1, "{}"}).ok());
  EXPECT_EQ(Q("SELECT a FROM t").rows[0][0].as_int64(), 1);
}

TEST_F(WarehouseTest, DeclaredSchemaAndReopen) {
  {
    auto w = SqliteWarehouse::Open(path_);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->DeclareTable({"d", {"k"}, {{"k", ColumnType::kText}, {"v", ColumnType::kReal}}}).ok());
    ASSERT_TRUE((*w)->Commit({Row("d", {{"k", "a"}, {"v", 1}})}, {"p", 3, 7, "{}"}).ok());
  }
  auto w = SqliteWarehouse::Open(path_);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->DeclareTable({"d", {"k"}, {}}).ok());
  ASSERT_TRUE((*w)->Commit({Row("d", {{"k", "a"}, {"v", 2.5}})}, {"p", 3, 8, "{}"}).ok());
  auto r = Q("SELECT v, typeof(v) FROM d");
  EXPECT_EQ(r.rows[0][0].as_double(), 2.5);
  EXPECT_EQ((*(*w)->ReadProgress("p", 3))->checkpoint_id, 8);
  EXPECT_FALSE((*w)->DeclareTable({"bad-name", {}, {}}).ok());
  EXPECT_FALSE((*w)->DeclareTable({"_meshd_x", {}, {}}).ok());
}

}  // namespace
}  // namespace meshd::warehouse
