#include "controller/execution_view.h"

namespace trainyard {
namespace {

double Seconds(int64_t epoch_ms) { return static_cast<double>(epoch_ms) / 1000.0; }

}  // namespace

Result<Json> DescribeTrainingJobExecution(JobStore& jobs, const Json& request) {
  std::string name = GetString(request, "TrainingJobName");
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "TrainingJobName is required");
  Result<TrainingJob> job = jobs.GetJob(name);
  if (!job.ok()) {
    if (job.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kInvalidArgument, "Requested resource not found.");
    }
    return job.error();
  }
  Json out = {{"TrainingJobName", job->name},
              {"TrainingJobStatus", ToString(job->state.status)},
              {"SecondaryStatus", ToString(job->state.secondary)},
              {"Attempt", GetInt(job->details, "attempt").value_or(1)},
              {"Instances", Json::array()},
              {"Restarts", Json::array()}};
  if (job->request.contains("CheckpointConfig")) out["CheckpointConfig"] = job->request["CheckpointConfig"];
  const Json& checkpoints = job->details.value("checkpoints", Json::object());
  for (const Json& recorded : job->details.value("instances", Json::array())) {
    std::string host = GetString(recorded, "host");
    Json instance = {{"InstanceName", host}, {"InstanceId", GetString(recorded, "instance_id")}};
    if (auto launched = GetInt(recorded, "launched_ms")) instance["LaunchTime"] = Seconds(*launched);
    if (auto ended = GetInt(recorded, "ended_ms")) instance["EndTime"] = Seconds(*ended);
    if (auto code = GetInt(recorded, "exit_code")) instance["ExitCode"] = *code;
    if (recorded.contains("lost")) instance["LostReason"] = GetString(recorded, "lost");
    if (recorded.contains("address")) instance["Address"] = GetString(recorded, "address");
    if (recorded.contains("network_link")) instance["NetworkLink"] = GetString(recorded, "network_link");
    if (checkpoints.contains(host)) instance["Checkpoint"] = checkpoints[host];
    if (recorded.contains("health")) instance["Health"] = recorded["health"];
    if (recorded.contains("collective")) instance["Collective"] = recorded["collective"];
    out["Instances"].push_back(std::move(instance));
  }
  int64_t restart_seconds = 0;
  for (Json restart : job->details.value("restarts", Json::array())) {
    for (const char* key : {"FaultTime", "ResumedTime"}) {
      if (auto ms = GetInt(restart, key)) restart[key] = Seconds(*ms);
    }
    restart_seconds += GetInt(restart, "InstanceSeconds").value_or(0);
    out["Restarts"].push_back(std::move(restart));
  }
  out["RestartInstanceSeconds"] = restart_seconds;
  return out;
}

}  // namespace trainyard
