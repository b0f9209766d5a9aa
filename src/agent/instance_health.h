// InstanceHealth: the checks an agent runs on its instance (protocol in
// model/health_report.h): node checks before training, periodically while it
// runs and after a non-zero exit, and the collective check across all
// instances before training.
//
// "Unhealthy" is a result: a round's outcomes say which checks found what.
// A check that could not run is an outcome with state "error", which is not
// a reason to replace the instance. Implementations: NodeInstanceHealth
// (src/health checks + the Gloo collective check), fakes in tests.
// Thread safety: calls come from worker threads; NodeChecks and
// CollectiveCheck may run at the same time (preflight), each one at a time.
#pragma once

#include <string>
#include <vector>

#include "agent/instance_layout.h"
#include "common/json.h"
#include "model/agent_protocol.h"

namespace trainyard {

struct CollectiveOutcome {
  bool ok = true;
  std::string detail;  // what failed, or the measured bandwidth
  Json result;         // the full result for the server (CollectiveResult JSON); null when skipped
};

class InstanceHealth {
 public:
  virtual ~InstanceHealth() = default;
  // One round of node checks (GPU, disk, memory, user programs).
  virtual std::vector<HealthOutcomeReport> NodeChecks(const Assignment& assignment,
                                                      const InstanceLayout& layout) = 0;
  // The collective check of `assignment.attempt` with every other instance;
  // it meets them through the server's rendezvous under
  // `assignment.rendezvous_prefix` and gives up after the settings' timeout.
  virtual CollectiveOutcome CollectiveCheck(const Assignment& assignment) = 0;
};

}  // namespace trainyard
