// The server's agent endpoints (protocol in model/agent_protocol.h):
//   POST /agent/v1/register, POST /agent/v1/report,
//   PUT and GET /agent/v1/rendezvous?key=<percent-encoded key>
// Authenticated by the job's bearer token (checked by the AgentGateway);
// errors use the same JSON error shape as the API.
#pragma once

#include "api/http_server.h"
#include "controller/agent_gateway.h"

namespace trainyard {

void AddAgentRoutes(HttpServer& server, AgentGateway& gateway);

// The route handlers, for tests without a socket.
ApiResponse HandleAgentRegister(AgentGateway& gateway, const HttpRequestView& request);
ApiResponse HandleAgentReport(AgentGateway& gateway, const HttpRequestView& request);
// PUT: the raw body is the value; 204 when stored.
ApiResponse HandleRendezvousPut(AgentGateway& gateway, const HttpRequestView& request);
// GET: 200 with the raw value (application/octet-stream), or 404 with a
// ResourceNotFound JSON error while the key is not set.
ApiResponse HandleRendezvousGet(AgentGateway& gateway, const HttpRequestView& request);

}  // namespace trainyard
