// The job store's SQLite schema and its migrations, versioned with
// PRAGMA user_version.
//
// Version 1:
//   jobs(id INTEGER PRIMARY KEY, name UNIQUE COLLATE NOCASE,
//        arn UNIQUE COLLATE NOCASE, status, creation_time, last_modified_time,
//        record)  -- record: the whole TrainingJob as JSON (training_job_codec.h);
//                 -- the other columns copy what listing filters and sorts on
//   indexes on (creation_time, name), (status, name), (status, creation_time, name)
//   tags(arn COLLATE NOCASE, key, value, PRIMARY KEY (arn, key)) WITHOUT ROWID
#pragma once

#include "common/result.h"
#include "store/sqlite_connection.h"

namespace trainyard {

inline constexpr int kJobStoreSchemaVersion = 1;

// Brings the database up to kJobStoreSchemaVersion, one migration per
// transaction, so that concurrent openers (threads or processes) are safe.
// kFailedPrecondition if the file was written by a newer schema.
Status MigrateJobStoreSchema(SqliteConnection& db);

}  // namespace trainyard
