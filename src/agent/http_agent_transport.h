// HttpAgentTransport: AgentTransport over HTTP(S) (cpp-httplib), sending the
// X-Trainyard-Job, X-Trainyard-Host and Authorization: Bearer headers that
// the protocol requires. Each call is one request with the configured
// timeouts; retrying is the caller's business (see AgentTransport).
// Thread safety: not thread-safe (one connection, reused).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/agent_transport.h"
#include "agent_http/agent_http_client.h"

namespace trainyard {

// The server, the agent's identity, and timeouts (agent_http/agent_http_client.h).
using HttpAgentTransportOptions = AgentHttpOptions;

class HttpAgentTransport : public AgentTransport {
 public:
  // kInvalidArgument for a server URL that is not http(s)://host[:port].
  static Result<std::unique_ptr<HttpAgentTransport>> Create(HttpAgentTransportOptions options);
  ~HttpAgentTransport() override;

  Result<Assignment> Register() override;
  Result<AgentCommand> Report(const AgentReport& report) override;

 private:
  struct Impl;  // keeps <httplib.h> out of headers
  explicit HttpAgentTransport(std::unique_ptr<Impl> impl);
  Result<Json> Post(const std::string& path, const Json& body);

  std::unique_ptr<Impl> impl_;
};

}  // namespace trainyard
