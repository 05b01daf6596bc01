#include "warehouse/query.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cctype>

namespace meshd::warehouse {

namespace json = boost::json;

namespace {

struct Deadline {
  std::chrono::steady_clock::time_point at;
  bool expired = false;
};

int OnProgress(void* arg) {
  auto* d = static_cast<Deadline*>(arg);
  if (std::chrono::steady_clock::now() > d->at) {
    d->expired = true;
    return 1;  // interrupts the statement
  }
  return 0;
}

Status Fail(QueryError* error, const std::string& code, const std::string& message,
            StatusCode status = StatusCode::kInvalidArgument) {
  if (error) *error = QueryError{code, message};
  return Status(status, message);
}

// ATTACH counts as read-only for sqlite3_stmt_readonly but would let a query
// open any file the server can read; deny it (and DETACH) at prepare time.
int Authorize(void* arg, int action, const char*, const char*, const char*, const char*) {
  if (action == SQLITE_ATTACH || action == SQLITE_DETACH) {
    *static_cast<bool*>(arg) = true;
    return SQLITE_DENY;
  }
  return SQLITE_OK;
}

bool OnlyWhitespaceOrComments(const char* p) {
  while (*p) {
    if (std::isspace(static_cast<unsigned char>(*p)) || *p == ';') {
      ++p;
    } else if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') ++p;
    } else {
      return false;
    }
  }
  return true;
}

json::value ColumnValue(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json::value(static_cast<int64_t>(sqlite3_column_int64(st, i)));
    case SQLITE_FLOAT: return json::value(sqlite3_column_double(st, i));
    case SQLITE_NULL: return json::value(nullptr);
    default: {
      const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      int n = sqlite3_column_bytes(st, i);
      return json::value(json::string_view(p ? p : "", static_cast<size_t>(n)));
    }
  }
}

std::string Cell(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  if (v.is_double()) {
    char buf[64];
    double d = v.get_double();
    // Shortest round-trip text, as the JSON output does.
    auto r = std::to_chars(buf, buf + sizeof buf, d);
    return std::string(buf, r.ptr);
  }
  return json::serialize(v);
}

}  // namespace

Result<QueryResult> RunReadOnlyQuery(const std::string& db_path, std::string_view sql,
                                     const QueryOptions& options, QueryError* error) {
  std::string text(sql);
  if (OnlyWhitespaceOrComments(text.c_str())) return Fail(error, "BAD_SQL", "empty SQL statement");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return Fail(error, "IO_ERROR", "cannot open warehouse '" + db_path + "': " + m, StatusCode::kIOError);
  }
  sqlite3_busy_timeout(db, static_cast<int>(options.timeout_ms));
  Deadline deadline{std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms)};
  sqlite3_progress_handler(db, 1000, OnProgress, &deadline);
  bool denied = false;
  sqlite3_set_authorizer(db, Authorize, &denied);
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  rc = sqlite3_prepare_v2(db, text.c_str(), static_cast<int>(text.size()), &st, &tail);
  if (rc != SQLITE_OK || st == nullptr) {
    std::string m = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (denied) return Fail(error, "READ_ONLY", "ATTACH and DETACH are not allowed");
    return Fail(error, "BAD_SQL", "SQL error: " + m);
  }
  if (tail && !OnlyWhitespaceOrComments(tail)) {
    sqlite3_finalize(st);
    sqlite3_close(db);
    return Fail(error, "READ_ONLY", "only one statement per query is allowed");
  }
  if (!sqlite3_stmt_readonly(st)) {
    sqlite3_finalize(st);
    sqlite3_close(db);
    return Fail(error, "READ_ONLY", "only read-only statements (SELECT, WITH ... SELECT) are allowed");
  }
  QueryResult out;
  int ncol = sqlite3_column_count(st);
  for (int i = 0; i < ncol; ++i) {
    const char* name = sqlite3_column_name(st, i);
    out.columns.push_back(name ? name : "");
  }
  while (true) {
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      if (static_cast<int64_t>(out.rows.size()) >= options.max_rows) {
        out.truncated = true;
        break;
      }
      std::vector<json::value> row;
      row.reserve(static_cast<size_t>(ncol));
      for (int i = 0; i < ncol; ++i) row.push_back(ColumnValue(st, i));
      out.rows.push_back(std::move(row));
      continue;
    }
    if (rc == SQLITE_DONE) break;
    std::string m = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (deadline.expired)
      return Fail(error, "QUERY_TIMEOUT",
                  "query ran longer than " + std::to_string(options.timeout_ms) + " ms", StatusCode::kTimeout);
    return Fail(error, "BAD_SQL", "SQL error: " + m);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

