#include "store/sqlite_job_store.h"

#include <set>
#include <utility>
#include <variant>

#include "store/job_page_token.h"
#include "store/sqlite_schema.h"
#include "store/training_job_codec.h"

namespace trainyard {
namespace {

constexpr size_t kMaxTagsPerResource = 50;
constexpr int kMaxResultsLimit = 100;

bool IsInMemoryPath(const std::string& path) {
  return path == ":memory:" || path.starts_with("file::memory:") ||
         (path.starts_with("file:") && path.find("mode=memory") != std::string::npos);
}

Error JobNotFound(std::string_view name) {
  return MakeError(ErrorCode::kNotFound, "training job " + std::string(name) + " does not exist");
}

Error ResourceNotFound() { return MakeError(ErrorCode::kNotFound, "Resource does not exist"); }

Error TooManyTags() {
  return MakeError(ErrorCode::kResourceExhausted,
                   "a resource can carry at most " + std::to_string(kMaxTagsPerResource) + " tags");
}

std::set<std::string> KeysOf(const std::vector<Tag>& tags) {
  std::set<std::string> keys;
  for (const Tag& tag : tags) keys.insert(tag.key);
  return keys;
}

Status UpsertTags(SqliteConnection& db, std::string_view arn, const std::vector<Tag>& tags) {
  for (const Tag& tag : tags) {
    TY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        db.Prepare("INSERT INTO tags (arn, key, value) VALUES (?, ?, ?) "
                                   "ON CONFLICT (arn, key) DO UPDATE SET value = excluded.value"));
    stmt.Bind(1, arn);
    stmt.Bind(2, tag.key);
    stmt.Bind(3, tag.value);
    TY_RETURN_IF_ERROR(stmt.Run());
  }
  return Ok();
}

Result<bool> ArnExists(SqliteConnection& db, std::string_view arn) {
  TY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare("SELECT 1 FROM jobs WHERE arn = ?"));
  stmt.Bind(1, arn);
  return stmt.Step();
}

Result<std::vector<Tag>> SelectTags(SqliteConnection& db, std::string_view arn) {
  TY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      db.Prepare("SELECT key, value FROM tags WHERE arn = ? ORDER BY key"));
  stmt.Bind(1, arn);
  std::vector<Tag> tags;
  while (true) {
    TY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return tags;
    tags.push_back(Tag{std::string(stmt.ColumnText(0)), std::string(stmt.ColumnText(1))});
  }
}

// Writes the columns and the record of an existing row.
Status WriteJob(SqliteConnection& db, int64_t id, const TrainingJob& job) {
  TY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      db.Prepare("UPDATE jobs SET status = ?, creation_time = ?, "
                                 "last_modified_time = ?, record = ? WHERE id = ?"));
  stmt.Bind(1, ToString(job.state.status));
  stmt.Bind(2, job.creation_time);
  stmt.Bind(3, job.last_modified_time);
  stmt.Bind(4, DumpJson(EncodeTrainingJob(job)));
  stmt.Bind(5, id);
  return stmt.Run();
}

// The SELECT for one page of a listing, and its parameters in order.
struct ListStatement {
  std::string sql;
  std::vector<std::variant<int64_t, std::string>> params;
};

// The page's rows are chosen by rowid in a subquery that the (status,)
// creation_time/name indexes cover, so filtering and ordering never read the
// large record column; only the rows of the page are fetched whole.
ListStatement BuildListStatement(const JobQuery& q, const std::optional<JobPageCursor>& cursor) {
  ListStatement s{"SELECT rowid FROM jobs WHERE 1", {}};
  auto where = [&s](const char* clause, auto value) {
    s.sql += clause;
    s.params.emplace_back(std::move(value));
  };
  if (!q.name_contains.empty()) where(" AND instr(lower(name), lower(?)) > 0", q.name_contains);
  if (q.status) where(" AND status = ?", std::string(ToString(*q.status)));
  if (q.creation_after) where(" AND creation_time > ?", *q.creation_after);
  if (q.creation_before) where(" AND creation_time < ?", *q.creation_before);
  if (q.modified_after) where(" AND last_modified_time > ?", *q.modified_after);
  if (q.modified_before) where(" AND last_modified_time < ?", *q.modified_before);

  const char* key = q.sort_by == JobSortBy::kCreationTime ? "creation_time"
                    : q.sort_by == JobSortBy::kStatus     ? "status"
                                                          : nullptr;
  const std::string after = q.descending ? " < " : " > ";
  const std::string order = q.descending ? " DESC" : " ASC";
  if (cursor) {
    if (key) {
      s.sql += std::string(" AND (") + key + ", name)" + after + "(?, ?)";
      if (cursor->sort_key.is_string()) {
        s.params.emplace_back(cursor->sort_key.get<std::string>());
      } else {
        s.params.emplace_back(cursor->sort_key.get<int64_t>());
      }
    } else {
      s.sql += " AND name" + after + "?";
    }
    s.params.emplace_back(cursor->name);
  }
  std::string order_by = " ORDER BY ";
  if (key) order_by += key + order + ", ";
  order_by += "name" + order;
  s.sql = "SELECT record, name, creation_time, status FROM jobs WHERE rowid IN (" + s.sql + order_by +
          " LIMIT ?)" + order_by;
  s.params.emplace_back(int64_t{q.max_results} + 1);  // one more tells whether a page follows
  return s;
}

