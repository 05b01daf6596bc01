#pragma once
// PostgresSink: the TableSink on a PostgreSQL server through libpq, for
// pipelines whose definition says `warehouse: <libpq connection string>`
// (e.g. "host=/run/postgresql dbname=analytics" or "postgresql://u@h/db").
// Same contract as SqliteWarehouse: rows and task progress in one
// transaction, upserts by key, tables and columns created on demand.
//
// Types: integers/booleans BIGINT, doubles DOUBLE PRECISION, strings and
// JSON values TEXT. Keys use UNIQUE (not PRIMARY KEY, which forbids NULL); a
// key with a NULL part is replaced by DELETE ... IS NOT DISTINCT FROM +
// INSERT, as in SQLite.
//
// Thread-safety: one connection guarded by a mutex.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "warehouse/table_sink.h"

typedef struct pg_conn PGconn;

namespace meshd::warehouse {

class PostgresSink final : public TableSink {
 public:
  static Result<std::unique_ptr<PostgresSink>> Open(const std::string& conninfo);
  ~PostgresSink() override;

  Status DeclareTable(const TableSpec& spec) override;
  Status Commit(const std::vector<SinkRow>& rows, const SinkProgress& progress) override;
  Result<std::optional<SinkProgress>> ReadProgress(const std::string& pipeline, int32_t task) override;
  Status ForgetPipeline(const std::string& pipeline) override;

 private:
  struct Table {
    TableSpec spec;
    bool created = false;
    std::map<std::string, ColumnType> columns;
  };
  explicit PostgresSink(PGconn* conn) : conn_(conn) {}
  Status Exec(const std::string& sql);
  Status ExecParams(const std::string& sql, const std::vector<std::optional<std::string>>& params);
  Status LoadExistingTable(Table& t);
  Status EnsureTableFor(Table& t, const boost::json::object& row);
  Status ApplyRow(Table& t, const SinkRow& row);
  void ResetTables();

  PGconn* conn_;
  std::mutex mu_;
  std::map<std::string, Table> tables_;
};

}  // namespace meshd::warehouse