json::object QueryResultToJson(const QueryResult& r) {
  json::object o;
  json::array cols;
  for (const auto& c : r.columns) cols.emplace_back(c);
  json::array rows;
  for (const auto& row : r.rows) {
    json::array a;
    for (const auto& v : row) a.push_back(v);
    rows.push_back(std::move(a));
  }
  o["columns"] = std::move(cols);
  o["rows"] = std::move(rows);
  o["row_count"] = static_cast<int64_t>(r.rows.size());
  o["truncated"] = r.truncated;
  return o;
}

Result<QueryResult> QueryResultFromJson(const json::value& v) {
  if (!v.is_object()) return Status::InvalidArgument("query response is not a JSON object");
  const auto& o = v.get_object();
  QueryResult r;
  auto c = o.find("columns");
  auto rows = o.find("rows");
  if (c == o.end() || !c->value().is_array() || rows == o.end() || !rows->value().is_array())
    return Status::InvalidArgument("query response lacks columns/rows");
  for (const auto& x : c->value().get_array())
    r.columns.push_back(x.is_string() ? std::string(x.get_string()) : json::serialize(x));
  for (const auto& row : rows->value().get_array()) {
    if (!row.is_array()) return Status::InvalidArgument("query response row is not an array");
    r.rows.emplace_back(row.get_array().begin(), row.get_array().end());
  }
  if (auto t = o.find("truncated"); t != o.end() && t->value().is_bool()) r.truncated = t->value().get_bool();
  return r;
}

std::string RenderTable(const QueryResult& r) {
  std::vector<size_t> width(r.columns.size(), 0);
  std::vector<std::vector<std::string>> cells;
  for (size_t i = 0; i < r.columns.size(); ++i) width[i] = r.columns[i].size();
  for (const auto& row : r.rows) {
    std::vector<std::string> line;
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      line.push_back(Cell(row[i]));
      width[i] = std::max(width[i], line.back().size());
    }
    cells.push_back(std::move(line));
  }
  auto right_align = [&](size_t col) {
    // Numbers read best right-aligned; decide per column from the values.
    bool numeric = !r.rows.empty();
    for (const auto& row : r.rows)
      if (col < row.size() && !(row[col].is_number() || row[col].is_null())) numeric = false;
    return numeric;
  };
  std::vector<bool> right(width.size());
  for (size_t i = 0; i < width.size(); ++i) right[i] = right_align(i);
  std::string out;
  auto emit = [&](const std::vector<std::string>& line) {
    for (size_t i = 0; i < width.size(); ++i) {
      const std::string s = i < line.size() ? line[i] : "";
      std::string pad(width[i] - std::min(width[i], s.size()), ' ');
      if (i) out += " | ";
      out += right[i] ? pad + s : s + (i + 1 < width.size() ? pad : "");
    }
    out += "\n";
  };
  emit(r.columns);
  for (size_t i = 0; i < width.size(); ++i) {
    if (i) out += "-+-";
    out += std::string(width[i], '-');
  }
  out += "\n";
  for (const auto& line : cells) emit(line);
  out += "(" + std::to_string(r.rows.size()) + (r.rows.size() == 1 ? " row" : " rows") +
         (r.truncated ? ", truncated" : "") + ")\n";
  return out;
}

std::string RenderCsv(const QueryResult& r) {
  auto field = [](const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
      if (c == '"') q += '"';
      q += c;
    }
    return q + "\"";
  };
  std::string out;
  for (size_t i = 0; i < r.columns.size(); ++i) out += (i ? "," : "") + field(r.columns[i]);
  out += "\r\n";
  for (const auto& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + field(Cell(row[i]));
    out += "\r\n";
  }
  return out;
}

}  // namespace meshd::warehouse
