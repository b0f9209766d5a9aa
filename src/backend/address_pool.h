// AddressPool: the IPv4 addresses of one instance subnet, handed out per
// (job, host) so that an instance replaced by a new one keeps its address
// and every other instance's /etc/hosts stays right.
//
// The subnet's first usable address is the gateway (the bridge's own); the
// others, up to the one before broadcast, go to instances, lowest free first.
// A job's addresses are allocated for all of its hosts at its first Acquire
// (a hosts file lists them all before the others start) and live while the
// job has holders: each Acquire or Adopt adds one, each Release drops one,
// and the last Release frees them all. Reserve records an address without a
// holder (an instance found gone after a server restart, so that its
// replacement gets the same address); such a record lasts until the job's
// holders next drop to zero, or for the pool's life if it never has one.
//
// Thread safety: none; the owner locks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace trainyard {

// "10.213.0.2" <-> 0x0ad50002.
std::optional<uint32_t> ParseIpv4(std::string_view text);
std::string FormatIpv4(uint32_t address);

class AddressPool {
 public:
  // `cidr` like "10.213.0.0/16": IPv4 with a prefix of 8 to 30 bits and no
  // host bits set; kInvalidArgument otherwise.
  static Result<AddressPool> Create(std::string_view cidr);

  std::string gateway() const { return FormatIpv4(network_ + 1); }
  int prefix_length() const { return prefix_length_; }

  // Every host of `job` with its address (hosts it already had keep theirs;
  // new ones get the lowest free), plus one holder. kResourceExhausted when
  // the subnet has too few free addresses (then nothing changes).
  Result<std::map<std::string, std::string>> Acquire(const std::string& job,
                                                     const std::vector<std::string>& hosts);
  // Records that (job, host) holds `address` (an instance launched by an
  // earlier server), plus one holder. kInvalidArgument for an address
  // outside the instance range; kAlreadyExists when another (job, host) has
  // it or the host has another address (nothing changes then).
  Status Adopt(const std::string& job, const std::string& host, const std::string& address);
  // As Adopt, without a holder.
  Status Reserve(const std::string& job, const std::string& host, const std::string& address);
  // Drops one holder of `job`; at zero its addresses are free again.
  void Release(const std::string& job);

  // The addresses of `job` (empty when it has none).
  std::map<std::string, std::string> AddressesOf(const std::string& job) const;
  size_t addresses_in_use() const { return used_.size(); }

 private:
  struct JobAddresses {
    std::map<std::string, uint32_t> hosts;
    int holders = 0;
  };
  AddressPool(uint32_t network, int prefix_length);
  Status Record(const std::string& job, const std::string& host, const std::string& address);

  uint32_t network_;
  int prefix_length_;
  uint32_t first_, last_;  // the instance range
  std::set<uint32_t> used_;
  std::map<std::string, JobAddresses> jobs_;
};

}  // namespace trainyard