// What a listing reads under the connection lease; decoded after it.
struct ListedRow {
  std::string record;
  JobPageCursor cursor;
};

Result<std::vector<ListedRow>> RunList(SqliteConnection& db, const JobQuery& q,
                                       const ListStatement& list) {
  TY_ASSIGN_OR_RETURN(SqliteStatement stmt, db.Prepare(list.sql));
  for (size_t i = 0; i < list.params.size(); ++i) {
    std::visit([&](const auto& value) { stmt.Bind(static_cast<int>(i) + 1, value); },
               list.params[i]);
  }
  std::vector<ListedRow> rows;
  while (true) {
    TY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return rows;
    Json key = q.sort_by == JobSortBy::kCreationTime ? Json(stmt.ColumnInt(2))
               : q.sort_by == JobSortBy::kStatus     ? Json(std::string(stmt.ColumnText(3)))
                                                     : Json(nullptr);
    rows.push_back({std::string(stmt.ColumnText(0)),
                    JobPageCursor{std::move(key), std::string(stmt.ColumnText(1))}});
  }
}

}  // namespace

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::Open(const std::string& path,
                                                             const SqliteJobStoreOptions& options) {
  if (path.empty() || IsInMemoryPath(path)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the job store needs a file; in-memory databases are not shared between "
                     "connections");
  }
  SqliteConnectionOptions writer_options{.busy_timeout_ms = options.busy_timeout_ms};
  TY_ASSIGN_OR_RETURN(auto writer, SqliteConnection::Open(path, writer_options));
  {
    TY_ASSIGN_OR_RETURN(SqliteStatement wal, writer->Prepare("PRAGMA journal_mode=WAL"));
    TY_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.ColumnText(0) != "wal") {
      return MakeError(ErrorCode::kUnavailable, "cannot use WAL journal mode for " + path);
    }
  }
  Status migrated = MigrateJobStoreSchema(*writer);
  if (!migrated.ok()) return migrated.error().WithContext("opening job store " + path);
  return std::unique_ptr<SqliteJobStore>(new SqliteJobStore(std::move(writer), path, options));
}

SqliteJobStore::SqliteJobStore(std::unique_ptr<SqliteConnection> writer, const std::string& path,
                               const SqliteJobStoreOptions& options)
    : writer_(std::move(writer)),
      readers_(path, {.busy_timeout_ms = options.busy_timeout_ms, .read_only = true},
               options.max_readers) {}

Status SqliteJobStore::CreateJob(const TrainingJob& job, const std::vector<Tag>& tags) {
  if (KeysOf(tags).size() > kMaxTagsPerResource) return TooManyTags();
  std::lock_guard lock(write_mu_);
  TY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*writer_, true));
  {
    TY_ASSIGN_OR_RETURN(SqliteStatement insert,
                        writer_->Prepare("INSERT INTO jobs (name, arn, status, creation_time, "
                                         "last_modified_time, record) VALUES (?, ?, ?, ?, ?, ?)"));
    insert.Bind(1, job.name);
    insert.Bind(2, job.arn);
    insert.Bind(3, ToString(job.state.status));
    insert.Bind(4, job.creation_time);
    insert.Bind(5, job.last_modified_time);
    insert.Bind(6, DumpJson(EncodeTrainingJob(job)));
    Status inserted = insert.Run();
    if (!inserted.ok() && inserted.error().code == ErrorCode::kAlreadyExists) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "a training job named " + job.name + " already exists");
    }
    TY_RETURN_IF_ERROR(inserted);
  }
  TY_RETURN_IF_ERROR(UpsertTags(*writer_, job.arn, tags));
  return txn.Commit();
}

Result<TrainingJob> SqliteJobStore::GetJob(std::string_view name) {
  std::string record;
  {
    TY_ASSIGN_OR_RETURN(auto db, readers_.Acquire());
    TY_ASSIGN_OR_RETURN(SqliteStatement stmt, db->Prepare("SELECT record FROM jobs WHERE name = ?"));
    stmt.Bind(1, name);
    TY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return JobNotFound(name);
    record = stmt.ColumnText(0);
  }
  return DecodeTrainingJobText(record);
}

