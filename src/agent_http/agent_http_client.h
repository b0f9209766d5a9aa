// The HTTP connection an agent keeps to its server: the URL checked, the
// timeouts set, and the headers of the agent protocol (X-Trainyard-Job,
// X-Trainyard-Host, Authorization: Bearer <token>; model/agent_protocol.h)
// sent with every request. Used by the agent's reports (HttpAgentTransport)
// and by the collective check's rendezvous (HttpRendezvousClient), each
// with a connection of its own.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"

namespace httplib {
class Client;
}

namespace trainyard {

struct AgentHttpOptions {
  std::string server_url;  // "http://127.0.0.1:8080" or "https://..."
  std::string job_name;
  std::string host;        // "algo-1"
  std::string token;       // the per-job bearer token
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};  // also the write timeout
};

// A keep-alive client with TCP_NODELAY. kInvalidArgument for a URL that is
// not http(s)://host[:port]. Not thread-safe (one connection).
Result<std::unique_ptr<httplib::Client>> OpenAgentHttpClient(const AgentHttpOptions& options);

}  // namespace trainyard
