// AgentGateway: what the server's agent endpoints call (see
// model/agent_protocol.h for the protocol). Implemented by the JobController.
// Errors: kUnrecognizedClient for an unknown job, host or token (an agent of
// one job can never reach another), kFailedPrecondition for a job that is no
// longer running.
#pragma once

#include <optional>
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

  // The job's rendezvous (the collective check's key-value store): keys must
  // start with the current attempt's prefix (kInvalidArgument otherwise),
  // values are bytes. Set: kResourceExhausted when the job's store is full.
  // Get: nullopt while the key is not set.
  virtual Status RendezvousSet(const std::string& job, const std::string& host,
                               const std::string& token, const std::string& key,
                               std::string value) = 0;
  virtual Result<std::optional<std::string>> RendezvousGet(const std::string& job,
                                                           const std::string& host,
                                                           const std::string& token,
                                                           const std::string& key) = 0;
};

}  // namespace trainyard
