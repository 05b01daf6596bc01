#include "warehouse/postgres_sink.h"

#include <libpq-fe.h>

#include <charconv>

#include "warehouse/sql_text.h"

namespace meshd::warehouse {

namespace json = boost::json;

namespace {

std::string Quote(const std::string& ident) { return QuoteIdentifier(ident); }

const char* PgType(ColumnType t) {
  switch (t) {
    case ColumnType::kInteger: return "BIGINT";
    case ColumnType::kReal: return "DOUBLE PRECISION";
    default: return "TEXT";
  }
}

ColumnType TypeOf(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::bool_: return ColumnType::kInteger;
    case json::kind::double_: return ColumnType::kReal;
    default: return ColumnType::kText;
  }
}

// Text form of a value as a query parameter; nullopt = SQL NULL.
std::optional<std::string> Param(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return std::nullopt;
    case json::kind::bool_: return std::string(v.get_bool() ? "1" : "0");
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get_double());
      return std::string(buf, r.ptr);
    }
    case json::kind::string: return std::string(v.get_string());
    default: return json::serialize(v);
  }
}

}  // namespace

Result<std::unique_ptr<PostgresSink>> PostgresSink::Open(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (!c || PQstatus(c) != CONNECTION_OK) {
    std::string m = c ? PQerrorMessage(c) : "out of memory";
    if (c) PQfinish(c);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return Status::Unavailable("cannot connect to PostgreSQL: " + m);
  }
  std::unique_ptr<PostgresSink> s(new PostgresSink(c));
  MESHD_TRY(s->Exec("SET client_min_messages = warning"));
  MESHD_TRY(s->Exec("CREATE TABLE IF NOT EXISTS _meshd_sink_progress (pipeline TEXT NOT NULL, task INTEGER NOT NULL,"
                    " checkpoint_id BIGINT NOT NULL, offsets TEXT NOT NULL, committed_at_ms BIGINT NOT NULL,"
                    " PRIMARY KEY (pipeline, task))"));
  return s;
}

PostgresSink::~PostgresSink() { PQfinish(conn_); }

Status PostgresSink::Exec(const std::string& sql) { return ExecParams(sql, {}); }

Status PostgresSink::ExecParams(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                             nullptr, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    std::string m = PQresultErrorMessage(r);
    PQclear(r);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    if (PQstatus(conn_) != CONNECTION_OK) {
      PQreset(conn_);  // next call gets a fresh connection
      return Status::Unavailable("PostgreSQL connection lost: " + m);
    }
    return Status::IOError("PostgreSQL: " + m + " (in: " + sql.substr(0, 200) + ")");
  }
  PQclear(r);
  return Status::Ok();
}

Status PostgresSink::LoadExistingTable(Table& t) {
  std::string sql =
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()"
      " AND table_name = $1";
  const char* v[] = {t.spec.name.c_str()};
  PGresult* r = PQexecParams(conn_, sql.c_str(), 1, nullptr, v, nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string m = PQresultErrorMessage(r);
    PQclear(r);
    return Status::IOError("PostgreSQL: " + m);
  }
  for (int i = 0; i < PQntuples(r); ++i) {
    t.created = true;
    std::string type = PQgetvalue(r, i, 1);
    t.columns[PQgetvalue(r, i, 0)] = type == "bigint" ? ColumnType::kInteger
                                     : type == "double precision" ? ColumnType::kReal
                                                                  : ColumnType::kText;
  }
  PQclear(r);
  return Status::Ok();
}

Status PostgresSink::DeclareTable(const TableSpec& spec) {
  MESHD_TRY(ValidateIdentifier(spec.name, "table"));
  if (spec.name.rfind("_meshd", 0) == 0)
    return Status::InvalidArgument("table name '" + spec.name + "' is reserved (prefix _meshd)");
  for (const auto& k : spec.key) MESHD_TRY(ValidateIdentifier(k, "key column"));
  for (const auto& [c, t] : spec.columns) MESHD_TRY(ValidateIdentifier(c, "column"));
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = tables_.try_emplace(spec.name);
  if (!inserted) {
    if (it->second.spec.key != spec.key)
      return Status::InvalidArgument("table '" + spec.name + "' is already declared with another key");
    return Status::Ok();
  }
  it->second.spec = spec;
  for (const auto& [c, ty] : spec.columns) it->second.columns[c] = ty;
  MESHD_TRY(LoadExistingTable(it->second));
  if (!it->second.created && !spec.columns.empty()) MESHD_TRY(EnsureTableFor(it->second, {}));
  return Status::Ok();
}

