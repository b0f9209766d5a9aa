// The collective check in a child process: the agent starts its own
// executable again (`<agent> collective-check`), which loads Gloo
// (trainyard-gloo.so), meets the other instances in the server's rendezvous,
// prints its result and exits. The agent itself never maps Gloo and the
// libraries it brings (InfiniBand verbs, netlink), which stay resident once
// loaded (Gloo cannot be unloaded); a crash in Gloo ends the child, not the
// agent; and the child's exit closes every Gloo connection at once.
//
// Protocol: argv carries --server, --job, --host and --options (the
// CollectiveCheckOptions as JSON); the token comes in TRAINYARD_AGENT_TOKEN,
// never on the command line. The child's last line on stdout is
// kCollectiveResultMarker followed by the CollectiveResult as JSON; exit
// status 0. Anything else is an error, with the child's output as the reason.
// Thread safety: RunCollectiveCheckInChild may be called from any thread.
#pragma once

#include <string>
#include <vector>

#include "collective/http_rendezvous_client.h"
#include "collective/collective_check.h"
#include "common/json.h"
#include "common/result.h"

namespace trainyard {

inline constexpr char kCollectiveResultMarker[] = "trainyard-collective-result ";

Json CollectiveCheckOptionsToJson(const CollectiveCheckOptions& o);
// kInvalidArgument when `j` is not an object of that shape.
Result<CollectiveCheckOptions> CollectiveCheckOptionsFromJson(const Json& j);

// Parent side: runs `executable collective-check ...` with `environment`
// (the child's whole environment; the token is added) and waits for its
// result, for at most the check's own bounds plus a margin. Errors:
// kUnavailable when the child cannot start, is killed, times out or prints
// no result (the message carries the end of its output).
Result<CollectiveResult> RunCollectiveCheckInChild(const std::string& executable,
                                                   const std::vector<std::string>& environment,
                                                   const HttpRendezvousClientOptions& server,
                                                   const CollectiveCheckOptions& options);

// Child side: the body of `collective-check`; returns the exit status. The
// child is killed when its parent (the agent) dies.
int CollectiveCheckChildMain(const HttpRendezvousClientOptions& server, const std::string& options_json);

}  // namespace trainyard
