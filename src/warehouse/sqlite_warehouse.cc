#include "warehouse/sqlite_warehouse.h"

#include <cctype>
#include <functional>
#include <string_view>

#include "warehouse/sql_text.h"

namespace meshd::warehouse {

namespace json = boost::json;

Result<ColumnType> ParseColumnType(const std::string& name) {
  std::string u;
  for (char c : name) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u == "INTEGER" || u == "INT" || u == "BIGINT" || u == "BOOLEAN") return ColumnType::kInteger;
  if (u == "REAL" || u == "DOUBLE" || u == "FLOAT" || u == "NUMERIC") return ColumnType::kReal;
  if (u == "TEXT" || u == "STRING" || u == "VARCHAR" || u == "JSON") return ColumnType::kText;
  return Status::InvalidArgument("unknown column type '" + name + "' (expected INTEGER, REAL or TEXT)");
}

const char* ColumnTypeName(ColumnType t) {
  switch (t) {
    case ColumnType::kInteger: return "INTEGER";
    case ColumnType::kReal: return "REAL";
    case ColumnType::kText: return "TEXT";
    case ColumnType::kAny: return "";
  }
  return "";
}

Status ValidateIdentifier(const std::string& name, const std::string& what) {
  if (name.empty()) return Status::InvalidArgument(what + " name is empty");
  if (name.size() > 128) return Status::InvalidArgument(what + " name '" + name + "' is longer than 128 characters");
  if (std::isdigit(static_cast<unsigned char>(name[0])))
    return Status::InvalidArgument(what + " name '" + name + "' starts with a digit");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return Status::InvalidArgument(what + " name '" + name +
                                     "' may contain only letters, digits and '_'");
  }
  return Status::Ok();
}

namespace {

std::string Quote(const std::string& ident) { return QuoteIdentifier(ident); }

ColumnType TypeOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::bool_: return ColumnType::kInteger;
    case json::kind::double_: return ColumnType::kReal;
    case json::kind::null: return ColumnType::kAny;
    default: return ColumnType::kText;
  }
}

Status SqliteError(sqlite3* db, const std::string& what) {
  return Status::IOError("warehouse: " + what + ": " + sqlite3_errmsg(db));
}

int Bind(sqlite3_stmt* st, int i, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return sqlite3_bind_null(st, i);
    case json::kind::bool_: return sqlite3_bind_int64(st, i, v.get_bool() ? 1 : 0);
    case json::kind::int64: return sqlite3_bind_int64(st, i, v.get_int64());
    case json::kind::uint64: return sqlite3_bind_int64(st, i, static_cast<int64_t>(v.get_uint64()));
    case json::kind::double_: return sqlite3_bind_double(st, i, v.get_double());
    case json::kind::string: {
      const auto& s = v.get_string();
      // No copy: the row outlives the step, and ApplyRow clears the bindings after it.
      return sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    }
    default: {
      std::string s = json::serialize(v);
      return sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
  }
}

}  // namespace

Result<std::unique_ptr<SqliteWarehouse>> SqliteWarehouse::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close(db);
    return Status::IOError("cannot open warehouse '" + path + "': " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  std::unique_ptr<SqliteWarehouse> w(new SqliteWarehouse(path, db));
  // WAL: readers see the last committed transaction while the writer works.
  // synchronous=FULL: a committed transaction (rows + progress) survives a
  // power loss, which the exactly-once argument relies on.
  MESHD_TRY(w->Exec("PRAGMA journal_mode=WAL"));
  MESHD_TRY(w->Exec("PRAGMA synchronous=FULL"));
  // 32 MiB of page cache (default 2 MiB): upserts land all over a table's
  // key B-tree, and a cache smaller than the hot part of the tree re-reads
  // pages at every commit. Pages are allocated as used, not up front.
  MESHD_TRY(w->Exec("PRAGMA cache_size=-32768"));
  MESHD_TRY(w->Exec(std::string("CREATE TABLE IF NOT EXISTS ") + kProgressTable +
                    " (pipeline TEXT NOT NULL, task INTEGER NOT NULL, checkpoint_id INTEGER NOT NULL,"
                    " offsets TEXT NOT NULL, committed_at_ms INTEGER NOT NULL,"
                    " PRIMARY KEY (pipeline, task))"));
  return w;
}

