#include "api/agent_endpoints.h"

#include "api/error_response.h"
#include "common/query_string.h"

namespace trainyard {
namespace {

struct AgentIdentity {
  std::string job, host, token;
};

Result<AgentIdentity> IdentityOf(const HttpRequestView& request) {
  AgentIdentity id{std::string(FindHeader(request, "X-Trainyard-Job")),
                   std::string(FindHeader(request, "X-Trainyard-Host")), ""};
  std::string_view auth = FindHeader(request, "Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.substr(0, kBearer.size()) == kBearer) id.token = std::string(auth.substr(kBearer.size()));
  if (id.job.empty() || id.host.empty() || id.token.empty()) {
    return MakeError(ErrorCode::kMissingAuthentication,
                     "agent requests need X-Trainyard-Job, X-Trainyard-Host and a bearer token");
  }
  return id;
}

ApiResponse ErrorResponse(const Error& error) {
  ApiResponse response;
  response.headers.emplace_back("Content-Type", "application/json");
  response.status = ToAwsError(error).http_status;
  response.body = AwsErrorBody(error);
  return response;
}

ApiResponse Respond(const Result<Json>& result) {
  if (!result.ok()) return ErrorResponse(result.error());
  ApiResponse response;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = DumpJson(*result);
  return response;
}

Result<std::string> RendezvousKeyOf(const HttpRequestView& request) {
  std::optional<std::string> key = FindQueryParam(request.query, "key");
  if (!key || key->empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rendezvous requests need a percent-encoded ?key= parameter");
  }
  return *key;
}

}  // namespace

ApiResponse HandleAgentRegister(AgentGateway& gateway, const HttpRequestView& request) {
  return Respond([&]() -> Result<Json> {
    TY_ASSIGN_OR_RETURN(AgentIdentity id, IdentityOf(request));
    TY_ASSIGN_OR_RETURN(Assignment assignment, gateway.Register(id.job, id.host, id.token));
    return ToJson(assignment);
  }());
}

ApiResponse HandleAgentReport(AgentGateway& gateway, const HttpRequestView& request) {
  return Respond([&]() -> Result<Json> {
    TY_ASSIGN_OR_RETURN(AgentIdentity id, IdentityOf(request));
    TY_ASSIGN_OR_RETURN(Json body, ParseJson(request.body, {.max_depth = 8}));
    TY_ASSIGN_OR_RETURN(AgentReport report, AgentReportFromJson(body));
    TY_ASSIGN_OR_RETURN(AgentCommand command, gateway.Report(id.job, id.host, id.token, report));
    return ToJson(command);
  }());
}

ApiResponse HandleRendezvousPut(AgentGateway& gateway, const HttpRequestView& request) {
  Status stored = [&]() -> Status {
    TY_ASSIGN_OR_RETURN(AgentIdentity id, IdentityOf(request));
    TY_ASSIGN_OR_RETURN(std::string key, RendezvousKeyOf(request));
    return gateway.RendezvousSet(id.job, id.host, id.token, key, std::string(request.body));
  }();
  if (!stored.ok()) return ErrorResponse(stored.error());
  ApiResponse response;
  response.status = 204;
  return response;
}

ApiResponse HandleRendezvousGet(AgentGateway& gateway, const HttpRequestView& request) {
  std::string key;
  Result<std::optional<std::string>> value = [&]() -> Result<std::optional<std::string>> {
    TY_ASSIGN_OR_RETURN(AgentIdentity id, IdentityOf(request));
    TY_ASSIGN_OR_RETURN(key, RendezvousKeyOf(request));
    return gateway.RendezvousGet(id.job, id.host, id.token, key);
  }();
  if (!value.ok()) return ErrorResponse(value.error());
  if (!value->has_value()) {
    ApiResponse missing = ErrorResponse(
        MakeError(ErrorCode::kNotFound, "rendezvous key " + key + " is not set"));
    missing.status = 404;  // "not yet": the agent polls until it is set
    return missing;
  }
  ApiResponse response;
  response.headers.emplace_back("Content-Type", "application/octet-stream");
  response.body = std::move(**value);
  return response;
}

void AddAgentRoutes(HttpServer& server, AgentGateway& gateway) {
  server.Route("POST", "/agent/v1/register",
               [&gateway](const HttpRequestView& r) { return HandleAgentRegister(gateway, r); });
  server.Route("POST", "/agent/v1/report",
               [&gateway](const HttpRequestView& r) { return HandleAgentReport(gateway, r); });
  server.Route("PUT", "/agent/v1/rendezvous",
               [&gateway](const HttpRequestView& r) { return HandleRendezvousPut(gateway, r); });
  server.Route("GET", "/agent/v1/rendezvous",
               [&gateway](const HttpRequestView& r) { return HandleRendezvousGet(gateway, r); });
}

}  // namespace trainyard
