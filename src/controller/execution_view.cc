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
              {"Instances", Json::array()}};
  if (job->request.contains("CheckpointConfig")) out["CheckpointConfig"] = job->request["CheckpointConfig"];
  const Json& checkpoints = job->details.value("checkpoints", Json::object());
  for (const Json& recorded : job->details.value("instances", Json::array())) {
    std::string host = GetString(recorded, "host");
    Json instance = {{"InstanceName", host}};
    if (auto launched = GetInt(recorded, "launched_ms")) instance["LaunchTime"] = Seconds(*launched);
    if (auto ended = GetInt(recorded, "ended_ms")) instance["EndTime"] = Seconds(*ended);
    if (auto code = GetInt(recorded, "exit_code")) instance["ExitCode"] = *code;
    if (recorded.contains("lost")) instance["LostReason"] = GetString(recorded, "lost");
    if (checkpoints.contains(host)) instance["Checkpoint"] = checkpoints[host];
    out["Instances"].push_back(std::move(instance));
  }
  return out;
}

}  // namespace trainyard
