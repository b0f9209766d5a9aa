#include "model/training_job_view.h"

namespace trainyard {
namespace {

// Members of the request that Describe echoes, in the service model's order.
constexpr const char* kEchoedMembers[] = {
    "HyperParameters", "AlgorithmSpecification", "RoleArn", "InputDataConfig",
    "OutputDataConfig", "ResourceConfig", "VpcConfig", "StoppingCondition",
    "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption",
    "EnableManagedSpotTraining", "CheckpointConfig", "DebugHookConfig", "ExperimentConfig",
    "DebugRuleConfigurations", "TensorBoardOutputConfig", "ProfilerConfig",
    "ProfilerRuleConfigurations", "Environment", "RetryStrategy", "RemoteDebugConfig",
    "InfraCheckConfig",
};

Json TransitionsJson(const std::vector<StatusTransition>& transitions) {
  Json list = Json::array();
  for (const StatusTransition& t : transitions) {
    Json item = {{"Status", ToString(t.status)}, {"StartTime", ToEpochSeconds(t.start_time)}};
    if (t.end_time) item["EndTime"] = ToEpochSeconds(*t.end_time);
    if (!t.message.empty()) item["StatusMessage"] = t.message;
    list.push_back(std::move(item));
  }
  return list;
}

}  // namespace

std::string TrainingJobArn(std::string_view region, std::string_view account, std::string_view name) {
  std::string arn = "arn:aws:sagemaker:";
  arn.append(region).append(":").append(account).append(":training-job/").append(name);
  return arn;
}

Json DescribeTrainingJobResponse(const TrainingJob& job) {
  Json out = Json::object();
  out["TrainingJobName"] = job.name;
  out["TrainingJobArn"] = job.arn;
  out["ModelArtifacts"] = {{"S3ModelArtifacts", job.model_artifacts}};
  out["TrainingJobStatus"] = ToString(job.state.status);
  out["SecondaryStatus"] = ToString(job.state.secondary);
  if (!job.state.failure_reason.empty()) out["FailureReason"] = job.state.failure_reason;
  for (const char* member : kEchoedMembers) {
    auto it = job.request.find(member);
    if (it != job.request.end()) out[member] = *it;
  }
  out["CreationTime"] = ToEpochSeconds(job.creation_time);
  if (job.state.training_start_time) {
    out["TrainingStartTime"] = ToEpochSeconds(*job.state.training_start_time);
  }
  if (job.state.training_end_time) out["TrainingEndTime"] = ToEpochSeconds(*job.state.training_end_time);
  out["LastModifiedTime"] = ToEpochSeconds(job.last_modified_time);
  out["SecondaryStatusTransitions"] = TransitionsJson(job.state.transitions);
  if (!job.final_metrics.empty()) {
    Json metrics = Json::array();
    for (const MetricDatum& m : job.final_metrics) {
      metrics.push_back({{"MetricName", m.name}, {"Value", m.value},
                         {"Timestamp", ToEpochSeconds(m.timestamp)}});
    }
    out["FinalMetricDataList"] = std::move(metrics);
  }
  if (job.training_time_seconds > 0) out["TrainingTimeInSeconds"] = job.training_time_seconds;
  if (job.billable_time_seconds > 0) out["BillableTimeInSeconds"] = job.billable_time_seconds;
  return out;
}

Json TrainingJobSummary(const TrainingJob& job) {
  Json out = {
      {"TrainingJobName", job.name},
      {"TrainingJobArn", job.arn},
      {"CreationTime", ToEpochSeconds(job.creation_time)},
      {"LastModifiedTime", ToEpochSeconds(job.last_modified_time)},
      {"TrainingJobStatus", ToString(job.state.status)},
      {"SecondaryStatus", ToString(job.state.secondary)},
  };
  if (IsTerminal(job.state.status) && job.state.training_end_time) {
    out["TrainingEndTime"] = ToEpochSeconds(*job.state.training_end_time);
  }
  return out;
}

}  // namespace trainyard
