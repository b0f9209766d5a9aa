// MemoryJobStore: a JobStore held in memory, so that TrainingJobService can
// run without SQLite (the fuzz target builds it with sanitizers, and SQLite
// would add nothing to what it explores).
//
// Keeps the JobStore contract (store/job_store.h) as SqliteJobStore does:
// names and ARNs compare case-insensitively (ASCII only, like SQLite's
// NOCASE), ListJobs orders by the sort key then the name and pages with
// job_page_token's tokens, a resource carries at most 50 tags. Nothing is
// durable. Linear scans: meant for a handful of jobs.
// Thread safety: every method may be called concurrently (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "store/job_store.h"

namespace trainyard {

class MemoryJobStore : public JobStore {
 public:
  Status CreateJob(const TrainingJob& job, const std::vector<Tag>& tags) override;
  Result<TrainingJob> GetJob(std::string_view name) override;
  Result<TrainingJob> UpdateJob(std::string_view name, const Mutation& mutate) override;
  Result<JobPage> ListJobs(const JobQuery& query) override;
  Result<std::vector<std::string>> ListActiveJobNames() override;
  Status AddTags(std::string_view arn, const std::vector<Tag>& tags) override;
  Result<std::vector<Tag>> ListTags(std::string_view arn) override;
  Status DeleteTags(std::string_view arn, const std::vector<std::string>& keys) override;

  // Forgets every job and tag.
  void Clear();

 private:
  struct Entry {
    TrainingJob job;
    std::map<std::string, std::string> tags;  // key -> value, sorted by key
  };

  Entry* FindByName(std::string_view name);
  Entry* FindByArn(std::string_view arn);

  std::mutex mu_;
  std::vector<Entry> entries_;  // in creation order
};

}  // namespace trainyard
