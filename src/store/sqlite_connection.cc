#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

namespace trainyard {
namespace {

ErrorCode CodeFor(int extended_code) {
  switch (extended_code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
      return ErrorCode::kUnavailable;
    default:
      break;
  }
  if (extended_code == SQLITE_CONSTRAINT_UNIQUE || extended_code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return ErrorCode::kAlreadyExists;
  }
  return ErrorCode::kInternal;
}

Error SqliteError(sqlite3* db, std::string_view context) {
  int code = db ? sqlite3_extended_errcode(db) : SQLITE_NOMEM;
  std::string text = db ? sqlite3_errmsg(db) : "out of memory";
  return MakeError(CodeFor(code), std::string(context) + ": " + text);
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(other.db_) {}

SqliteStatement::~SqliteStatement() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void SqliteStatement::Bind(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

Result<bool> SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, "sqlite step");
}

Status SqliteStatement::Run() {
  while (true) {
    TY_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view SqliteStatement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!text) return {};
  return std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, const SqliteConnectionOptions& options) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db, "opening " + path);
    sqlite3_close_v2(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  std::string pragmas = "PRAGMA synchronous=NORMAL;";
  if (options.read_only) pragmas += "PRAGMA query_only=1;";
  TY_RETURN_IF_ERROR(conn->Exec(pragmas));
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteConnection::Exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  if (rc != SQLITE_OK) return LastError("sqlite exec");
  return Ok();
}

Result<SqliteStatement> SqliteConnection::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return LastError("preparing \"" + sql + "\"");
    it = statements_.emplace(sql, stmt).first;
  }
  return SqliteStatement(it->second, db_);
}

Error SqliteConnection::LastError(std::string_view context) const {
  return SqliteError(db_, context);
}

Result<SqliteTransaction> SqliteTransaction::Begin(SqliteConnection& db, bool immediate) {
  TY_ASSIGN_OR_RETURN(SqliteStatement begin,
                      db.Prepare(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
  TY_RETURN_IF_ERROR(begin.Run());
  return SqliteTransaction(&db);
}

SqliteTransaction::SqliteTransaction(SqliteTransaction&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

SqliteTransaction::~SqliteTransaction() {
  if (!db_) return;
  auto rollback = db_->Prepare("ROLLBACK");
  if (rollback.ok()) (void)rollback->Run();
}

Status SqliteTransaction::Commit() {
  TY_ASSIGN_OR_RETURN(SqliteStatement commit, db_->Prepare("COMMIT"));
  Status status = commit.Run();
  if (status.ok()) db_ = nullptr;  // on failure the destructor rolls back
  return status;
}

SqliteReaderPool::Lease::~Lease() {
  if (db_) pool_->Release(std::move(db_));
}

SqliteReaderPool::SqliteReaderPool(std::string path, SqliteConnectionOptions options,
                                   int max_connections)
    : path_(std::move(path)), options_(options), max_connections_(max_connections) {}

Result<SqliteReaderPool::Lease> SqliteReaderPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    available_.wait(lock, [&] { return !idle_.empty() || opened_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<SqliteConnection> db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
    ++opened_;
  }
  // Opening takes a while; do it without holding the lock.
  auto db = SqliteConnection::Open(path_, options_);
  if (!db.ok()) {
    std::lock_guard lock(mu_);
    --opened_;
    available_.notify_one();
    return db.error();
  }
  return Lease(this, std::move(db).value());
}

void SqliteReaderPool::Release(std::unique_ptr<SqliteConnection> db) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(db));
  }
  available_.notify_one();
}

}  // namespace trainyard
