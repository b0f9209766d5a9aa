// JobStore: where training jobs, their tags and status history live.
//
// Implementations: SqliteJobStore (durable; WAL). A write that returned OK
// survives a kill -9 of the process.
// Thread safety: every method may be called from any thread concurrently.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/training_job.h"

namespace trainyard {

enum class JobSortBy { kCreationTime, kName, kStatus };

// ListTrainingJobs' filters and paging. Names match case-insensitively.
struct JobQuery {
  std::string name_contains;                  // substring, case-insensitive
  std::optional<TrainingJobStatus> status;    // StatusEquals
  std::optional<EpochMs> creation_after, creation_before;   // exclusive bounds
  std::optional<EpochMs> modified_after, modified_before;   // exclusive bounds
  JobSortBy sort_by = JobSortBy::kCreationTime;
  bool descending = false;
  int max_results = 10;                       // 1..100
  std::string next_token;                     // from a previous page of the same query
};

struct JobPage {
  std::vector<TrainingJob> jobs;
  std::string next_token;  // empty on the last page; never repeats within a listing
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Records a new job with its tags. kAlreadyExists if a job with the same
  // name (compared case-insensitively) exists.
  virtual Status CreateJob(const TrainingJob& job, const std::vector<Tag>& tags) = 0;

  // kNotFound if there is no such job (names compare case-insensitively).
  virtual Result<TrainingJob> GetJob(std::string_view name) = 0;

  // Atomic read-modify-write: `mutate` sees the current record; if it returns
  // OK the changed record is written, otherwise nothing is and its error is
  // returned. kNotFound if there is no such job. Returns the record written.
  using Mutation = std::function<Status(TrainingJob&)>;
  virtual Result<TrainingJob> UpdateJob(std::string_view name, const Mutation& mutate) = 0;

  // One page of jobs. kInvalidArgument for a token that this query did not issue.
  virtual Result<JobPage> ListJobs(const JobQuery& query) = 0;

  // Names of jobs that are InProgress or Stopping, oldest first: what the
  // controller resumes after a restart.
  virtual Result<std::vector<std::string>> ListActiveJobNames() = 0;

  // Tags by resource ARN. kNotFound when no job has that ARN (compared
  // case-insensitively). AddTags overwrites values of existing keys;
  // kResourceExhausted if a resource would carry more than 50 tags.
  virtual Status AddTags(std::string_view arn, const std::vector<Tag>& tags) = 0;
  virtual Result<std::vector<Tag>> ListTags(std::string_view arn) = 0;  // sorted by key
  virtual Status DeleteTags(std::string_view arn, const std::vector<std::string>& keys) = 0;
};

}  // namespace trainyard