Status PostgresSink::EnsureTableFor(Table& t, const json::object& row) {
  if (!t.created) {
    const std::vector<std::string> order = CreateColumnOrder(t.spec, row);
    std::string sql = "CREATE TABLE IF NOT EXISTS " + Quote(t.spec.name) + " (";
    for (size_t i = 0; i < order.size(); ++i) {
      const std::string& c = order[i];
      MESHD_TRY(ValidateIdentifier(c, "column"));
      ColumnType ty = ColumnType::kText;
      if (auto k = t.columns.find(c); k != t.columns.end() && k->second != ColumnType::kAny) ty = k->second;
      else if (auto v = row.find(c); v != row.end() && !v->value().is_null()) ty = TypeOf(v->value());
      t.columns[c] = ty;
      sql += (i ? ", " : "") + Quote(c) + " " + PgType(ty);
    }
    if (!t.spec.key.empty()) {
      sql += ", UNIQUE (" + QuotedList(t.spec.key) + ")";
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
    ColumnType ty = kv.value().is_null() ? ColumnType::kText : TypeOf(kv.value());
    MESHD_TRY(Exec("ALTER TABLE " + Quote(t.spec.name) + " ADD COLUMN IF NOT EXISTS " + Quote(c) + " " + PgType(ty)));
    t.columns[c] = ty;
  }
  return Status::Ok();
}

Status PostgresSink::ApplyRow(Table& t, const SinkRow& row) {
  for (const auto& k : t.spec.key)
    if (!row.values.contains(k))
      return Status::InvalidArgument("row for table '" + t.spec.name + "' lacks key column '" + k + "'");
  bool null_key = false;
  for (const auto& k : t.spec.key) null_key |= row.values.at(k).is_null();
  if (row.remove || null_key) {
    if (!t.spec.key.empty() && t.created) {
      std::string sql = "DELETE FROM " + Quote(t.spec.name) + " WHERE ";
      std::vector<std::optional<std::string>> params;
      for (size_t i = 0; i < t.spec.key.size(); ++i) {
        sql += (i ? " AND " : "") + Quote(t.spec.key[i]) + " IS NOT DISTINCT FROM $" + std::to_string(i + 1);
        params.push_back(Param(row.values.at(t.spec.key[i])));
      }
      MESHD_TRY(ExecParams(sql, params));
    }
    if (row.remove) return Status::Ok();
  }
  MESHD_TRY(EnsureTableFor(t, row.values));
  std::string cols, marks;
  std::vector<std::optional<std::string>> params;
  for (const auto& kv : row.values) {
    std::string c(kv.key());
    cols += (params.empty() ? "" : ", ") + Quote(c);
    // Cast so NULL and text parameters land in the column's type.
    marks += (params.empty() ? "$" : ", $") + std::to_string(params.size() + 1) + "::" + PgType(t.columns[c]);
    params.push_back(Param(kv.value()));
  }
  std::string sql = "INSERT INTO " + Quote(t.spec.name) + " (" + cols + ") VALUES (" + marks + ")";
  if (!null_key) sql += UpsertClause(t.spec, row.values);
  return ExecParams(sql, params);
}

void PostgresSink::ResetTables() {
  for (auto& [name, t] : tables_) {
    t.created = false;
    t.columns.clear();
    for (const auto& [c, ty] : t.spec.columns) t.columns[c] = ty;
    (void)LoadExistingTable(t);
  }
}

Status PostgresSink::Commit(const std::vector<SinkRow>& rows, const SinkProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  MESHD_TRY(Exec("BEGIN"));
  auto fail = [&](Status s) {
    (void)Exec("ROLLBACK");
    ResetTables();  // a rolled-back CREATE/ALTER must run again
    return s;
  };
  for (const auto& row : rows) {
    auto it = tables_.find(row.table);
    if (it == tables_.end()) return fail(Status::InvalidArgument("table '" + row.table + "' was not declared"));
    Status s = ApplyRow(it->second, row);
    if (!s.ok()) return fail(s);
  }
  Status s = ExecParams(
      "INSERT INTO _meshd_sink_progress (pipeline, task, checkpoint_id, offsets, committed_at_ms)"
      " VALUES ($1, $2, $3, $4, (extract(epoch from clock_timestamp()) * 1000)::BIGINT)"
      " ON CONFLICT (pipeline, task) DO UPDATE SET checkpoint_id = EXCLUDED.checkpoint_id,"
      " offsets = EXCLUDED.offsets, committed_at_ms = EXCLUDED.committed_at_ms",
      {progress.pipeline, std::to_string(progress.task), std::to_string(progress.checkpoint_id), progress.offsets_json});
  if (!s.ok()) return fail(s);
  s = Exec("COMMIT");
  if (!s.ok()) return fail(s);
  return Status::Ok();
}

Result<std::optional<SinkProgress>> PostgresSink::ReadProgress(const std::string& pipeline, int32_t task) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string t = std::to_string(task);
  const char* v[] = {pipeline.c_str(), t.c_str()};
  PGresult* r = PQexecParams(conn_, "SELECT checkpoint_id, offsets FROM _meshd_sink_progress"
                                    " WHERE pipeline = $1 AND task = $2",
                             2, nullptr, v, nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string m = PQresultErrorMessage(r);
    PQclear(r);
    return Status::IOError("PostgreSQL: " + m);
  }
  std::optional<SinkProgress> out;
  if (PQntuples(r) > 0) {
    SinkProgress p;
    p.pipeline = pipeline;
    p.task = task;
    p.checkpoint_id = std::stoll(PQgetvalue(r, 0, 0));
    p.offsets_json = PQgetvalue(r, 0, 1);
    out = std::move(p);
  }
  PQclear(r);
  return out;
}

Status PostgresSink::ForgetPipeline(const std::string& pipeline) {
  std::lock_guard<std::mutex> lock(mu_);
  return ExecParams("DELETE FROM _meshd_sink_progress WHERE pipeline = $1", {pipeline});
}

}  // namespace meshd::warehouse