SqliteWarehouse::~SqliteWarehouse() {
  for (auto& [name, t] : tables_) DropStatements(t);
  for (auto& [sql, st] : statements_) sqlite3_finalize(st);
  sqlite3_close(db_);
}

Status SqliteWarehouse::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return Status::IOError("warehouse: " + msg + " (in: " + sql.substr(0, 200) + ")");
  }
  return Status::Ok();
}

sqlite3_stmt* SqliteWarehouse::Prepared(const std::string& sql, Status* error) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    sqlite3_reset(it->second);
    sqlite3_clear_bindings(it->second);
    return it->second;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    *error = SqliteError(db_, "prepare " + sql.substr(0, 200));
    return nullptr;
  }
  statements_[sql] = st;
  return st;
}

Status SqliteWarehouse::DeclareTable(const TableSpec& spec) {
  MESHD_TRY(ValidateIdentifier(spec.name, "table"));
  if (spec.name.rfind("_meshd", 0) == 0)
    return Status::InvalidArgument("table name '" + spec.name + "' is reserved (prefix _meshd)");
  for (const auto& k : spec.key) MESHD_TRY(ValidateIdentifier(k, "key column"));
  for (const auto& [c, t] : spec.columns) MESHD_TRY(ValidateIdentifier(c, "column"));
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = tables_.try_emplace(spec.name);
  Table& t = it->second;
  if (!inserted) {
    // Two pipelines (or tasks) sharing a table must agree on its key.
    if (t.spec.key != spec.key)
      return Status::InvalidArgument("table '" + spec.name + "' is already declared with another key");
    return Status::Ok();
  }
  t.spec = spec;
  for (const auto& [c, ty] : spec.columns) t.columns[c] = ty;
  MESHD_TRY(LoadExistingTable(t));
  if (!t.created && !spec.columns.empty()) {
    json::object empty;
    MESHD_TRY(EnsureTableFor(t, empty));
  }
  return Status::Ok();
}

Status SqliteWarehouse::LoadExistingTable(Table& t) {
  Status err;
  sqlite3_stmt* st = Prepared("SELECT name, type FROM pragma_table_info(?)", &err);
  if (!st) return err;
  sqlite3_bind_text(st, 1, t.spec.name.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(st) == SQLITE_ROW) {
    t.created = true;
    std::string name = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    const unsigned char* ty = sqlite3_column_text(st, 1);
    auto parsed = ParseColumnType(ty ? reinterpret_cast<const char*>(ty) : "");
    t.columns[name] = parsed.ok() ? *parsed : ColumnType::kAny;
  }
  sqlite3_reset(st);
  return Status::Ok();
}

Status SqliteWarehouse::EnsureTableFor(Table& t, const json::object& row) {
  if (!t.created) {
    const std::vector<std::string> order = CreateColumnOrder(t.spec, row);
    std::string sql = "CREATE TABLE IF NOT EXISTS " + Quote(t.spec.name) + " (";
    bool first = true;
    for (const auto& c : order) {
      MESHD_TRY(ValidateIdentifier(c, "column"));
      ColumnType ty = ColumnType::kAny;
      auto known = t.columns.find(c);
      if (known != t.columns.end()) ty = known->second;
      else if (auto v = row.find(c); v != row.end()) ty = TypeOf(v->value());
      t.columns[c] = ty;
      sql += (first ? "" : ", ") + Quote(c) + " " + ColumnTypeName(ty);
      first = false;
    }
    if (!t.spec.key.empty()) {
      sql += ", PRIMARY KEY (" + QuotedList(t.spec.key) + ")";
    }
    sql += ")";
    MESHD_TRY(Exec(sql));
    t.created = true;
    return Status::Ok();
  }
  for (const auto& kv : row) {
    std::string c(kv.key());
    if (t.columns.count(c)) continue;
    MESHD_TRY(ValidateIdentifier(c, "column"));
    ColumnType ty = TypeOf(kv.value());
    MESHD_TRY(Exec("ALTER TABLE " + Quote(t.spec.name) + " ADD COLUMN " + Quote(c) + " " +
                   ColumnTypeName(ty)));
    t.columns[c] = ty;
  }
  return Status::Ok();
}

