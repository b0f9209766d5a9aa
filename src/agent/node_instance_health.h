// NodeInstanceHealth: the real InstanceHealth of an agent. Node checks are
// src/health's suite (GPU via NVML, disk, memory, the operator's check
// programs), built once from the first assignment's HealthSettings and kept
// (the GPU check holds its NVML session between rounds). The collective
// check is a Gloo allreduce with the other instances, meeting them through
// the server's rendezvous (src/collective). When every instance is on this
// host's loopback (no network namespaces of their own), it moves 64 KiB and
// skips the pairwise tests unless the mesh fails: no network path of theirs
// could be measured. The check runs in a child process, so the agent never
// maps Gloo.
// Thread safety: NodeChecks and CollectiveCheck share no state and may run at
// once; each is called one at a time (the runner guarantees it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/instance_health.h"
#include "common/clock.h"
#include "health/health_check.h"

namespace trainyard {

struct NodeInstanceHealthOptions {
  std::string server_url;  // for the rendezvous, with the agent's own credentials
  std::string token;
  // The address this instance's Gloo endpoint binds: its host name when
  // instances resolve each other (namespaces), else loopback.
  bool hosts_resolve = false;
  // The collective check runs as `<check_executable> collective-check` in a
  // child process with `check_environment` (agent/collective_check_child.h).
  std::string check_executable;
  std::vector<std::string> check_environment;
};

class NodeInstanceHealth : public InstanceHealth {
 public:
  NodeInstanceHealth(const Clock& clock, NodeInstanceHealthOptions options);
  ~NodeInstanceHealth() override;

  std::vector<HealthOutcomeReport> NodeChecks(const Assignment& assignment, const InstanceLayout& layout) override;
  CollectiveOutcome CollectiveCheck(const Assignment& assignment) override;

 private:
  const Clock& clock_;
  const NodeInstanceHealthOptions options_;
  std::vector<std::unique_ptr<HealthCheck>> checks_;  // built on first use
  bool built_ = false;
};

}  // namespace trainyard
