#include "store/sqlite_log_store.h"

#include <sqlite3.h>

namespace trainyard {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS log_lines (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL COLLATE NOCASE,
  host TEXT NOT NULL,
  time INTEGER NOT NULL,
  stream TEXT NOT NULL,
  text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS log_lines_by_job ON log_lines (job, id);
CREATE TABLE IF NOT EXISTS metric_points (
  job TEXT NOT NULL COLLATE NOCASE,
  host TEXT NOT NULL,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  time INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS metric_points_by_job ON metric_points (job, name, time);
)sql";

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  sqlite3_stmt* get() { return stmt_; }
  bool ok() const { return stmt_ != nullptr; }
  void Text(int i, std::string_view s) { sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void Int(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  std::string ColumnText(int i) {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, i)) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

Error SqlError(sqlite3* db, const std::string& what) {
  return MakeError(ErrorCode::kInternal, what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Result<std::unique_ptr<SqliteLogStore>> SqliteLogStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    Error e = SqlError(db, "opening " + path);
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<SqliteLogStore> store(new SqliteLogStore(db));
  TY_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  TY_RETURN_IF_ERROR(store->Exec(kSchema));
  return store;
}

SqliteLogStore::~SqliteLogStore() { sqlite3_close(db_); }

Status SqliteLogStore::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return MakeError(ErrorCode::kInternal, "log store: " + text);
  }
  return Ok();
}

Status SqliteLogStore::AppendLogs(std::string_view job, std::string_view host,
                                  const std::vector<LogLine>& lines) {
  if (lines.empty()) return Ok();
  std::lock_guard lock(mu_);
  TY_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Statement insert(db_, "INSERT INTO log_lines (job, host, time, stream, text) VALUES (?, ?, ?, ?, ?)");
  for (const LogLine& line : lines) {
    sqlite3_reset(insert.get());
    insert.Text(1, job);
    insert.Text(2, host);
    insert.Int(3, line.time_ms);
    insert.Text(4, line.stream);
    insert.Text(5, line.text);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
      Error e = SqlError(db_, "storing log lines");
      (void)Exec("ROLLBACK");
      return e;
    }
  }
  return Exec("COMMIT");
}

Result<std::vector<StoredLogLine>> SqliteLogStore::ReadLogs(std::string_view job, const LogQuery& query) {
  std::lock_guard lock(mu_);
  Statement select(db_,
                   "SELECT id, host, time, stream, text FROM log_lines WHERE job = ? AND id > ? "
                   "AND (? = '' OR host = ?) ORDER BY id LIMIT ?");
  select.Text(1, job);
  select.Int(2, query.after_id);
  select.Text(3, query.host);
  select.Text(4, query.host);
  select.Int(5, query.limit);
  std::vector<StoredLogLine> out;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    out.push_back({sqlite3_column_int64(select.get(), 0), select.ColumnText(1),
                   sqlite3_column_int64(select.get(), 2), select.ColumnText(3), select.ColumnText(4)});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "reading log lines");
  return out;
}

Result<int64_t> SqliteLogStore::LogBytes(std::string_view job) {
  std::lock_guard lock(mu_);
  Statement select(db_, "SELECT COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM log_lines WHERE job = ?");
  select.Text(1, job);
  if (sqlite3_step(select.get()) != SQLITE_ROW) return SqlError(db_, "measuring log lines");
  return sqlite3_column_int64(select.get(), 0);
}

Status SqliteLogStore::AppendMetrics(std::string_view job, const std::vector<MetricPoint>& points) {
  if (points.empty()) return Ok();
  std::lock_guard lock(mu_);
  TY_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Statement insert(db_, "INSERT INTO metric_points (job, host, name, value, time) VALUES (?, ?, ?, ?, ?)");
  for (const MetricPoint& p : points) {
    sqlite3_reset(insert.get());
    insert.Text(1, job);
    insert.Text(2, p.host);
    insert.Text(3, p.datum.name);
    sqlite3_bind_double(insert.get(), 4, p.datum.value);
    insert.Int(5, p.datum.timestamp);
    if (sqlite3_step(insert.get()) != SQLITE_DONE) {
      Error e = SqlError(db_, "storing metrics");
      (void)Exec("ROLLBACK");
      return e;
    }
  }
  return Exec("COMMIT");
}

Result<std::vector<MetricPoint>> SqliteLogStore::ReadMetrics(std::string_view job, std::string_view name) {
  std::lock_guard lock(mu_);
  Statement select(db_,
                   "SELECT host, name, value, time FROM metric_points WHERE job = ? AND (? = '' OR name = ?) "
                   "ORDER BY time, rowid");
  select.Text(1, job);
  select.Text(2, name);
  select.Text(3, name);
  std::vector<MetricPoint> out;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    out.push_back({select.ColumnText(0), {select.ColumnText(1), sqlite3_column_double(select.get(), 2),
                                          sqlite3_column_int64(select.get(), 3)}});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "reading metrics");
  return out;
}

}  // namespace trainyard