void SqliteWarehouse::DropStatements(Table& t) {
  for (auto& c : t.inserts) sqlite3_finalize(c.st);
  t.inserts.clear();
  sqlite3_finalize(t.delete_by_key);
  t.delete_by_key = nullptr;
}

Status SqliteWarehouse::DeleteByKey(Table& t, const SinkRow& row) {
  if (t.spec.key.empty() || !t.created) return Status::Ok();
  if (!t.delete_by_key) {
    std::string sql = "DELETE FROM " + Quote(t.spec.name) + " WHERE ";
    for (size_t i = 0; i < t.spec.key.size(); ++i)
      sql += (i ? " AND " : "") + Quote(t.spec.key[i]) + " IS ?";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &t.delete_by_key, nullptr) != SQLITE_OK) {
      t.delete_by_key = nullptr;
      return SqliteError(db_, "prepare " + sql.substr(0, 200));
    }
  }
  sqlite3_stmt* st = t.delete_by_key;
  for (size_t i = 0; i < t.spec.key.size(); ++i) Bind(st, static_cast<int>(i + 1), row.values.at(t.spec.key[i]));
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (rc != SQLITE_DONE) return SqliteError(db_, "delete from " + t.spec.name);
  return Status::Ok();
}

sqlite3_stmt* SqliteWarehouse::InsertFor(Table& t, const SinkRow& row, bool upsert, Status* error) {
  for (const auto& c : t.inserts) {
    if (c.upsert != upsert || c.columns.size() != row.values.size()) continue;
    size_t i = 0;
    for (const auto& kv : row.values) {
      if (kv.key() != c.columns[i]) break;
      ++i;
    }
    if (i == c.columns.size()) return c.st;
  }
  // A column list not seen yet: the table may need creating or new columns.
  if (Status s = EnsureTableFor(t, row.values); !s.ok()) {
    *error = s;
    return nullptr;
  }
  CachedInsert c;
  std::string cols, marks;
  for (const auto& kv : row.values) {
    c.columns.emplace_back(kv.key());
    cols += (marks.empty() ? "" : ", ") + Quote(c.columns.back());
    marks += marks.empty() ? "?" : ", ?";
  }
  std::string sql = "INSERT INTO " + Quote(t.spec.name) + " (" + cols + ") VALUES (" + marks + ")";
  if (upsert) sql += UpsertClause(t.spec, row.values);
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &c.st, nullptr) != SQLITE_OK) {
    sqlite3_finalize(c.st);
    *error = SqliteError(db_, "prepare " + sql.substr(0, 200));
    return nullptr;
  }
  c.upsert = upsert;
  t.inserts.push_back(std::move(c));
  return t.inserts.back().st;
}

