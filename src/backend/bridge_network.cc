#include "backend/bridge_network.h"

#include <algorithm>
#include <cstdio>

#include "common/strings.h"

namespace trainyard {
namespace {

// 02:74 (locally administered, "t") and the four address bytes.
std::string MacFor(const std::string& address) {
  uint32_t a = ParseIpv4(address).value_or(0);
  char mac[18];
  std::snprintf(mac, sizeof mac, "02:74:%02x:%02x:%02x:%02x", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                a & 0xff);
  return mac;
}

bool ValidInterfaceName(const std::string& name) {
  if (name.empty() || name.size() > 15 || name[0] == '-' || name == "." || name == "..") return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// `ip` failing because the thing to delete is already gone.
bool IsGone(const Error& error) {
  return error.message.find("Cannot find device") != std::string::npos ||
         error.message.find("No such file or directory") != std::string::npos ||
         error.message.find("does not exist") != std::string::npos;
}

}  // namespace

std::string NetnsPath(const std::string& netns) { return "/var/run/netns/" + netns; }

std::string ReplaceUrlHost(const std::string& url, const std::string& host) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  size_t start = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", start);
  if (authority_end == std::string::npos) authority_end = url.size();
  size_t at = url.rfind('@', authority_end);
  if (at != std::string::npos && at >= start) start = at + 1;
  size_t host_end;
  if (start < url.size() && url[start] == '[') {
    host_end = url.find(']', start);
    host_end = host_end == std::string::npos || host_end > authority_end ? authority_end : host_end + 1;
  } else {
    host_end = url.find(':', start);
    if (host_end == std::string::npos || host_end > authority_end) host_end = authority_end;
  }
  return url.substr(0, start) + host + url.substr(host_end);
}

BridgeNetwork::BridgeNetwork(BridgeNetworkOptions options, AddressPool pool, NetworkControl& control,
                             IdGenerator& ids)
    : options_(std::move(options)),
      gateway_(pool.gateway()),
      prefix_length_(std::to_string(pool.prefix_length())),
      control_(control),
      ids_(ids),
      pool_(std::move(pool)) {}

Result<std::unique_ptr<BridgeNetwork>> BridgeNetwork::Create(BridgeNetworkOptions options,
                                                             NetworkControl& control, IdGenerator& ids) {
  if (!ValidInterfaceName(options.bridge)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "bridge name must be 1-15 characters of A-Z a-z 0-9 _ . - (not starting with -), got '" +
                         options.bridge + "'");
  }
  TY_ASSIGN_OR_RETURN(AddressPool pool, AddressPool::Create(options.subnet));
  std::unique_ptr<BridgeNetwork> network(new BridgeNetwork(std::move(options), std::move(pool), control, ids));
  if (Status s = network->SetUpBridge(); !s.ok()) {
    return s.error().WithContext("setting up bridge " + network->bridge());
  }
  return network;
}

Status BridgeNetwork::SetUpBridge() {
  const std::string& bridge = options_.bridge;
  std::string cidr = gateway_ + "/" + prefix_length_;
  Result<std::string> shown = control_.Ip({"-o", "link", "show", "dev", bridge, "type", "bridge"});
  if (!shown.ok()) {
    if (shown.error().message.find("does not exist") == std::string::npos) return shown.error();
    TY_RETURN_IF_ERROR(control_.Ip({"link", "add", "name", bridge, "address", MacFor(gateway_), "type", "bridge"}));
  } else if (Trim(*shown).empty()) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "network interface " + bridge + " exists and is not a bridge");
  }
  TY_RETURN_IF_ERROR(control_.Ip({"addr", "replace", cidr, "dev", bridge}));
  TY_RETURN_IF_ERROR(control_.Ip({"link", "set", bridge, "up"}));
  return Ok();
}

Result<NetworkAttachment> BridgeNetwork::Attach(const std::string& job, const std::string& host,
                                                const std::vector<std::string>& hosts) {
  std::string id = ids_.NewHex(4);
  NetworkAttachment a{job, host, "ty-" + id, "ty" + id, "", {}};
  std::vector<std::string> all = hosts;
  if (std::find(all.begin(), all.end(), host) == all.end()) all.push_back(host);
  {
    std::lock_guard lock(mu_);
    Result<std::map<std::string, std::string>> addresses = pool_.Acquire(job, all);
    if (!addresses.ok()) return addresses.error().WithContext("attaching " + job + "/" + host);
    a.hosts = std::move(addresses).value();
  }
  a.address = a.hosts[host];
  if (Status created = CreateInterfaces(a); !created.ok()) {
    std::lock_guard lock(mu_);
    pool_.Release(job);
    return created.error().WithContext("attaching " + job + "/" + host);
  }
  return a;
}

// Undoes its own steps when one fails (and only those: a name that turned
// out to be taken is someone else's).
Status BridgeNetwork::CreateInterfaces(const NetworkAttachment& a) {
  TY_RETURN_IF_ERROR(control_.Ip({"netns", "add", a.netns}));
  const std::vector<std::vector<std::string>> steps = {
      {"link", "add", a.link, "type", "veth", "peer", "name", "eth0", "address", MacFor(a.address), "netns",
       a.netns},
      {"link", "set", a.link, "master", options_.bridge},
      {"link", "set", a.link, "up"},
      {"-n", a.netns, "addr", "add", a.address + "/" + prefix_length_, "dev", "eth0"},
      {"-n", a.netns, "link", "set", "eth0", "up"},
      {"-n", a.netns, "link", "set", "lo", "up"},
      {"-n", a.netns, "route", "add", "default", "via", gateway_},
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    Result<std::string> step = control_.Ip(steps[i]);
    if (step.ok()) continue;
    if (i > 0) (void)control_.Ip({"link", "del", a.link});
    (void)control_.Ip({"netns", "del", a.netns});
    return step.error();
  }
  return Ok();
}

// The link first: deleting one end of a veth pair deletes both at once,
// while a namespace lingers (with its eth0) as long as anything holds it.
Status BridgeNetwork::DeleteInterfaces(const NetworkAttachment& a) {
  Status first = Ok();
  for (const std::vector<std::string>& command : {std::vector<std::string>{"link", "del", a.link},
                                                 std::vector<std::string>{"netns", "del", a.netns}}) {
    Result<std::string> r = control_.Ip(command);
    if (!r.ok() && !IsGone(r.error()) && first.ok()) first = r.error();
  }
  return first;
}

Status BridgeNetwork::Detach(const NetworkAttachment& attachment) {
  Status deleted = DeleteInterfaces(attachment);
  {
    std::lock_guard lock(mu_);
    pool_.Release(attachment.job);
  }
  if (!deleted.ok()) return deleted.error().WithContext("detaching " + attachment.job + "/" + attachment.host);
  return Ok();
}

Status BridgeNetwork::Adopt(const NetworkAttachment& attachment) {
  std::lock_guard lock(mu_);
  return pool_.Adopt(attachment.job, attachment.host, attachment.address);
}

void BridgeNetwork::RemoveLeftover(const NetworkAttachment& attachment) {
  (void)DeleteInterfaces(attachment);
  std::lock_guard lock(mu_);
  (void)pool_.Reserve(attachment.job, attachment.host, attachment.address);
}

std::map<std::string, std::string> BridgeNetwork::AddressesOf(const std::string& job) const {
  std::lock_guard lock(mu_);
  return pool_.AddressesOf(job);
}

}  // namespace trainyard
