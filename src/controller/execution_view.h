// trainyard's own API operation for what SageMaker's DescribeTrainingJob does
// not show: how each instance of a job is doing, checkpoint sync included.
// Served as X-Amz-Target "Trainyard.DescribeTrainingJobExecution", signed like
// the SageMaker operations:
//   request  {"TrainingJobName": s}
//   response {"TrainingJobName", "TrainingJobStatus", "SecondaryStatus",
//             "CheckpointConfig" (when the job has one),
//             "Instances": [{"InstanceName": "algo-1", "LaunchTime", "EndTime",
//                            "ExitCode", "LostReason",
//                            "Checkpoint": CheckpointReport as JSON (see
//                            model/agent_protocol.h), when reported}]}
// Times are epoch seconds (fractional) like SageMaker's. Unknown jobs get
// SageMaker's "Requested resource not found." ValidationException.
// Thread safety: as safe as the JobStore.
#pragma once

#include "common/json.h"
#include "store/job_store.h"

namespace trainyard {

Result<Json> DescribeTrainingJobExecution(JobStore& jobs, const Json& request);

}  // namespace trainyard
