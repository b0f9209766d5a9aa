#include "api/agent_endpoints.h"

#include "api/error_response.h"

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

ApiResponse Respond(const Result<Json>& result) {
  ApiResponse response;
  response.headers.emplace_back("Content-Type", "application/json");
  if (result.ok()) {
    response.body = DumpJson(*result);
  } else {
    response.status = ToAwsError(result.error()).http_status;
    response.body = AwsErrorBody(result.error());
  }
  return response;
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

void AddAgentRoutes(HttpServer& server, AgentGateway& gateway) {
  server.Route("POST", "/agent/v1/register",
               [&gateway](const HttpRequestView& r) { return HandleAgentRegister(gateway, r); });
  server.Route("POST", "/agent/v1/report",
               [&gateway](const HttpRequestView& r) { return HandleAgentReport(gateway, r); });
}

}  // namespace trainyard