Result<TrainingJob> SqliteJobStore::UpdateJob(std::string_view name, const Mutation& mutate) {
  std::lock_guard lock(write_mu_);
  TY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*writer_, true));
  int64_t id = 0;
  std::string record;
  {
    TY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        writer_->Prepare("SELECT id, record FROM jobs WHERE name = ?"));
    stmt.Bind(1, name);
    TY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return JobNotFound(name);
    id = stmt.ColumnInt(0);
    record = stmt.ColumnText(1);
  }
  TY_ASSIGN_OR_RETURN(TrainingJob job, DecodeTrainingJobText(record));
  const std::string original_name = job.name, original_arn = job.arn;
  TY_RETURN_IF_ERROR(mutate(job));
  if (job.name != original_name || job.arn != original_arn) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "updating training job " + original_name + " may not change its name or ARN");
  }
  TY_RETURN_IF_ERROR(WriteJob(*writer_, id, job));
  TY_RETURN_IF_ERROR(txn.Commit());
  return job;
}

Result<JobPage> SqliteJobStore::ListJobs(const JobQuery& query) {
  if (query.max_results < 1 || query.max_results > kMaxResultsLimit) {
    return MakeError(ErrorCode::kInvalidArgument, "MaxResults must be between 1 and 100");
  }
  std::optional<JobPageCursor> cursor;
  if (!query.next_token.empty()) {
    TY_ASSIGN_OR_RETURN(cursor, DecodeJobPageToken(query));
  }
  const ListStatement list = BuildListStatement(query, cursor);
  std::vector<ListedRow> rows;
  {
    TY_ASSIGN_OR_RETURN(auto db, readers_.Acquire());
    TY_ASSIGN_OR_RETURN(rows, RunList(*db, query, list));
  }
  JobPage page;
  if (rows.size() > static_cast<size_t>(query.max_results)) {
    rows.pop_back();
    page.next_token = EncodeJobPageToken(query, rows.back().cursor);
  }
  page.jobs.reserve(rows.size());
  for (const ListedRow& row : rows) {
    TY_ASSIGN_OR_RETURN(TrainingJob job, DecodeTrainingJobText(row.record));
    page.jobs.push_back(std::move(job));
  }
  return page;
}

Result<std::vector<std::string>> SqliteJobStore::ListActiveJobNames() {
  TY_ASSIGN_OR_RETURN(auto db, readers_.Acquire());
  TY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                      db->Prepare("SELECT name FROM jobs WHERE status IN ('InProgress', 'Stopping') "
                                  "ORDER BY creation_time, name"));
  std::vector<std::string> names;
  while (true) {
    TY_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return names;
    names.emplace_back(stmt.ColumnText(0));
  }
}

Status SqliteJobStore::AddTags(std::string_view arn, const std::vector<Tag>& tags) {
  std::lock_guard lock(write_mu_);
  TY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*writer_, true));
  TY_ASSIGN_OR_RETURN(bool exists, ArnExists(*writer_, arn));
  if (!exists) return ResourceNotFound();
  TY_ASSIGN_OR_RETURN(std::vector<Tag> current, SelectTags(*writer_, arn));
  std::set<std::string> keys = KeysOf(current);
  keys.merge(KeysOf(tags));
  if (keys.size() > kMaxTagsPerResource) return TooManyTags();
  TY_RETURN_IF_ERROR(UpsertTags(*writer_, arn, tags));
  return txn.Commit();
}

Result<std::vector<Tag>> SqliteJobStore::ListTags(std::string_view arn) {
  TY_ASSIGN_OR_RETURN(auto db, readers_.Acquire());
  TY_ASSIGN_OR_RETURN(bool exists, ArnExists(*db, arn));
  if (!exists) return ResourceNotFound();
  return SelectTags(*db, arn);
}

Status SqliteJobStore::DeleteTags(std::string_view arn, const std::vector<std::string>& keys) {
  std::lock_guard lock(write_mu_);
  TY_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::Begin(*writer_, true));
  TY_ASSIGN_OR_RETURN(bool exists, ArnExists(*writer_, arn));
  if (!exists) return ResourceNotFound();
  for (const std::string& key : keys) {
    TY_ASSIGN_OR_RETURN(SqliteStatement stmt,
                        writer_->Prepare("DELETE FROM tags WHERE arn = ? AND key = ?"));
    stmt.Bind(1, arn);
    stmt.Bind(2, key);
    TY_RETURN_IF_ERROR(stmt.Run());
  }
  return txn.Commit();
}

}  // namespace trainyard
