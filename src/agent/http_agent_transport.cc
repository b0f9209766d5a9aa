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
  auto impl = std::make_unique<Impl>();
  TY_ASSIGN_OR_RETURN(impl->client, OpenAgentHttpClient(options));
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
