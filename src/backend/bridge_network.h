// BridgeNetwork: network namespaces for local instances on one Linux bridge,
// so that each instance has its own address and one can be cut off (take its
// link down) while the others keep talking.
//
//   host netns:  bridge <name> (<gateway>/<prefix>, e.g. 10.213.0.1/16)
//                  |-- ty1a2b3c4d  (host side of a veth pair: the instance's link)
//   netns ty-1a2b3c4d:  eth0 <address>/<prefix>, lo up, default route via <gateway>
//
// Addresses come from an AddressPool: stable per (job, host) while the job
// has a live instance, so a replacement launched for algo-2 after the old one
// was detached gets algo-2's address again and the other instances' hosts
// files stay right. Each eth0's MAC is derived from its address (02:74 and
// the four address bytes) and the bridge's from the gateway, so neighbours'
// ARP caches stay valid across a replacement and the bridge's MAC does not
// change as ports come and go.
//
// The bridge is created (or found) by Create and left in place when the
// BridgeNetwork goes away: agents outlive the server and are adopted by the
// next one, still attached to it. One BridgeNetwork (one server) per bridge
// and subnet: two would hand out the same addresses.
//
// Thread safety: all methods may be called from any thread (the pool is
// locked; NetworkControl implementations are thread-safe).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backend/address_pool.h"
#include "backend/network_control.h"
#include "common/ids.h"
#include "common/result.h"

namespace trainyard {

struct BridgeNetworkOptions {
  std::string bridge = "trainyard0";   // 1-15 characters of [A-Za-z0-9_.-], not starting with '-'
  std::string subnet = "10.213.0.0/16";  // the bridge gets the first address (10.213.0.1)
};

// One instance's place on the bridge.
struct NetworkAttachment {
  std::string job;
  std::string host;
  std::string netns;    // "ty-1a2b3c4d", a file under /var/run/netns
  std::string link;     // "ty1a2b3c4d": the host side of the veth pair
  std::string address;  // the instance's eth0 address, "10.213.0.2"
  std::map<std::string, std::string> hosts;  // every host of the job -> its address
};

// /var/run/netns/<netns>: what setns() opens to enter it.
std::string NetnsPath(const std::string& netns);

// `url` with its host replaced by `host` ("http://127.0.0.1:8080/x" ->
// "http://10.213.0.1:8080/x"); `url` unchanged when it has no "scheme://".
std::string ReplaceUrlHost(const std::string& url, const std::string& host);

class BridgeNetwork {
 public:
  // Validates `options` (kInvalidArgument) and brings the bridge up:
  // creates it unless it exists, sets the gateway address and brings it up
  // (idempotent). kFailedPrecondition when the name belongs to something
  // that is not a bridge; kUnavailable when `ip` fails. `control` and `ids`
  // must outlive the BridgeNetwork.
  static Result<std::unique_ptr<BridgeNetwork>> Create(BridgeNetworkOptions options, NetworkControl& control,
                                                       IdGenerator& ids);

  const std::string& bridge() const { return options_.bridge; }
  const std::string& gateway() const { return gateway_; }  // "10.213.0.1"

  // Creates a namespace for (job, host) with a fresh name, its veth pair on
  // the bridge and the address of `host` among `hosts` (see AddressPool).
  // On failure nothing is left behind: kResourceExhausted when the subnet
  // is full, kUnavailable when `ip` fails.
  Result<NetworkAttachment> Attach(const std::string& job, const std::string& host,
                                   const std::vector<std::string>& hosts);

  // Removes the link and the namespace (the instance's processes should be
  // gone, or they keep an unreachable namespace) and drops the job's hold on
  // its addresses, even when `ip` fails; the first failure is returned.
  Status Detach(const NetworkAttachment& attachment);

  // An attachment made by an earlier process, whose instance still runs:
  // its address is held again (kAlreadyExists when it clashes; the caller
  // logs that and goes on). `hosts` is not needed.
  Status Adopt(const NetworkAttachment& attachment);
  // An attachment made by an earlier process whose instance is gone: its
  // leftovers are removed (failures ignored) and its address is reserved for
  // a replacement of the same host (AddressPool::Reserve).
  void RemoveLeftover(const NetworkAttachment& attachment);

  // The addresses of `job`'s hosts, for tests and describe.
  std::map<std::string, std::string> AddressesOf(const std::string& job) const;

 private:
  BridgeNetwork(BridgeNetworkOptions options, AddressPool pool, NetworkControl& control, IdGenerator& ids);
  Status SetUpBridge();
  Status CreateInterfaces(const NetworkAttachment& a);
  Status DeleteInterfaces(const NetworkAttachment& a);

  const BridgeNetworkOptions options_;
  const std::string gateway_;
  const std::string prefix_length_;
  NetworkControl& control_;
  IdGenerator& ids_;
  mutable std::mutex mu_;
  AddressPool pool_;  // guarded by mu_
};

}  // namespace trainyard
