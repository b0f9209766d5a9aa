#include "agent/http_agent_transport.h"

#include <httplib.h>

namespace trainyard {

struct HttpAgentTransport::Impl {
  HttpAgentTransportOptions options;
  std::unique_ptr<httplib::Client> client;
};

HttpAgentTransport::HttpAgentTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpAgentTransport::~HttpAgentTransport() = default;

Result<std::unique_ptr<HttpAgentTransport>> HttpAgentTransport::Create(
    HttpAgentTransportOptions options) {
  const std::string& url = options.server_url;
  if (!(url.starts_with("http://") || url.starts_with("https://"))) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "server URL '" + url + "' must start with http:// or https://");
  }
  auto impl = std::make_unique<Impl>();
  try {
    impl->client = std::make_unique<httplib::Client>(url);
  } catch (const std::exception& e) {  // httplib throws on some malformed URLs
    return MakeError(ErrorCode::kInvalidArgument,
                     "server URL '" + url + "' is not valid: " + e.what());
  }
  if (!impl->client->is_valid()) {
    return MakeError(ErrorCode::kInvalidArgument, "server URL '" + url + "' is not valid");
  }
  auto seconds_and_micros = [](std::chrono::milliseconds ms) {
    return std::make_pair(static_cast<time_t>(ms.count() / 1000),
                          static_cast<time_t>((ms.count() % 1000) * 1000));
  };
  auto [cs, cu] = seconds_and_micros(options.connect_timeout);
  auto [rs, ru] = seconds_and_micros(options.read_timeout);
  impl->client->set_connection_timeout(cs, cu);
  impl->client->set_read_timeout(rs, ru);
  impl->client->set_tcp_nodelay(true);  // small requests: no Nagle delay
  impl->client->set_write_timeout(rs, ru);
  impl->client->set_keep_alive(true);
  impl->client->set_default_headers({{"X-Trainyard-Job", options.job_name},
                                     {"X-Trainyard-Host", options.host},
                                     {"Authorization", "Bearer " + options.token}});
  impl->options = std::move(options);
  return std::unique_ptr<HttpAgentTransport>(new HttpAgentTransport(std::move(impl)));
}

Result<Json> HttpAgentTransport::Post(const std::string& path, const Json& body) {
  const std::string what = "POST " + impl_->options.server_url + path;
  httplib::Result res = impl_->client->Post(path, DumpJson(body), "application/json");
  if (!res) {
    return MakeError(ErrorCode::kUnavailable, what + ": " + httplib::to_string(res.error()));
  }
  int status = res->status;
  if (status >= 200 && status < 300) {
    Result<Json> reply = ParseJson(res->body);
    if (!reply.ok()) return reply.error().WithContext(what);
    return reply;
  }
  std::string message = what + ": HTTP " + std::to_string(status) + " " + res->body.substr(0, 512);
  if (status >= 500 || status == 429 || status == 408) {
    return MakeError(ErrorCode::kUnavailable, message);
  }
  if (status == 401 || status == 403 || status == 404) {
    return MakeError(ErrorCode::kFailedPrecondition, message);
  }
  return MakeError(ErrorCode::kInvalidArgument, message);
}

Result<Assignment> HttpAgentTransport::Register() {
  TY_ASSIGN_OR_RETURN(Json reply, Post("/agent/v1/register", Json::object()));
  return AssignmentFromJson(reply);
}

Result<AgentCommand> HttpAgentTransport::Report(const AgentReport& report) {
  TY_ASSIGN_OR_RETURN(Json reply, Post("/agent/v1/report", ToJson(report)));
  return AgentCommandFromJson(reply);
}

}  // namespace trainyard
