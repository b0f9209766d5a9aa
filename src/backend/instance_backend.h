// InstanceBackend: where a job's instances come from. An instance is one
// `trainyard agent` process (with whatever isolation the backend gives it)
// that talks back to the server over HTTP; the backend only starts it,
// watches whether it is alive, and kills it.
//
// Implementations: LocalBackend (processes on this machine, namespaces when
// root), FakeBackend (tests). Thread safety: Launch may be called from any
// thread; an Instance is owned and used by one job runner.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace trainyard {

struct InstanceLaunch {
  std::string job_name;
  std::string host;                 // "algo-k"
  std::vector<std::string> hosts;   // every host of the job, sorted
  std::string instance_type;
  std::string instance_dir;         // private directory for this instance (created by the caller)
  std::string server_url;           // where the agent reports
  std::string token;                // the job's agent token
  // Unique per launch ("i-<hex>"): a replacement for algo-2 is a new
  // instance with a new id. Agents see it as TRAINYARD_INSTANCE_ID.
  std::string instance_id;
};

class Instance {
 public:
  virtual ~Instance() = default;
  virtual const std::string& host() const = 0;
  // A backend-specific identity for logs and describe ("pid 1234"), which
  // Adopt takes back after a server restart.
  virtual std::string Describe() const = 0;
  // nullopt while the agent runs; its exit status (or 128+signal) once it ended.
  virtual std::optional<int> Poll() = 0;
  // Kills the agent and everything it started. Idempotent.
  virtual void Kill() = 0;
  // The instance's own network address ("10.213.0.2"), "" when it shares
  // the host's network.
  virtual std::string Address() const { return ""; }
  // The host-side network interface that carries all of the instance's
  // traffic ("ty1a2b3c4d"): `ip link set <link> down` cuts the instance off
  // the network, `up` reconnects it. "" when it shares the host's network.
  virtual std::string NetworkLink() const { return ""; }
};

class InstanceBackend {
 public:
  virtual ~InstanceBackend() = default;
  // Starts one instance. kUnavailable when it cannot be started now.
  virtual Result<std::unique_ptr<Instance>> Launch(const InstanceLaunch& launch) = 0;
  // Finds an instance launched by an earlier server process (after a server
  // restart), nullptr when it is gone.
  virtual std::unique_ptr<Instance> Adopt(const std::string& description, const std::string& host) = 0;
};

}  // namespace trainyard
