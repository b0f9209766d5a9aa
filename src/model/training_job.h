// A training job as the control plane records it: the validated request, its
// state, and what execution reported. A plain value; the store persists it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json.h"
#include "model/job_state_machine.h"

namespace trainyard {

struct MetricDatum {
  std::string name;
  double value = 0;
  EpochMs timestamp = 0;
  bool operator==(const MetricDatum&) const = default;
};

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

struct TrainingJob {
  std::string name;
  std::string arn;
  // The CreateTrainingJob request as validated, without Tags, with SageMaker's
  // defaults filled in; DescribeTrainingJob echoes it.
  Json request = Json::object();
  JobState state;
  EpochMs creation_time = 0;
  EpochMs last_modified_time = 0;
  int64_t training_time_seconds = 0;
  int64_t billable_time_seconds = 0;
  std::vector<MetricDatum> final_metrics;  // last value of each metric
  std::string model_artifacts;             // S3ModelArtifacts URI
  // Execution details the later layers attach (instances, restarts, checkpoints);
  // shown by `trainyard jobs describe`, not part of SageMaker's shape.
  Json details = Json::object();
};

}  // namespace trainyard