Status SqliteWarehouse::ApplyRow(Table& t, const SinkRow& row) {
  for (const auto& k : t.spec.key) {
    if (!row.values.contains(k))
      return Status::InvalidArgument("row for table '" + t.spec.name + "' lacks key column '" + k + "'");
  }
  if (row.remove) return DeleteByKey(t, row);
  // SQLite treats NULLs in a primary key as distinct, so ON CONFLICT never
  // fires for a key with a NULL part (a left join without a match): replace
  // such a row by an explicit delete (IS matches NULL) and insert.
  bool null_key = false;
  for (const auto& k : t.spec.key) null_key |= row.values.at(k).is_null();
  Status err;
  sqlite3_stmt* st = InsertFor(t, row, !null_key, &err);
  if (!st) return err;
  if (null_key) MESHD_TRY(DeleteByKey(t, row));
  int i = 0;
  for (const auto& kv : row.values) Bind(st, ++i, kv.value());
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);  // text was bound without a copy (SQLITE_STATIC): drop it now
  if (rc != SQLITE_DONE) return SqliteError(db_, "upsert into " + t.spec.name);
  return Status::Ok();
}

namespace {

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

uint64_t HashValue(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64: return std::hash<int64_t>()(v.get_int64()) * 0xff51afd7ed558ccdULL;
    case json::kind::uint64: return std::hash<uint64_t>()(v.get_uint64()) * 0xff51afd7ed558ccdULL;
    case json::kind::string: return std::hash<std::string_view>()(std::string_view(v.get_string()));
    case json::kind::double_: return std::hash<double>()(v.get_double());
    case json::kind::bool_: return v.get_bool() ? 1 : 2;
    case json::kind::null: return 3;
    default: return std::hash<std::string>()(json::serialize(v));
  }
}

// The rows a commit writes, with rows for the same table and key coalesced:
// the commit is one transaction, so only each key's final row is visible,
// and writing it alone gives the same table. A later row replaces the
// earlier one in the earlier one's place (the order of distinct keys is the
// order of first appearance) when that gives the same result: the later row
// is a delete, or an upsert of the same columns. Otherwise (an upsert of
// other columns merges with what is there) both are kept, in order. Tables
// without a key are appended to, never coalesced.
std::vector<const SinkRow*> CoalesceByKey(const std::vector<SinkRow>& rows,
                                          const std::function<const TableSpec*(const std::string&)>& spec_of) {
  std::vector<const SinkRow*> out;
  out.reserve(rows.size());
  // Open addressing over indexes into `out` (the latest row of each key):
  // no allocation per row, which a map of key texts cost at 20,000 rows a
  // commit. Equal keys are found by comparing the key values.
  size_t cap = 16;
  while (cap < rows.size() * 2) cap <<= 1;
  std::vector<int64_t> slots(cap, -1);
  auto same_columns = [](const json::object& a, const json::object& b) {
    if (a.size() != b.size()) return false;
    auto ib = b.begin();
    for (const auto& kv : a)
      if (kv.key() != (ib++)->key()) return false;
    return true;
  };
  auto same_key = [](const TableSpec& spec, const SinkRow& a, const SinkRow& b) {
    if (a.table != b.table) return false;
    for (const auto& k : spec.key)
      if (a.values.at(k) != b.values.at(k)) return false;
    return true;
  };
  const std::string* last_table = nullptr;
  const TableSpec* spec = nullptr;
  for (const auto& row : rows) {
    if (!last_table || *last_table != row.table) {
      spec = spec_of(row.table);
      last_table = &row.table;
    }
    if (!spec || spec->key.empty()) {  // undeclared (the commit fails on it) or keyless
      out.push_back(&row);
      continue;
    }
    uint64_t h = std::hash<std::string>()(row.table);
    bool complete = true;
    for (const auto& k : spec->key) {
      auto it = row.values.find(k);
      if (it == row.values.end()) {
        complete = false;  // ApplyRow reports the missing key column
        break;
      }
      h = Mix(h, HashValue(it->value()));
    }
    if (!complete) {
      out.push_back(&row);
      continue;
    }
    size_t i = h & (cap - 1);
    while (slots[i] >= 0 && !same_key(*spec, *out[static_cast<size_t>(slots[i])], row)) i = (i + 1) & (cap - 1);
    if (slots[i] < 0) {
      slots[i] = static_cast<int64_t>(out.size());
      out.push_back(&row);
      continue;
    }
    const SinkRow* prev = out[static_cast<size_t>(slots[i])];
    if (row.remove || (!prev->remove && same_columns(prev->values, row.values))) {
      out[static_cast<size_t>(slots[i])] = &row;
    } else {
      slots[i] = static_cast<int64_t>(out.size());
      out.push_back(&row);
    }
  }
  return out;
}

}  // namespace

