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
  struct Table {
    TableSpec spec;
    bool created = false;
    std::map<std::string, ColumnType> columns;  // known columns (created or declared)
  };
  explicit SqliteWarehouse(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  Status Exec(const std::string& sql);
  Status LoadExistingTable(Table& t);
  Status EnsureTableFor(Table& t, const boost::json::object& row);
  Status ApplyRow(Table& t, const SinkRow& row);
  sqlite3_stmt* Prepared(const std::string& sql, Status* error);

  std::string path_;
  sqlite3* db_;
  std::mutex mu_;
  std::map<std::string, Table> tables_;
  std::map<std::string, sqlite3_stmt*> statements_;  // cached by SQL text
};

}  // namespace meshd::warehouse
