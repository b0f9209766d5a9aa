#include "fuzz/memory_job_store.h"

#include <algorithm>
#include <optional>
#include <set>

#include "store/job_page_token.h"

namespace trainyard {
namespace {

constexpr size_t kMaxTagsPerResource = 50;
constexpr int kMaxResultsLimit = 100;

std::string Fold(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsNoCase(std::string_view a, std::string_view b) { return Fold(a) == Fold(b); }

Error NoSuchJob(std::string_view name) {
  return MakeError(ErrorCode::kNotFound, "no training job named '" + std::string(name) + "'");
}
Error NoSuchResource(std::string_view arn) {
  return MakeError(ErrorCode::kNotFound, "no resource with ARN '" + std::string(arn) + "'");
}

// The sort key SQLite would compare first: creation time, status, or none.
Json SortKey(const JobQuery& query, const TrainingJob& job) {
  switch (query.sort_by) {
    case JobSortBy::kCreationTime: return job.creation_time;
    case JobSortBy::kStatus: return std::string(ToString(job.state.status));
    case JobSortBy::kName: return nullptr;
  }
  return nullptr;
}

// Negative, zero or positive as (key, name) of `job` sorts before, with or after `cursor`.
int Compare(const JobQuery& query, const TrainingJob& job, const JobPageCursor& cursor) {
  const Json key = SortKey(query, job);
  if (key < cursor.sort_key) return -1;
  if (cursor.sort_key < key) return 1;
  return Fold(job.name).compare(Fold(cursor.name));
}

bool Matches(const JobQuery& q, const TrainingJob& job) {
  auto after = [](const std::optional<EpochMs>& bound, EpochMs t) { return !bound || t > *bound; };
  auto before = [](const std::optional<EpochMs>& bound, EpochMs t) { return !bound || t < *bound; };
  return (q.name_contains.empty() ||
          Fold(job.name).find(Fold(q.name_contains)) != std::string::npos) &&
         (!q.status || job.state.status == *q.status) &&
         after(q.creation_after, job.creation_time) && before(q.creation_before, job.creation_time) &&
         after(q.modified_after, job.last_modified_time) &&
         before(q.modified_before, job.last_modified_time);
}

}  // namespace

MemoryJobStore::Entry* MemoryJobStore::FindByName(std::string_view name) {
  for (Entry& e : entries_) {
    if (EqualsNoCase(e.job.name, name)) return &e;
  }
  return nullptr;
}

MemoryJobStore::Entry* MemoryJobStore::FindByArn(std::string_view arn) {
  for (Entry& e : entries_) {
    if (EqualsNoCase(e.job.arn, arn)) return &e;
  }
  return nullptr;
}

Status MemoryJobStore::CreateJob(const TrainingJob& job, const std::vector<Tag>& tags) {
  std::lock_guard lock(mu_);
  if (FindByName(job.name) != nullptr) {
    return MakeError(ErrorCode::kAlreadyExists, "training job '" + job.name + "' exists");
  }
  Entry entry{job, {}};
  for (const Tag& t : tags) entry.tags[t.key] = t.value;
  if (entry.tags.size() > kMaxTagsPerResource) {
    return MakeError(ErrorCode::kResourceExhausted, "a resource can carry at most 50 tags");
  }
  entries_.push_back(std::move(entry));
  return Ok();
}

Result<TrainingJob> MemoryJobStore::GetJob(std::string_view name) {
  std::lock_guard lock(mu_);
  Entry* e = FindByName(name);
  if (e == nullptr) return NoSuchJob(name);
  return e->job;
}

Result<TrainingJob> MemoryJobStore::UpdateJob(std::string_view name, const Mutation& mutate) {
  std::lock_guard lock(mu_);
  Entry* e = FindByName(name);
  if (e == nullptr) return NoSuchJob(name);
  TrainingJob changed = e->job;
  TY_RETURN_IF_ERROR(mutate(changed));
  e->job = changed;
  return changed;
}

Result<JobPage> MemoryJobStore::ListJobs(const JobQuery& query) {
  if (query.max_results < 1 || query.max_results > kMaxResultsLimit) {
    return MakeError(ErrorCode::kInvalidArgument, "MaxResults must be between 1 and 100");
  }
  std::optional<JobPageCursor> cursor;
  if (!query.next_token.empty()) {
    TY_ASSIGN_OR_RETURN(cursor, DecodeJobPageToken(query));
  }
  std::lock_guard lock(mu_);
  std::vector<const TrainingJob*> rows;
  for (const Entry& e : entries_) {
    if (!Matches(query, e.job)) continue;
    if (cursor) {
      int order = Compare(query, e.job, *cursor);
      if (query.descending ? order >= 0 : order <= 0) continue;
    }
    rows.push_back(&e.job);
  }
  std::sort(rows.begin(), rows.end(), [&](const TrainingJob* a, const TrainingJob* b) {
    int order = Compare(query, *a, JobPageCursor{SortKey(query, *b), b->name});
    return query.descending ? order > 0 : order < 0;
  });
  JobPage page;
  for (const TrainingJob* job : rows) {
    if (page.jobs.size() == static_cast<size_t>(query.max_results)) {
      const TrainingJob& last = page.jobs.back();
      page.next_token = EncodeJobPageToken(query, {SortKey(query, last), last.name});
      break;
    }
    page.jobs.push_back(*job);
  }
  return page;
}

Result<std::vector<std::string>> MemoryJobStore::ListActiveJobNames() {
  std::lock_guard lock(mu_);
  std::vector<const TrainingJob*> active;
  for (const Entry& e : entries_) {
    TrainingJobStatus s = e.job.state.status;
    if (s == TrainingJobStatus::kInProgress || s == TrainingJobStatus::kStopping) {
      active.push_back(&e.job);
    }
  }
  std::stable_sort(active.begin(), active.end(), [](const TrainingJob* a, const TrainingJob* b) {
    return a->creation_time != b->creation_time ? a->creation_time < b->creation_time
                                                : a->name < b->name;
  });
  std::vector<std::string> names;
  for (const TrainingJob* job : active) names.push_back(job->name);
  return names;
}

Status MemoryJobStore::AddTags(std::string_view arn, const std::vector<Tag>& tags) {
  std::lock_guard lock(mu_);
  Entry* e = FindByArn(arn);
  if (e == nullptr) return NoSuchResource(arn);
  std::set<std::string> keys;
  for (const auto& [key, value] : e->tags) keys.insert(key);
  for (const Tag& t : tags) keys.insert(t.key);
  if (keys.size() > kMaxTagsPerResource) {
    return MakeError(ErrorCode::kResourceExhausted, "a resource can carry at most 50 tags");
  }
  for (const Tag& t : tags) e->tags[t.key] = t.value;
  return Ok();
}

Result<std::vector<Tag>> MemoryJobStore::ListTags(std::string_view arn) {
  std::lock_guard lock(mu_);
  Entry* e = FindByArn(arn);
  if (e == nullptr) return NoSuchResource(arn);
  std::vector<Tag> tags;
  for (const auto& [key, value] : e->tags) tags.push_back({key, value});
  return tags;
}

Status MemoryJobStore::DeleteTags(std::string_view arn, const std::vector<std::string>& keys) {
  std::lock_guard lock(mu_);
  Entry* e = FindByArn(arn);
  if (e == nullptr) return NoSuchResource(arn);
  for (const std::string& key : keys) e->tags.erase(key);
  return Ok();
}

void MemoryJobStore::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace trainyard
