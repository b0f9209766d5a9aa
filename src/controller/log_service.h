// trainyard's own API operation for reading a job's output, served as
// X-Amz-Target "Trainyard.GetTrainingJobLogs" with the same signing as the
// SageMaker operations:
//   request  {"TrainingJobName": s, "InstanceName": "algo-2" (optional),
//             "AfterId": n (optional), "Limit": 1..10000 (default 1000)}
//   response {"Lines": [{"Id", "Instance", "Time", "Stream", "Text"}],
//             "LastId": n, "TrainingJobStatus": s, "SecondaryStatus": s}
// Following a job is "call again with AfterId = LastId" until the status is
// terminal and no lines come back.
#pragma once

#include "common/json.h"
#include "store/job_store.h"
#include "store/log_store.h"

namespace trainyard {

class LogService {
 public:
  LogService(JobStore& jobs, LogStore& logs) : jobs_(jobs), logs_(logs) {}
  Result<Json> GetTrainingJobLogs(const Json& request);

 private:
  JobStore& jobs_;
  LogStore& logs_;
};

}  // namespace trainyard
