// trainyard's own API operation for what SageMaker's DescribeTrainingJob does
// not show: how each instance of a job is doing, checkpoint sync included.
// Served as X-Amz-Target "Trainyard.DescribeTrainingJobExecution", signed like
// the SageMaker operations:
//   request  {"TrainingJobName": s}
//   response {"TrainingJobName", "TrainingJobStatus", "SecondaryStatus",
//             "CheckpointConfig" (when the job has one),
//             "Attempt": 1 + automatic restarts so far,
//             "Instances": [{"InstanceName": "algo-1", "InstanceId": "i-...",
//                            "LaunchTime", "EndTime", "ExitCode", "LostReason",
//                            "Address", "NetworkLink" (bridged instances),
//                            "Checkpoint": CheckpointReport as JSON (see
//                            model/agent_protocol.h), when reported,
//                            "Health": the latest HealthRound (model/health_report.h),
//                            "Collective": the attempt's collective check result}],
//             "Restarts": [{"Attempt", "Cause", "Kind", "Host", "Replaced": [...],
//                           "Related": [...], "FaultTime", "DetectionLatencyMs",
//                           "ResumedTime", "TimeToResumeMs", "InstanceSeconds",
//                           "RestoredSyncPoint", "WorkLostMs" (training time
//                           between that sync point and the fault)}],
//             "RestartInstanceSeconds": instance-seconds spent between faults
//                                       and training again (all restarts)}
// Times are epoch seconds (fractional) like SageMaker's. Unknown jobs get
// SageMaker's "Requested resource not found." ValidationException.
// Thread safety: as safe as the JobStore.
#pragma once

#include "common/json.h"
#include "store/job_store.h"

namespace trainyard {

Result<Json> DescribeTrainingJobExecution(JobStore& jobs, const Json& request);

}  // namespace trainyard
