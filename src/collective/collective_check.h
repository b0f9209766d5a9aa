// The collective-communication check run before training ("preflight"): all
// instances of a job meet in a rendezvous served by the server and run Gloo
// allreduces over TCP, so that a host whose network path is broken or slow
// is found before the training does.
//
// RunGlooCollectiveCheck, called by every rank of the job at about the same
// time:
//   1. a full-mesh allreduce of `bytes` (floats), timed over `iterations`
//      after one warm-up, every element checked against the exact sum;
//   2. pairwise tests: a round-robin tournament (pair_schedule.h) in which
//      the two ranks of each pair send each other `pair_bytes` at once over
//      their connection in the full mesh (no further rendezvous), each
//      checking what arrived, so that a failure or a slow link points at a
//      host (controller/collective_verdict.h draws the conclusion). When the
//      full mesh itself failed, each pair builds a two-rank context of its
//      own and allreduces instead, so the faulty host can still be named;
//   3. the NCCL probe (nccl_probe.h): a note only, for now.
// Rendezvous keys: <prefix>/mesh/..., and after a failed mesh
// <prefix>/pair-<a>-<b>/... (a < b).
//
// Waiting ranks poll the rendezvous with a doubling backoff capped at 2 ms
// per rank (5 to 50 ms): about 500 polls a second per job at most, up to
// 25 ranks.
// A rank that cannot reach the rendezvous or a peer within `timeout` gets
// ok = false (or a failed PeerResult) with the reason; a peer that never
// joined the full mesh is named in the error and not waited for again in the
// pairwise tests. Each rendezvous and each allreduce is bounded by `timeout`,
// so the whole check ends within about (1 + PairRounds(size)) x timeout.
// Thread safety: calls for different ranks may run on different threads of
// one process (tests do), each with its own options.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collective/nccl_probe.h"
#include "collective/rendezvous_client.h"
#include "common/result.h"
#include "model/collective_result.h"

namespace trainyard {

struct CollectiveCheckOptions {
  int rank = 0;
  int size = 1;
  // Host of each rank (all `size` of them, "algo-1" ...), for the results
  // and messages; may be left empty.
  std::vector<std::string> hosts;
  // Rendezvous key prefix of this check, e.g. "attempt-1/preflight": below
  // the attempt's prefix, and unique per attempt (keys are never reused).
  std::string prefix;
  // The address Gloo listens on and gives its peers: the instance's host
  // name ("algo-2", resolved through /etc/hosts), or 127.0.0.1 when all
  // ranks share the loopback.
  std::string hostname = "127.0.0.1";
  int64_t bytes = 16 << 20;       // full-mesh payload per iteration (whole floats, >= 4)
  int64_t pair_bytes = 4 << 20;   // each pairwise test's payload; 0 skips the pairwise tests
  // false: pairwise tests only after a failed full mesh, to locate the fault.
  // For instances that share one loopback device, where a slow pair cannot
  // point at a host (every pair is the same device) and would only add time.
  bool pairwise_after_healthy_mesh = true;
  int iterations = 3;             // timed iterations (>= 1), after one untimed warm-up;
                                  // a test's time is its fastest iteration
  std::chrono::milliseconds timeout{30000};  // per rendezvous and per allreduce
  NcclProbeOptions nccl;
};

// Runs the check for one rank. The result's `ok`, `error` and `peers` say
// what was found (a failed check is a result, not an error). Errors:
// kInvalidArgument for options that make no sense (rank outside [0, size),
// size < 1, bytes < 4, iterations < 1, a non-positive timeout, an empty
// prefix, hosts of the wrong count).
//
// Closing Gloo's connections and device takes time (each connection waits
// for a tick of Gloo's event loop, every 10 ms): with `connections` given,
// they are handed over still open instead, for the caller to drop (on
// another thread, say) once the result is on its way.
Result<CollectiveResult> RunGlooCollectiveCheck(RendezvousClient& rendezvous,
                                                const CollectiveCheckOptions& options,
                                                std::shared_ptr<void>* connections = nullptr);

}  // namespace trainyard
