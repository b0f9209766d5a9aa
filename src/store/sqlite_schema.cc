#include "store/sqlite_schema.h"

#include <iterator>
#include <string>

namespace trainyard {
namespace {

struct Migration {
  int version;  // user_version after this migration
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        arn TEXT NOT NULL COLLATE NOCASE UNIQUE,
        status TEXT NOT NULL,
        creation_time INTEGER NOT NULL,
        last_modified_time INTEGER NOT NULL,
        record TEXT NOT NULL
      );
      CREATE INDEX jobs_by_creation ON jobs (creation_time, name);
      CREATE INDEX jobs_by_status ON jobs (status, name);
      CREATE INDEX jobs_by_status_creation ON jobs (status, creation_time, name);
      CREATE TABLE tags (
        arn TEXT NOT NULL COLLATE NOCASE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (arn, key)
      ) WITHOUT ROWID;
    )sql"},
};

Result<int> UserVersion(SqliteConnection& db) {
  TY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare("PRAGMA user_version"));
  TY_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return MakeError(ErrorCode::kInternal, "PRAGMA user_version returned no row");
  return static_cast<int>(stmt.ColumnInt(0));
}

}  // namespace

Status MigrateJobStoreSchema(SqliteConnection& db) {
  static_assert(std::size(kMigrations) == kJobStoreSchemaVersion);
  for (const Migration& migration : kMigrations) {
    TY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(db, /*immediate=*/true));
    TY_ASSIGN_OR_RETURN(int version, UserVersion(db));
    if (version > kJobStoreSchemaVersion) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "job store schema version " + std::to_string(version) +
                           " is newer than this build supports (" +
                           std::to_string(kJobStoreSchemaVersion) + ")");
    }
    if (version >= migration.version) continue;  // already applied, maybe by another process
    TY_RETURN_IF_ERROR(db.Exec(migration.sql));
    TY_RETURN_IF_ERROR(db.Exec("PRAGMA user_version = " + std::to_string(migration.version)));
    TY_RETURN_IF_ERROR(txn.Commit());
  }
  return Ok();
}

}  // namespace trainyard
