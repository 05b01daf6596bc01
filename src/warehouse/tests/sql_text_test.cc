#include "warehouse/sql_text.h"

#include <gtest/gtest.h>

namespace meshd::warehouse {
namespace {

namespace json = boost::json;

TEST(SqlTextTest, QuotesIdentifiersAndLists) {
  EXPECT_EQ(QuoteIdentifier("orders"), "\"orders\"");
  EXPECT_EQ(QuotedList({}), "");
  EXPECT_EQ(QuotedList({"a", "b"}), "\"a\", \"b\"");
}

TEST(SqlTextTest, CreateColumnOrderIsKeysThenDeclaredThenRowEachOnce) {
  TableSpec spec{"t", {"id"}, {{"amount", ColumnType::kReal}, {"id", ColumnType::kInteger}}};
  json::object row{{"note", "x"}, {"id", 1}, {"amount", 2.5}};
  std::vector<std::string> want = {"id", "amount", "note"};
  EXPECT_EQ(CreateColumnOrder(spec, row), want);
}

TEST(SqlTextTest, UpsertClauseUpdatesNonKeyColumns) {
  TableSpec keyed{"t", {"a", "b"}, {}};
  EXPECT_EQ(UpsertClause(keyed, json::object{{"a", 1}, {"b", 2}, {"v", 3}}),
            " ON CONFLICT (\"a\", \"b\") DO UPDATE SET \"v\" = excluded.\"v\"");
  EXPECT_EQ(UpsertClause(keyed, json::object{{"a", 1}, {"b", 2}}), " ON CONFLICT (\"a\", \"b\") DO NOTHING");
  TableSpec unkeyed{"t", {}, {}};
  EXPECT_EQ(UpsertClause(unkeyed, json::object{{"v", 3}}), "");
  EXPECT_TRUE(IsKeyColumn(keyed, "b"));
  EXPECT_FALSE(IsKeyColumn(keyed, "v"));
}

}  // namespace
}  // namespace meshd::warehouse
