// A thin adapter over one SQLite connection (sqlite3*): prepared statements
// cached per connection, results as Result values, and a transaction guard.
// Also SqliteReaderPool, the read connections a store shares among threads.
//
// Thread safety: a SqliteConnection and the statements it hands out are used
// by one thread at a time (the connection is opened without SQLite's own
// mutex); SqliteReaderPool may be used from any thread.
//
// Errors: SQLITE_BUSY/LOCKED, I/O errors and a full disk are kUnavailable;
// a UNIQUE or PRIMARY KEY violation is kAlreadyExists; anything else is
// kInternal. Messages carry SQLite's text.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace trainyard {

struct SqliteConnectionOptions {
  int busy_timeout_ms = 5000;  // how long a statement waits for another writer's lock
  bool read_only = false;      // refuse writes on this connection (PRAGMA query_only)
};

// A statement borrowed from its connection's cache; reset and unbound when
// it goes out of scope. Parameter indexes start at 1, columns at 0.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  void Bind(int index, int64_t value);
  void Bind(int index, std::string_view value);  // copied by SQLite

  Result<bool> Step();  // true: a row is available; false: done
  Status Run();         // steps to the end, ignoring rows

  int64_t ColumnInt(int column) const;
  std::string_view ColumnText(int column) const;  // valid until the next Step

 private:
  sqlite3_stmt* stmt_;
  sqlite3* db_;
};

class SqliteConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path,
                                                        const SqliteConnectionOptions& options);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements that bind nothing (schema, pragmas).
  Status Exec(const std::string& sql);
  // A prepared statement for `sql`, compiled once per connection.
  Result<SqliteStatement> Prepare(const std::string& sql);

  // The connection's last error as an Error, with `context` in front.
  Error LastError(std::string_view context) const;

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN (IMMEDIATE when writing) ... COMMIT; rolls back if not committed.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> Begin(SqliteConnection& db, bool immediate);
  SqliteTransaction(SqliteTransaction&& other) noexcept;
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  Status Commit();

 private:
  explicit SqliteTransaction(SqliteConnection* db) : db_(db) {}
  SqliteConnection* db_;  // null once committed, rolled back or moved from
};

// Read connections opened on demand, at most `max_connections`; a caller
// that finds them all busy waits for one.
class SqliteReaderPool {
 public:
  class Lease {
   public:
    Lease(SqliteReaderPool* pool, std::unique_ptr<SqliteConnection> db)
        : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease();
    SqliteConnection& operator*() { return *db_; }
    SqliteConnection* operator->() { return db_.get(); }

   private:
    SqliteReaderPool* pool_;
    std::unique_ptr<SqliteConnection> db_;
  };

  SqliteReaderPool(std::string path, SqliteConnectionOptions options, int max_connections);
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<SqliteConnection> db);

  const std::string path_;
  const SqliteConnectionOptions options_;
  const int max_connections_;
  std::mutex mu_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  int opened_ = 0;
};

}  // namespace trainyard
