// SqliteJobStore: the JobStore on one SQLite file (schema: sqlite_schema.h).
//
// Durability: WAL journal with synchronous=NORMAL, so a call that returned OK
// survives a crash of the process (kill -9); a power cut may lose the last
// moments of commits, never corrupt the file.
// Concurrency: reads (GetJob, ListJobs, ListActiveJobNames, ListTags) run in
// parallel on a pool of read connections, each reading a consistent snapshot;
// writes go through one write connection, one at a time, in BEGIN IMMEDIATE
// transactions, so other processes opening the same file are safe too.
// Thread safety: all methods may be called concurrently; the store must
// outlive every call. UpdateJob's mutation runs while the write lock is held:
// it may read from the store but must not write to it.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/job_store.h"
#include "store/sqlite_connection.h"

namespace trainyard {

struct SqliteJobStoreOptions {
  int busy_timeout_ms = 5000;  // how long a call waits for another process's write lock
  int max_readers = 8;         // read connections, opened as concurrent reads need them
};

class SqliteJobStore : public JobStore {
 public:
  // Opens or creates the database at `path` and migrates its schema.
  // kInvalidArgument for "" or an in-memory database (":memory:", "file::memory:..."),
  // which each connection would see as a different database; kUnavailable if
  // the file cannot be opened; kFailedPrecondition if a newer build wrote it.
  static Result<std::unique_ptr<SqliteJobStore>> Open(const std::string& path,
                                                      const SqliteJobStoreOptions& options = {});

  Status CreateJob(const TrainingJob& job, const std::vector<Tag>& tags) override;
  Result<TrainingJob> GetJob(std::string_view name) override;
  // Also kInvalidArgument if the mutation changes the job's name or ARN.
  Result<TrainingJob> UpdateJob(std::string_view name, const Mutation& mutate) override;
  // Also kInvalidArgument if max_results is outside 1..100.
  Result<JobPage> ListJobs(const JobQuery& query) override;
  Result<std::vector<std::string>> ListActiveJobNames() override;
  Status AddTags(std::string_view arn, const std::vector<Tag>& tags) override;
  Result<std::vector<Tag>> ListTags(std::string_view arn) override;
  Status DeleteTags(std::string_view arn, const std::vector<std::string>& keys) override;

 private:
  SqliteJobStore(std::unique_ptr<SqliteConnection> writer, const std::string& path,
                 const SqliteJobStoreOptions& options);

  std::mutex write_mu_;  // serialises every use of writer_
  std::unique_ptr<SqliteConnection> writer_;
  SqliteReaderPool readers_;
};

}  // namespace trainyard
