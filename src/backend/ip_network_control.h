// IpNetworkControl: NetworkControl running iproute2's `ip` binary
// (posix_spawn, stdin from /dev/null, stdout and stderr captured, a fixed
// environment with LC_ALL=C so its messages are the same everywhere).
// Changing the network needs root (CAP_NET_ADMIN); that is the caller's
// precondition, `ip` reports it otherwise.
// Thread safety: stateless after Create; any thread may call Ip.
#pragma once

#include <memory>
#include <string>

#include "backend/network_control.h"

namespace trainyard {

class IpNetworkControl : public NetworkControl {
 public:
  // Finds `ip` in /usr/sbin, /sbin, /usr/bin or /bin; kFailedPrecondition
  // when there is none (iproute2 is not installed).
  static Result<std::unique_ptr<IpNetworkControl>> Create();

  Result<std::string> Ip(const std::vector<std::string>& args) override;

  const std::string& binary() const { return binary_; }

 private:
  explicit IpNetworkControl(std::string binary) : binary_(std::move(binary)) {}
  std::string binary_;
};

}  // namespace trainyard
