// LocalBackend: instances are `trainyard agent` processes on this machine.
//
// Running as root (and unless disabled), each agent starts in its own mount
// and UTS namespace: the instance directory's `ml/` is bind-mounted on
// /opt/ml, a generated hosts file on /etc/hosts, and the hostname is algo-k.
// Without root, the agent gets the instance directory's path as its /opt/ml
// and all instances share the host's view.
//
// The network (LocalBackendOptions::network):
//  - kHost (the default): agents share the host's network; algo-1..N all
//    resolve to 127.0.0.1.
//  - kBridge (root, namespaces on): each agent also gets its own network
//    namespace on a bridge (BridgeNetwork: eth0 with its own address, a veth
//    pair whose host side, Instance::NetworkLink(), can be taken down to cut
//    it off). algo-1..N resolve to their addresses, which stay the same for
//    a replacement of the same host while the job runs. Agents reach the
//    server at the bridge's address: Launch rewrites the host of
//    InstanceLaunch::server_url to bridge_address(), keeping scheme and
//    port, so the server must also listen there on the same port. Kill
//    removes the namespace; the bridge stays.
//
// Agents run in their own session, so they outlive a server that is killed;
// a restarted server adopts them by their description (instance_description.h),
// with their namespace and address.
//
// Thread safety: Launch and Adopt may be called from any thread; each
// Instance is used by one thread. Instances must not outlive the backend.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "backend/bridge_network.h"
#include "backend/instance_backend.h"
#include "backend/network_control.h"
#include "common/ids.h"

namespace trainyard {

enum class InstanceNetwork {
  kHost,    // the host's network, shared by all instances
  kBridge,  // a network namespace per instance on a bridge
};

struct LocalBackendOptions {
  std::string agent_binary;       // path of the trainyard executable
  bool use_namespaces = true;     // only effective when running as root
  std::string log_dir;            // agents' own stderr goes to <log_dir>/<job>-<host>.log
  // Variables set in every agent's environment on top of the server's own
  // (e.g. the object store endpoint the server was configured with).
  std::map<std::string, std::string> environment;
  InstanceNetwork network = InstanceNetwork::kHost;
  BridgeNetworkOptions bridge;    // with kBridge: the bridge's name and subnet
};

// The seams LocalBackend needs with InstanceNetwork::kBridge (unused with
// kHost). Both must outlive the backend.
struct LocalBackendDeps {
  NetworkControl* network_control = nullptr;  // the real one: IpNetworkControl
  IdGenerator* ids = nullptr;                 // names of namespaces and links
};

class LocalBackend : public InstanceBackend {
 public:
  // With kBridge: kFailedPrecondition unless running as root with
  // use_namespaces on and both deps given; else the errors of
  // BridgeNetwork::Create (a bad name or subnet: kInvalidArgument; `ip`
  // failing: kUnavailable). Never fails with kHost.
  static Result<std::unique_ptr<LocalBackend>> Create(LocalBackendOptions options, LocalBackendDeps deps = {});
  ~LocalBackend() override;

  Result<std::unique_ptr<Instance>> Launch(const InstanceLaunch& launch) override;
  std::unique_ptr<Instance> Adopt(const std::string& description, const std::string& host) override;

  // True when agents get their own namespaces (root and enabled).
  bool isolates() const { return isolate_; }
  // The bridge's address ("10.213.0.1") with kBridge, else "".
  std::string bridge_address() const;

 private:
  LocalBackend(LocalBackendOptions options, bool isolate, std::unique_ptr<BridgeNetwork> bridge);

  LocalBackendOptions options_;
  bool isolate_;
  std::unique_ptr<BridgeNetwork> bridge_;  // with kBridge
};

}  // namespace trainyard
