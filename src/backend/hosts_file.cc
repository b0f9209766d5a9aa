#include "backend/hosts_file.h"

namespace trainyard {

std::string HostsFile(const std::vector<std::string>& hosts, const std::map<std::string, std::string>& addresses) {
  std::string out = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const std::string& h : hosts) {
    auto it = addresses.find(h);
    out += (it == addresses.end() ? std::string("127.0.0.1") : it->second) + "\t" + h + "\n";
  }
  return out;
}

}  // namespace trainyard
