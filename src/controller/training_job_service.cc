#include "controller/training_job_service.h"

#include "controller/metric_parser.h"
#include "model/training_job_rules.h"
#include "storage/storage_uri.h"
#include "model/training_job_view.h"

namespace trainyard {
namespace {

constexpr char kNotFoundMessage[] = "Requested resource not found.";

Error JobNotFound() { return MakeError(ErrorCode::kInvalidArgument, kNotFoundMessage); }

// SageMaker answers an unknown ARN in the tag operations with a ValidationException.
Status TagResult(Status status) {
  if (!status.ok() && status.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kInvalidArgument, "Resource does not exist");
  }
  return status;
}

std::vector<Tag> TagsFrom(const Json& list) {
  std::vector<Tag> tags;
  if (!list.is_array()) return tags;
  for (const Json& t : list) tags.push_back({GetString(t, "Key"), GetString(t, "Value")});
  return tags;
}

Json TagsJson(const std::vector<Tag>& tags) {
  Json list = Json::array();
  for (const Tag& t : tags) list.push_back({{"Key", t.key}, {"Value", t.value}});
  return list;
}

std::optional<EpochMs> TimeMember(const Json& request, const char* key) {
  auto it = request.find(key);
  if (it == request.end() || !it->is_number()) return std::nullopt;
  return FromEpochSeconds(it->get<double>());
}

// Tags address jobs by ARN; a job's own ARN is the only resource we have.
Result<JobQuery> QueryFrom(const Json& request) {
  JobQuery q;
  q.name_contains = GetString(request, "NameContains");
  if (request.contains("StatusEquals")) {
    auto status = ParseTrainingJobStatus(GetString(request, "StatusEquals"));
    if (!status) return MakeError(ErrorCode::kInvalidArgument, "Unknown StatusEquals value");
    q.status = status;
  }
  q.creation_after = TimeMember(request, "CreationTimeAfter");
  q.creation_before = TimeMember(request, "CreationTimeBefore");
  q.modified_after = TimeMember(request, "LastModifiedTimeAfter");
  q.modified_before = TimeMember(request, "LastModifiedTimeBefore");
  std::string sort_by = GetString(request, "SortBy", "CreationTime");
  q.sort_by = sort_by == "Name" ? JobSortBy::kName
              : sort_by == "Status" ? JobSortBy::kStatus : JobSortBy::kCreationTime;
  q.descending = GetString(request, "SortOrder", "Ascending") == "Descending";
  q.max_results = static_cast<int>(GetInt(request, "MaxResults").value_or(10));
  q.next_token = GetString(request, "NextToken");
  return q;
}

// What the execution layer needs to be true of a request, checked before it
// is accepted: regexes compile, storage URIs are usable.
Status ValidateExecutable(const Json& request) {
  const Json& algorithm = request.value("AlgorithmSpecification", Json::object());
  TY_RETURN_IF_ERROR(MetricParser::Create(algorithm.value("MetricDefinitions", Json::array())));
  auto check_uri = [](const Json& parent, const char* member, const char* where) -> Status {
    if (!parent.is_object() || !parent.contains(member)) return Ok();
    Result<StorageUri> uri = ParseStorageUri(GetString(parent, member));
    if (!uri.ok()) return MakeError(ErrorCode::kInvalidArgument, std::string(where) + ": " + uri.error().message);
    return Ok();
  };
  TY_RETURN_IF_ERROR(check_uri(request.value("OutputDataConfig", Json::object()), "S3OutputPath",
                               "OutputDataConfig.S3OutputPath"));
  TY_RETURN_IF_ERROR(check_uri(request.value("CheckpointConfig", Json::object()), "S3Uri", "CheckpointConfig.S3Uri"));
  for (const Json& channel : request.value("InputDataConfig", Json::array())) {
    const Json& source = channel.value("DataSource", Json::object());
    TY_RETURN_IF_ERROR(check_uri(source.value("S3DataSource", Json::object()), "S3Uri",
                                 "InputDataConfig.DataSource.S3DataSource.S3Uri"));
  }
  return Ok();
}

}  // namespace

TrainingJobService::TrainingJobService(JobStore& store, const Clock& clock, JobLauncher& launcher,
                                       ServiceOptions options)
    : store_(store), clock_(clock), launcher_(launcher), options_(std::move(options)) {}

Result<Json> TrainingJobService::CreateTrainingJob(const Json& request) {
  TY_RETURN_IF_ERROR(ValidateCreateTrainingJobRules(request));
  TY_RETURN_IF_ERROR(ValidateExecutable(request));
  TY_ASSIGN_OR_RETURN(Json normalized, NormalizeCreateTrainingJob(request));
  TrainingJob job;
  job.name = GetString(request, "TrainingJobName");
  job.arn = TrainingJobArn(options_.region, options_.account_id, job.name);
  job.request = std::move(normalized);
  job.creation_time = job.last_modified_time = clock_.NowMs();
  TY_ASSIGN_OR_RETURN(job.state, ApplyEvent(JobState{}, {JobEventKind::kCreated, ""}, job.creation_time));
  Status created = store_.CreateJob(job, TagsFrom(request.value("Tags", Json::array())));
  if (!created.ok() && created.error().code == ErrorCode::kAlreadyExists) {
    return MakeError(ErrorCode::kAlreadyExists,
                     "Training job names must be unique within an AWS account and region, and a "
                     "training job with this name already exists (" + job.arn + ")");
  }
  TY_RETURN_IF_ERROR(created);
  launcher_.JobCreated(job.name);
  return Json{{"TrainingJobArn", job.arn}};
}

