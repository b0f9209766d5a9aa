// `trainyard jobs describe`'s view of a job's execution, from
// Trainyard.DescribeTrainingJobExecution (controller/execution_view.h):
// each instance (id, address, health, collective check), each automatic
// restart and what the restarts cost, and each instance's checkpoint sync.
#pragma once

#include "common/json.h"

namespace trainyard::cli {

void PrintInstances(const Json& execution);
void PrintRestarts(const Json& execution, int64_t billable_seconds);
void PrintCheckpoints(const Json& execution);

}  // namespace trainyard::cli