Status SqliteWarehouse::Commit(const std::vector<SinkRow>& rows, const SinkProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  MESHD_TRY(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)Exec("ROLLBACK");
    // A rolled-back CREATE/ALTER must be re-run next time.
    for (auto& [name, t] : tables_) {
      DropStatements(t);
      t.created = false;
      t.columns.clear();
      for (const auto& [c, ty] : t.spec.columns) t.columns[c] = ty;
      (void)LoadExistingTable(t);
    }
    return s;
  };
  auto spec_of = [&](const std::string& table) -> const TableSpec* {
    auto it = tables_.find(table);
    return it == tables_.end() ? nullptr : &it->second.spec;
  };
  for (const SinkRow* row : CoalesceByKey(rows, spec_of)) {
    auto it = tables_.find(row->table);
    if (it == tables_.end()) return fail(Status::InvalidArgument("table '" + row->table + "' was not declared"));
    Status s = ApplyRow(it->second, *row);
    if (!s.ok()) return fail(s);
  }
  Status err;
  sqlite3_stmt* st = Prepared(std::string("INSERT INTO ") + kProgressTable +
                                  " (pipeline, task, checkpoint_id, offsets, committed_at_ms)"
                                  " VALUES (?, ?, ?, ?, CAST(strftime('%s','now') AS INTEGER) * 1000)"
                                  " ON CONFLICT (pipeline, task) DO UPDATE SET checkpoint_id = excluded.checkpoint_id,"
                                  " offsets = excluded.offsets, committed_at_ms = excluded.committed_at_ms",
                              &err);
  if (!st) return fail(err);
  sqlite3_bind_text(st, 1, progress.pipeline.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, progress.task);
  sqlite3_bind_int64(st, 3, progress.checkpoint_id);
  sqlite3_bind_text(st, 4, progress.offsets_json.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE) return fail(SqliteError(db_, "write sink progress"));
  Status c = Exec("COMMIT");
  if (!c.ok()) return fail(c);
  return Status::Ok();
}

Result<std::optional<SinkProgress>> SqliteWarehouse::ReadProgress(const std::string& pipeline,
                                                                  int32_t task) {
  std::lock_guard<std::mutex> lock(mu_);
  Status err;
  sqlite3_stmt* st = Prepared(std::string("SELECT checkpoint_id, offsets FROM ") + kProgressTable +
                                  " WHERE pipeline = ? AND task = ?",
                              &err);
  if (!st) return err;
  sqlite3_bind_text(st, 1, pipeline.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, task);
  std::optional<SinkProgress> out;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    SinkProgress p;
    p.pipeline = pipeline;
    p.task = task;
    p.checkpoint_id = sqlite3_column_int64(st, 0);
    p.offsets_json = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    out = std::move(p);
  } else if (rc != SQLITE_DONE) {
    return SqliteError(db_, "read sink progress");
  }
  sqlite3_reset(st);
  return out;
}

Status SqliteWarehouse::ForgetPipeline(const std::string& pipeline) {
  std::lock_guard<std::mutex> lock(mu_);
  Status err;
  sqlite3_stmt* st = Prepared(std::string("DELETE FROM ") + kProgressTable + " WHERE pipeline = ?", &err);
  if (!st) return err;
  sqlite3_bind_text(st, 1, pipeline.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE) return SqliteError(db_, "forget pipeline progress");
  return Status::Ok();
}

}  // namespace meshd::warehouse
