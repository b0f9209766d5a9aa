// The SageMaker operations that TrainingJobService serves, wired onto an
// ApiHandler: the one list of them, for the server and for the fuzz target.
#pragma once

#include <string_view>
#include <vector>

#include "api/api_handler.h"
#include "controller/training_job_service.h"

namespace trainyard {

// Registers every operation of TrainingJobOperationNames() on `api`;
// `service` must outlive it.
void RegisterTrainingJobOperations(ApiHandler& api, TrainingJobService& service);

// "CreateTrainingJob", "DescribeTrainingJob", ...
const std::vector<std::string_view>& TrainingJobOperationNames();

}  // namespace trainyard
