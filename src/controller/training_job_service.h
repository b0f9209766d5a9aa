// TrainingJobService: the training-job and tag operations of the SageMaker
// API, over a JobStore, a Clock and a JobLauncher.
//
// Each operation takes the request already checked against the service model
// (model/validation.h) and returns the response object or an Error whose code
// the API maps to SageMaker's error shape:
//   kInvalidArgument  ValidationException ("Requested resource not found." for
//                     an unknown training job, as SageMaker answers)
//   kAlreadyExists    ResourceInUse (duplicate job name)
//   kFailedPrecondition ValidationException (e.g. stopping a finished job)
// Thread safety: all operations may run concurrently.
#pragma once

#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/result.h"
#include "controller/job_launcher.h"
#include "store/job_store.h"

namespace trainyard {

struct ServiceOptions {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";  // appears in ARNs
};

class TrainingJobService {
 public:
  TrainingJobService(JobStore& store, const Clock& clock, JobLauncher& launcher,
                     ServiceOptions options);

  Result<Json> CreateTrainingJob(const Json& request);
  Result<Json> DescribeTrainingJob(const Json& request);
  Result<Json> ListTrainingJobs(const Json& request);
  Result<Json> StopTrainingJob(const Json& request);
  Result<Json> UpdateTrainingJob(const Json& request);
  Result<Json> AddTags(const Json& request);
  Result<Json> ListTags(const Json& request);
  Result<Json> DeleteTags(const Json& request);

  const ServiceOptions& options() const { return options_; }

 private:
  Result<TrainingJob> FindJob(const Json& request);

  JobStore& store_;
  const Clock& clock_;
  JobLauncher& launcher_;
  ServiceOptions options_;
};

}  // namespace trainyard
