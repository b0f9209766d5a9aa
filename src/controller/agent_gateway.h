// AgentGateway: what the server's agent endpoints call (see
// model/agent_protocol.h for the protocol). Implemented by the JobController.
// Errors: kUnrecognizedClient for an unknown job, host or token (an agent of
// one job can never reach another), kFailedPrecondition for a job that is no
// longer running.
#pragma once

#include <string>

#include "common/result.h"
#include "model/agent_protocol.h"

namespace trainyard {

class AgentGateway {
 public:
  virtual ~AgentGateway() = default;
  virtual Result<Assignment> Register(const std::string& job, const std::string& host,
                                      const std::string& token) = 0;
  virtual Result<AgentCommand> Report(const std::string& job, const std::string& host,
                                      const std::string& token, const AgentReport& report) = 0;
};

}  // namespace trainyard
