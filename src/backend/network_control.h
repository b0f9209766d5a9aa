// NetworkControl: the seam through which the local backend changes this
// machine's network (bridges, veth pairs, network namespaces). A call is one
// run of iproute2's `ip` with the given arguments (no shell; every name in
// them is one we generated or validated).
//
// Implementations: IpNetworkControl (runs the real `ip`, needs root),
// FakeNetworkControl (records the commands, scripted answers and faults).
// Thread safety: implementations may be called from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace trainyard {

class NetworkControl {
 public:
  virtual ~NetworkControl() = default;
  // Runs `ip <args...>`. Returns what it wrote to stdout when it exits 0;
  // kUnavailable when it exits otherwise or cannot be run, with the command
  // and what it wrote to stderr ("ip netns add ty-1a2b: File exists") in the
  // message.
  virtual Result<std::string> Ip(const std::vector<std::string>& args) = 0;
};

}  // namespace trainyard
