// CollectiveResult: what one instance's collective-communication check
// ("preflight", src/collective) found, in a form free of Gloo so that the
// agent can report it and the server can judge it
// (controller/collective_verdict.h) and show it in `trainyard jobs describe`.
//
// JSON shape (AgentReport's "Collective" member), PascalCase like the rest of
// the agent protocol:
//   {"Ok": true, "Error": "", "Rank": 0, "Size": 3, "Bytes": 16777216,
//    "Iterations": 3, "Seconds": 0.021, "AlgbwBytesPerS": 7.9e8,
//    "Peers": [{"Rank": 1, "Host": "algo-2", "Ok": true, "Error": "",
//               "Bytes": 4194304, "Seconds": 0.005, "AlgbwBytesPerS": 8.1e8}],
//    "Nccl": "skipped: libnccl.so.2 not loadable"}
// Members other than "Ok" may be absent (they default to zero/empty).
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace trainyard {

// The pairwise test between this instance and one peer.
struct PeerResult {
  int rank = 0;                  // the peer's rank (index into the job's sorted hosts)
  std::string host;              // "algo-2" (empty when the check was not told host names)
  bool ok = false;               // the pair connected and every sum was right
  std::string error;             // why not, when !ok
  int64_t bytes = 0;             // bytes allreduced per iteration
  double seconds = 0;            // the fastest timed iteration, seconds
  double algbw_bytes_per_s = 0;  // bytes / seconds
  bool operator==(const PeerResult&) const = default;
};

struct CollectiveResult {
  bool ok = false;               // the full-mesh allreduce ran and every sum was right
  std::string error;             // why not, when !ok
  int rank = 0;
  int size = 0;
  int64_t bytes = 0;             // bytes allreduced per iteration, all ranks together
  int iterations = 0;            // timed iterations (after one untimed warm-up)
  double seconds = 0;            // the fastest timed iteration, seconds
  double algbw_bytes_per_s = 0;  // bytes / seconds
  std::vector<PeerResult> peers; // one per other rank, by rank
  std::string nccl;              // what became of the NCCL check, e.g. "skipped: ..."
  bool operator==(const CollectiveResult&) const = default;
};

Json ToJson(const PeerResult& p);
Json ToJson(const CollectiveResult& r);
// kSerialization when `j` is not an object of the shape above.
Result<CollectiveResult> CollectiveResultFromJson(const Json& j);

}  // namespace trainyard
