// AgentTransport: how an agent talks to its server (model/agent_protocol.h).
// HttpAgentTransport is the real one; tests script a fake.
//
// Errors: kUnavailable when the server could not be reached or answered 5xx
// (worth retrying: the runner backs off and keeps training going);
// kFailedPrecondition when the server refuses this agent (401/403/404: a
// wrong token, a job that is gone); kSerialization for a reply that does not
// parse; kInvalidArgument for another 4xx.
// Thread safety: implementations need not be thread-safe; the runner calls
// them from one thread.
#pragma once

#include "common/result.h"
#include "model/agent_protocol.h"

namespace trainyard {

class AgentTransport {
 public:
  virtual ~AgentTransport() = default;
  // POST /agent/v1/register: this instance's part in the job.
  virtual Result<Assignment> Register() = 0;
  // POST /agent/v1/report: the instance's state; the reply says what next.
  virtual Result<AgentCommand> Report(const AgentReport& report) = 0;
};

}  // namespace trainyard
