#pragma once
// SQL text shared by the table sinks (SQLite, PostgreSQL): both speak the
// same dialect for identifiers, CREATE TABLE column order and the upsert
// (INSERT ... ON CONFLICT (key) DO UPDATE SET c = excluded.c), so the pieces
// that do not depend on the backend are built here once. Names passed in
// are already checked by ValidateIdentifier (table_sink.h).

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "warehouse/table_sink.h"

namespace meshd::warehouse {

// A double-quoted SQL identifier.
std::string QuoteIdentifier(const std::string& ident);

// `"a", "b"`: quoted identifiers separated by commas.
std::string QuotedList(const std::vector<std::string>& idents);

bool IsKeyColumn(const TableSpec& spec, const std::string& column);

// The columns of a table created for `row`: key columns, then declared
// columns, then the row's other columns, each once.
std::vector<std::string> CreateColumnOrder(const TableSpec& spec, const boost::json::object& row);

// What follows `INSERT INTO t (...) VALUES (...)` to upsert by the table's
// key: ` ON CONFLICT ("k") DO UPDATE SET "c" = excluded."c", ...` over the
// row's non-key columns (DO NOTHING when there are none). Empty when the
// table has no key (plain insert).
std::string UpsertClause(const TableSpec& spec, const boost::json::object& row);

}  // namespace meshd::warehouse
