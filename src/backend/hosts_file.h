// The /etc/hosts an isolated instance sees: localhost, and every host of its
// job (algo-1..N) at its address, 127.0.0.1 for a host with none (instances
// on the host's network share its loopback).
// Thread safety: a pure function.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace trainyard {

std::string HostsFile(const std::vector<std::string>& hosts, const std::map<std::string, std::string>& addresses);

}  // namespace trainyard
