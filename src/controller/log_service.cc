#include "controller/log_service.h"

namespace trainyard {

Result<Json> LogService::GetTrainingJobLogs(const Json& request) {
  std::string name = GetString(request, "TrainingJobName");
  if (name.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "TrainingJobName is required");
  }
  Result<TrainingJob> job = jobs_.GetJob(name);
  if (!job.ok()) {
    if (job.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kInvalidArgument, "Requested resource not found.");
    }
    return job.error();
  }
  LogQuery query;
  query.host = GetString(request, "InstanceName");
  query.after_id = GetInt(request, "AfterId").value_or(0);
  int64_t limit = GetInt(request, "Limit").value_or(1000);
  if (limit < 1 || limit > 10000 || query.after_id < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "Limit must be 1..10000 and AfterId >= 0");
  }
  query.limit = static_cast<int>(limit);
  TY_ASSIGN_OR_RETURN(std::vector<StoredLogLine> lines, logs_.ReadLogs(job->name, query));
  Json out = {{"Lines", Json::array()}, {"LastId", query.after_id},
              {"TrainingJobStatus", ToString(job->state.status)},
              {"SecondaryStatus", ToString(job->state.secondary)}};
  for (const StoredLogLine& l : lines) {
    out["Lines"].push_back({{"Id", l.id}, {"Instance", l.host}, {"Time", l.time},
                            {"Stream", l.stream}, {"Text", l.text}});
    out["LastId"] = l.id;
  }
  return out;
}

}  // namespace trainyard
