#include "backend/address_pool.h"

#include "common/strings.h"

namespace trainyard {

std::optional<uint32_t> ParseIpv4(std::string_view text) {
  uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    std::string_view part = NextField(&text, '.');
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return std::nullopt;
    uint32_t value = 0;
    for (char c : part) {
      if (!IsDigit(c)) return std::nullopt;
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value > 255) return std::nullopt;
    address = (address << 8) | value;
    if (i < 3 && text.empty()) return std::nullopt;
  }
  if (!text.empty()) return std::nullopt;
  return address;
}

std::string FormatIpv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

AddressPool::AddressPool(uint32_t network, int prefix_length)
    : network_(network),
      prefix_length_(prefix_length),
      first_(network + 2),
      last_(network + static_cast<uint32_t>((uint64_t{1} << (32 - prefix_length)) - 2)) {}

Result<AddressPool> AddressPool::Create(std::string_view cidr) {
  auto invalid = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "instance subnet must be IPv4 CIDR like 10.213.0.0/16 (prefix 8 to 30), got " +
                         std::string(cidr));
  };
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return invalid();
  std::optional<uint32_t> network = ParseIpv4(cidr.substr(0, slash));
  std::string_view prefix_text = cidr.substr(slash + 1);
  if (!network || prefix_text.empty() || prefix_text.size() > 2) return invalid();
  int prefix = 0;
  for (char c : prefix_text) {
    if (!IsDigit(c)) return invalid();
    prefix = prefix * 10 + (c - '0');
  }
  if (prefix < 8 || prefix > 30) return invalid();
  uint32_t host_mask = static_cast<uint32_t>((uint64_t{1} << (32 - prefix)) - 1);
  if (*network & host_mask) return invalid();
  return AddressPool(*network, prefix);
}

Result<std::map<std::string, std::string>> AddressPool::Acquire(const std::string& job,
                                                                const std::vector<std::string>& hosts) {
  JobAddresses& entry = jobs_[job];
  std::vector<std::string> missing;
  for (const std::string& host : hosts) {
    if (!entry.hosts.count(host)) missing.push_back(host);
  }
  std::vector<uint32_t> fresh;
  for (uint32_t a = first_; a <= last_ && fresh.size() < missing.size(); ++a) {
    if (!used_.count(a)) fresh.push_back(a);
  }
  if (fresh.size() < missing.size()) {
    if (entry.hosts.empty() && entry.holders == 0) jobs_.erase(job);
    return MakeError(ErrorCode::kResourceExhausted,
                     "instance subnet " + FormatIpv4(network_) + "/" + std::to_string(prefix_length_) +
                         " has no free address for " + std::to_string(missing.size()) + " more host(s)");
  }
  for (size_t i = 0; i < missing.size(); ++i) {
    entry.hosts[missing[i]] = fresh[i];
    used_.insert(fresh[i]);
  }
  ++entry.holders;
  return AddressesOf(job);
}

Status AddressPool::Record(const std::string& job, const std::string& host, const std::string& address) {
  std::optional<uint32_t> a = ParseIpv4(address);
  if (!a || *a < first_ || *a > last_) {
    return MakeError(ErrorCode::kInvalidArgument, address + " is not an instance address of " +
                                                      FormatIpv4(network_) + "/" + std::to_string(prefix_length_));
  }
  JobAddresses& entry = jobs_[job];
  auto it = entry.hosts.find(host);
  if (it != entry.hosts.end() && it->second == *a) return Ok();
  if (it != entry.hosts.end() || used_.count(*a)) {
    if (entry.hosts.empty() && entry.holders == 0) jobs_.erase(job);
    return MakeError(ErrorCode::kAlreadyExists,
                     job + "/" + host + " at " + address + ": the address or the host is taken");
  }
  entry.hosts[host] = *a;
  used_.insert(*a);
  return Ok();
}

Status AddressPool::Adopt(const std::string& job, const std::string& host, const std::string& address) {
  TY_RETURN_IF_ERROR(Record(job, host, address));
  ++jobs_[job].holders;
  return Ok();
}

Status AddressPool::Reserve(const std::string& job, const std::string& host, const std::string& address) {
  return Record(job, host, address);
}

void AddressPool::Release(const std::string& job) {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return;
  if (--it->second.holders > 0) return;
  for (const auto& [host, a] : it->second.hosts) used_.erase(a);
  jobs_.erase(it);
}

std::map<std::string, std::string> AddressPool::AddressesOf(const std::string& job) const {
  std::map<std::string, std::string> out;
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return out;
  for (const auto& [host, a] : it->second.hosts) out[host] = FormatIpv4(a);
  return out;
}

}  // namespace trainyard
