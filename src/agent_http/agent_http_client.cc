#include "agent_http/agent_http_client.h"

#include <httplib.h>

namespace trainyard {
namespace {

std::pair<time_t, time_t> SecondsAndMicros(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<time_t>((ms.count() % 1000) * 1000)};
}

}  // namespace

Result<std::unique_ptr<httplib::Client>> OpenAgentHttpClient(const AgentHttpOptions& options) {
  const std::string& url = options.server_url;
  if (!(url.starts_with("http://") || url.starts_with("https://"))) {
    return MakeError(ErrorCode::kInvalidArgument, "server URL '" + url + "' must start with http:// or https://");
  }
  std::unique_ptr<httplib::Client> client;
  try {
    client = std::make_unique<httplib::Client>(url);
  } catch (const std::exception& e) {  // httplib throws on some malformed URLs
    return MakeError(ErrorCode::kInvalidArgument, "server URL '" + url + "' is not valid: " + e.what());
  }
  if (!client->is_valid()) {
    return MakeError(ErrorCode::kInvalidArgument, "server URL '" + url + "' is not valid");
  }
  auto [cs, cu] = SecondsAndMicros(options.connect_timeout);
  auto [rs, ru] = SecondsAndMicros(options.read_timeout);
  client->set_connection_timeout(cs, cu);
  client->set_read_timeout(rs, ru);
  client->set_write_timeout(rs, ru);
  client->set_tcp_nodelay(true);  // small requests: no Nagle delay
  client->set_keep_alive(true);
  client->set_default_headers({{"X-Trainyard-Job", options.job_name},
                               {"X-Trainyard-Host", options.host},
                               {"Authorization", "Bearer " + options.token}});
  return client;
}

}  // namespace trainyard
