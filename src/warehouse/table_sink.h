#pragma once
// TableSink: where pipelines write rows that users query with SQL. One
// interface, two backends: the embedded SQLite warehouse (sqlite_warehouse.h,
// the default: <data-dir>/warehouse.db) and, later, PostgreSQL.
//
// Exactly-once contract: Commit() writes a batch of row upserts/deletes AND
// the progress of the task that produced them (its checkpoint id and input
// offsets) in ONE transaction. After a crash, the progress row says exactly
// which input prefix the table reflects; the stream engine replays from its
// own (older or equal) state checkpoint, and because every row is an upsert
// by key, re-applied rows are harmless.
//
// Tables are created from the first row's value types or from a declared
// schema; columns that appear later are added (ALTER TABLE ADD COLUMN).
//
// Thread-safety: implementations must accept concurrent calls from the
// pipeline tasks (SQLite serializes them on one write connection).

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace meshd::warehouse {

// SQL column type names used in declared schemas: INTEGER, REAL, TEXT
// (anything else is rejected with a message naming the column).
enum class ColumnType { kInteger, kReal, kText, kAny };
Result<ColumnType> ParseColumnType(const std::string& name);
const char* ColumnTypeName(ColumnType t);

struct TableSpec {
  std::string name;
  std::vector<std::string> key;                               // primary key columns (upsert target)
  std::vector<std::pair<std::string, ColumnType>> columns;    // declared; may be empty
};

struct SinkRow {
  std::string table;
  boost::json::object values;  // column -> value (objects/arrays stored as JSON text)
  bool remove = false;         // delete the row with this key instead of upserting
};

struct SinkProgress {
  std::string pipeline;
  int32_t task = 0;            // input partition of the task
  int64_t checkpoint_id = 0;
  std::string offsets_json;    // {"topic/partition": next_offset, ...}
};

class TableSink {
 public:
  virtual ~TableSink() = default;
  // Registers a table (idempotent). Validates names; creates it now when
  // columns are declared, else at the first Commit with rows for it.
  virtual Status DeclareTable(const TableSpec& spec) = 0;
  // One transaction: every row in order, then the progress row.
  virtual Status Commit(const std::vector<SinkRow>& rows, const SinkProgress& progress) = 0;
  // The last committed progress of (pipeline, task); nullopt if none.
  virtual Result<std::optional<SinkProgress>> ReadProgress(const std::string& pipeline,
                                                           int32_t task) = 0;
  // Removes the progress rows of a deleted pipeline (its tables stay).
  virtual Status ForgetPipeline(const std::string& pipeline) = 0;
};

// SQL identifiers we create: letters, digits, underscore; not starting with
// a digit; at most 128 characters. Errors name `what` ("table", "column").
Status ValidateIdentifier(const std::string& name, const std::string& what);

}  // namespace meshd::warehouse
