// The description of a local instance (Instance::Describe), which the job
// run stores and hands back to LocalBackend::Adopt after a server restart:
//
//   "pid 1234"                       an agent on the host's network
//   "pid 1234 netns ty-1a2b3c4d link ty1a2b3c4d address 10.213.0.2 job NAME"
//                                    an agent in its own network namespace
//
// Words come in key-value pairs after the pid; unknown keys are skipped, so
// an older server reads what a newer one wrote as far as it can.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "backend/bridge_network.h"

namespace trainyard {

struct InstanceDescription {
  int pid = 0;
  // job, netns, link and address (not host or hosts) when the agent has its
  // own network namespace.
  std::optional<NetworkAttachment> network;
};

std::string FormatInstanceDescription(const InstanceDescription& description);

// nullopt unless it starts with "pid <positive number>". The network part is
// taken only when netns ("ty-<hex>"), link ("ty<hex>"), an IPv4 address and a
// job are all there and well-formed (Adopt deletes leftovers by these names).
std::optional<InstanceDescription> ParseInstanceDescription(std::string_view text);

}  // namespace trainyard
