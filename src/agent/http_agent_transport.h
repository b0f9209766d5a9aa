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

namespace trainyard {

struct HttpAgentTransportOptions {
  std::string server_url;  // "http://127.0.0.1:8080" or "https://..."
  std::string job_name;
  std::string host;        // "algo-1"
  std::string token;       // the per-job bearer token
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};
};

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