Result<TrainingJob> TrainingJobService::FindJob(const Json& request) {
  Result<TrainingJob> job = store_.GetJob(GetString(request, "TrainingJobName"));
  if (!job.ok() && job.error().code == ErrorCode::kNotFound) return JobNotFound();
  return job;
}

Result<Json> TrainingJobService::DescribeTrainingJob(const Json& request) {
  TY_ASSIGN_OR_RETURN(TrainingJob job, FindJob(request));
  return DescribeTrainingJobResponse(job);
}

Result<Json> TrainingJobService::ListTrainingJobs(const Json& request) {
  TY_ASSIGN_OR_RETURN(JobQuery query, QueryFrom(request));
  Json out = {{"TrainingJobSummaries", Json::array()}};
  // No job has a warm pool yet, so a WarmPoolStatusEquals filter matches none.
  if (request.contains("WarmPoolStatusEquals")) return out;
  TY_ASSIGN_OR_RETURN(JobPage page, store_.ListJobs(query));
  for (const TrainingJob& job : page.jobs) out["TrainingJobSummaries"].push_back(TrainingJobSummary(job));
  if (!page.next_token.empty()) out["NextToken"] = page.next_token;
  return out;
}

Result<Json> TrainingJobService::StopTrainingJob(const Json& request) {
  std::string name = GetString(request, "TrainingJobName");
  Result<TrainingJob> stopped = store_.UpdateJob(name, [&](TrainingJob& job) -> Status {
    EpochMs now = clock_.NowMs();
    TY_ASSIGN_OR_RETURN(job.state, ApplyEvent(job.state, {JobEventKind::kStopRequested, ""}, now));
    job.last_modified_time = now;
    return Ok();
  });
  if (!stopped.ok()) {
    if (stopped.error().code == ErrorCode::kNotFound) return JobNotFound();
    return stopped.error();
  }
  launcher_.StopRequested(stopped->name);
  return Json::object();
}

Result<Json> TrainingJobService::UpdateTrainingJob(const Json& request) {
  std::string name = GetString(request, "TrainingJobName");
  Result<TrainingJob> updated = store_.UpdateJob(name, [&](TrainingJob& job) -> Status {
    if (IsTerminal(job.state.status) && request.contains("ResourceConfig")) {
      // Without a warm pool there is nothing whose keep-alive could change.
      return MakeError(ErrorCode::kInvalidArgument,
                       "The request was rejected because the training job is in status " +
                           std::string(ToString(job.state.status)) +
                           " and has no warm pool available.");
    }
    if (IsTerminal(job.state.status)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "The request was rejected because the training job is in status " +
                           std::string(ToString(job.state.status)) + ".");
    }
    if (auto rc = request.find("ResourceConfig"); rc != request.end()) {
      job.request["ResourceConfig"]["KeepAlivePeriodInSeconds"] = (*rc)["KeepAlivePeriodInSeconds"];
    }
    if (auto pc = request.find("ProfilerConfig"); pc != request.end()) {
      job.request["ProfilerConfig"].update(*pc);
    }
    if (auto rd = request.find("RemoteDebugConfig"); rd != request.end()) {
      job.request["RemoteDebugConfig"] = *rd;
    }
    job.last_modified_time = clock_.NowMs();
    return Ok();
  });
  if (!updated.ok()) {
    if (updated.error().code == ErrorCode::kNotFound) return JobNotFound();
    return updated.error();
  }
  return Json{{"TrainingJobArn", updated->arn}};
}

Result<Json> TrainingJobService::AddTags(const Json& request) {
  std::vector<Tag> tags = TagsFrom(request.value("Tags", Json::array()));
  TY_RETURN_IF_ERROR(TagResult(store_.AddTags(GetString(request, "ResourceArn"), tags)));
  return Json{{"Tags", TagsJson(tags)}};
}

Result<Json> TrainingJobService::ListTags(const Json& request) {
  // A resource carries at most 50 tags and MaxResults is at least 50, so one
  // page always holds them all.
  Result<std::vector<Tag>> tags = store_.ListTags(GetString(request, "ResourceArn"));
  if (!tags.ok()) return TagResult(tags.error()).error();
  return Json{{"Tags", TagsJson(*tags)}};
}

Result<Json> TrainingJobService::DeleteTags(const Json& request) {
  std::vector<std::string> keys;
  for (const Json& k : request.value("TagKeys", Json::array())) {
    if (k.is_string()) keys.push_back(k.get<std::string>());
  }
  TY_RETURN_IF_ERROR(TagResult(store_.DeleteTags(GetString(request, "ResourceArn"), keys)));
  return Json::object();
}

}  // namespace trainyard
