#include "backend/instance_description.h"

#include <map>

#include "common/strings.h"

namespace trainyard {
namespace {

bool IsHex(std::string_view s) {
  if (s.empty() || s.size() > 12) return false;
  for (char c : s) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

std::string_view NextWord(std::string_view* rest) {
  *rest = Trim(*rest);
  return NextField(rest, ' ');
}

}  // namespace

std::string FormatInstanceDescription(const InstanceDescription& d) {
  std::string out = "pid " + std::to_string(d.pid);
  if (d.network) {
    out += " netns " + d.network->netns + " link " + d.network->link + " address " + d.network->address +
           " job " + d.network->job;
  }
  return out;
}

std::optional<InstanceDescription> ParseInstanceDescription(std::string_view text) {
  if (NextWord(&text) != "pid") return std::nullopt;
  std::string_view pid_text = NextWord(&text);
  if (pid_text.empty() || pid_text.size() > 9) return std::nullopt;
  InstanceDescription d;
  for (char c : pid_text) {
    if (!IsDigit(c)) return std::nullopt;
    d.pid = d.pid * 10 + (c - '0');
  }
  if (d.pid <= 0) return std::nullopt;
  std::map<std::string, std::string, std::less<>> fields;
  while (!Trim(text).empty()) {
    std::string_view key = NextWord(&text);
    std::string_view value = NextWord(&text);
    fields.emplace(std::string(key), std::string(value));
  }
  auto get = [&](std::string_view key) -> std::string {
    auto it = fields.find(key);
    return it == fields.end() ? "" : it->second;
  };
  NetworkAttachment n;
  n.netns = get("netns");
  n.link = get("link");
  n.address = get("address");
  n.job = get("job");
  if (n.netns.rfind("ty-", 0) == 0 && IsHex(std::string_view(n.netns).substr(3)) &&
      n.link.rfind("ty", 0) == 0 && IsHex(std::string_view(n.link).substr(2)) && ParseIpv4(n.address) &&
      !n.job.empty()) {
    d.network = std::move(n);
  }
  return d;
}

}  // namespace trainyard
