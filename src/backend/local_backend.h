// LocalBackend: instances are `trainyard agent` processes on this machine.
//
// Running as root (and unless disabled), each agent starts in its own mount
// and UTS namespace: the instance directory's `ml/` is bind-mounted on
// /opt/ml, a generated hosts file (algo-1..N -> 127.0.0.1) on /etc/hosts, and
// the hostname is algo-k. Without root, the agent gets the instance
// directory's path as its /opt/ml and all instances share the host's view.
// A per-instance network namespace (so that one instance can be cut off)
// belongs in the child's setup beside the mount/UTS unshare in Launch, with
// the server reachable over a bridge; it is not built yet.
//
// Agents run in their own session, so they outlive a server that is killed;
// a restarted server adopts them by pid.
#pragma once

#include <map>
#include <string>

#include "backend/instance_backend.h"

namespace trainyard {

struct LocalBackendOptions {
  std::string agent_binary;       // path of the trainyard executable
  bool use_namespaces = true;     // only effective when running as root
  std::string log_dir;            // agents' own stderr goes to <log_dir>/<job>-<host>.log
  // Variables set in every agent's environment on top of the server's own
  // (e.g. the object store endpoint the server was configured with).
  std::map<std::string, std::string> environment;
};

class LocalBackend : public InstanceBackend {
 public:
  explicit LocalBackend(LocalBackendOptions options);
  Result<std::unique_ptr<Instance>> Launch(const InstanceLaunch& launch) override;
  std::unique_ptr<Instance> Adopt(const std::string& description, const std::string& host) override;

  // True when agents get their own namespaces (root and enabled).
  bool isolates() const { return isolate_; }

 private:
  LocalBackendOptions options_;
  bool isolate_;
};

}  // namespace trainyard
