// How a TrainingJob appears on the wire: DescribeTrainingJob's response and
// ListTrainingJobs' TrainingJobSummary, with epoch-second timestamps.
// Pure functions of the record.
#pragma once

#include "common/json.h"
#include "model/training_job.h"

namespace trainyard {

Json DescribeTrainingJobResponse(const TrainingJob& job);
Json TrainingJobSummary(const TrainingJob& job);

// "arn:aws:sagemaker:<region>:<account>:training-job/<name>"
std::string TrainingJobArn(std::string_view region, std::string_view account, std::string_view name);

}  // namespace trainyard
