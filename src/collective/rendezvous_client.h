// RendezvousClient: the agent's view of its job's rendezvous, a key-value
// store that the server keeps for the current attempt (PUT/GET
// /agent/v1/rendezvous, model/agent_protocol.h). The collective check builds
// its Gloo store on it (gloo_store.h).
//
// Keys are printable ASCII (at most 512 bytes) below the attempt's prefix;
// values are bytes (at most 1 MiB). Implementations: HttpRendezvousClient
// (the server), FakeRendezvousClient (in memory, for tests).
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace trainyard {

class RendezvousClient {
 public:
  virtual ~RendezvousClient() = default;
  // Stores `value` under `key`, replacing any value. kUnavailable when the
  // server cannot be reached (retrying may help); kInvalidArgument,
  // kResourceExhausted or kFailedPrecondition when the server refuses.
  virtual Status Set(const std::string& key, const std::string& value) = 0;
  // The value, or nullopt while `key` is not set. Errors as for Set.
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
};

}  // namespace trainyard
