// The training program's environment: what the SageMaker platform and its
// training toolkit would give it (contract 4.1, 4.3), for one instance.
//
// In order, later entries replacing earlier ones of the same name:
//   1. PATH, HOME and LANG passed through from the agent (options.inherited);
//   2. the platform's variables: TRAINING_JOB_NAME, TRAINING_JOB_ARN,
//      AWS_REGION, SAGEMAKER_REGION, CURRENT_HOST, MASTER_ADDR, MASTER_PORT,
//      PYTHONPATH (the code dir, in script mode only);
//   3. the toolkit's SM_* variables (SM_MODEL_DIR, SM_CHANNELS,
//      SM_CHANNEL_<NAME>, SM_HPS, SM_HP_<NAME>, SM_HOSTS, SM_CURRENT_HOST,
//      SM_TRAINING_ENV, ...), with the toolkit's value encoding (strings as
//      they are, other values as compact JSON with sorted keys), paths taken
//      from the layout, plus our SM_CHECKPOINT_DIR;
//   4. the job's Environment map, verbatim (it may override anything above).
// Hyperparameters whose name cannot be part of a variable name (containing
// '=') get no SM_HP_ variable, as the toolkit cannot set one either.
//
// Thread safety: pure function.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/instance_layout.h"
#include "common/result.h"
#include "model/agent_protocol.h"

namespace trainyard {

struct EnvironmentOptions {
  // MASTER_ADDR: hosts[0] where host names resolve (instances with their own
  // network namespace and /etc/hosts); 127.0.0.1 where all instances share the
  // host's loopback network.
  std::string master_addr = "127.0.0.1";
  int num_cpus = 1;  // SM_NUM_CPUS
  int num_gpus = 0;  // SM_NUM_GPUS
  // The agent's own values of the variables passed through (see
  // InheritedEnvironment); missing PATH gets a standard default.
  std::map<std::string, std::string> inherited;
};

// PATH, HOME and LANG from the agent's own environment, where set.
std::map<std::string, std::string> InheritedEnvironment();

// "NAME=value" entries sorted by name, each name once. kInvalidArgument when a
// value contains a NUL byte or an Environment name is empty or contains '='.
Result<std::vector<std::string>> BuildEnvironment(const Assignment& assignment,
                                                  const InstanceLayout& layout,
                                                  const EnvironmentOptions& options);

}  // namespace trainyard
