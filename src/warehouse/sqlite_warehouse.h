#pragma once
// SqliteWarehouse: the embedded warehouse, one SQLite database file
// (<data-dir>/warehouse.db) in WAL mode, so readers (GET /v1/query) never
// block the pipeline writer and vice versa. Upserts use
// INSERT ... ON CONFLICT(<key>) DO UPDATE; task progress lives in the table
// _meshd_sink_progress, written in the same transaction as the rows.
//
// Thread-safety: one write connection guarded by a mutex.

#include <sqlite3.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "warehouse/table_sink.h"

namespace meshd::warehouse {

class SqliteWarehouse final : public TableSink {
 public:
  static constexpr const char* kProgressTable = "_meshd_sink_progress";

  // Opens (creating if needed) the database at `path`.
  static Result<std::unique_ptr<SqliteWarehouse>> Open(const std::string& path);
  ~SqliteWarehouse() override;

  Status DeclareTable(const TableSpec& spec) override;
  Status Commit(const std::vector<SinkRow>& rows, const SinkProgress& progress) override;
  Result<std::optional<SinkProgress>> ReadProgress(const std::string& pipeline, int32_t task) override;
  Status ForgetPipeline(const std::string& pipeline) override;

  const std::string& path() const { return path_; }

 private:
  // An INSERT for one column list (the row's columns, in the row's order),
  // prepared once and reused for every row with those columns: building the
  // SQL text per row was most of a pipeline checkpoint's CPU.
  struct CachedInsert {
    std::vector<std::string> columns;
    bool upsert = true;  // false: plain INSERT (after the NULL-key delete)
    sqlite3_stmt* st = nullptr;
  };
  struct Table {
    TableSpec spec;
    bool created = false;
    std::map<std::string, ColumnType> columns;  // known columns (created or declared)
    std::vector<CachedInsert> inserts;          // few: one per column list seen
    sqlite3_stmt* delete_by_key = nullptr;
  };
  explicit SqliteWarehouse(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const std::string& sql);
  Status LoadExistingTable(Table& t);
  Status EnsureTableFor(Table& t, const boost::json::object& row);
  Status ApplyRow(Table& t, const SinkRow& row);
  Status DeleteByKey(Table& t, const SinkRow& row);
  // The cached INSERT for `row`'s column list, prepared (and the table
  // created or altered) on first use. nullptr + *error on failure.
  sqlite3_stmt* InsertFor(Table& t, const SinkRow& row, bool upsert, Status* error);
  // Finalizes a table's cached statements (after a rollback, at close).
  static void DropStatements(Table& t);
  sqlite3_stmt* Prepared(const std::string& sql, Status* error);

  std::string path_;
  sqlite3* db_;
  std::mutex mu_;
  std::map<std::string, Table> tables_;
  std::map<std::string, sqlite3_stmt*> statements_;  // cached by SQL text
};

}  // namespace meshd::warehouse
