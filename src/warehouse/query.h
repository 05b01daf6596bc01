#pragma once
// Read-only SQL over the warehouse (GET /v1/query, `meshd query`).
//
// Safety: the database is opened with SQLITE_OPEN_READONLY, the statement
// must be exactly one statement, and sqlite3_stmt_readonly() must say it
// does not write (this also rejects ATTACH, PRAGMA writes, temp tables). A
// progress handler aborts statements that run past the deadline.

#include <boost/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace meshd::warehouse {

struct QueryOptions {
  int64_t max_rows = 10000;   // more rows set `truncated`
  int64_t timeout_ms = 10000;
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<boost::json::value>> rows;
  bool truncated = false;
};

// Error codes (for HTTP bodies): READ_ONLY (statement would write or is not
// a single statement), BAD_SQL (does not compile), QUERY_TIMEOUT, IO_ERROR.
struct QueryError {
  std::string code;
  std::string message;
};

// Runs `sql` on a new read-only connection to `db_path`. On failure returns
// a non-OK status and fills *error (when given).
Result<QueryResult> RunReadOnlyQuery(const std::string& db_path, std::string_view sql,
                                     const QueryOptions& options, QueryError* error = nullptr);

// {"columns":[...],"rows":[[...],...],"row_count":N,"truncated":bool}
boost::json::object QueryResultToJson(const QueryResult& r);
Result<QueryResult> QueryResultFromJson(const boost::json::value& v);

// Text renderings for the CLI: an aligned table with a "(N rows)" footer,
// and RFC 4180 CSV with a header line.
std::string RenderTable(const QueryResult& r);
std::string RenderCsv(const QueryResult& r);

}  // namespace meshd::warehouse
