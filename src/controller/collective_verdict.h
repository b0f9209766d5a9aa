// The verdict on a job's collective check: which instances the results point
// at as faulty (pure; the agents' results come in, hosts and reasons go out).
//
// Pairwise tests decide (each pair of instances allreduces on its own; see
// collective/collective_check.h). A pair failed when either side says so; its
// bandwidth is the lower of the two sides' figures. Rules, in order; the
// first that applies gives a host's reason:
//   1. A host that did not report a result is faulty. The other rules look
//      only at the hosts that reported and the pairs among them.
//   2. With three or more reporting hosts, a host whose pairs failed or were
//      slow with a majority of its peers is faulty. Slow: bandwidth below
//      slow_fraction x the median of the passed pairs not involving the host.
//   3. With three or more, a host with a failed or slow pair while every
//      pair among the others passed is faulty.
//   4. A host whose own check failed while every other reporting host's
//      passed is faulty.
//   5. With exactly two reporting hosts and a failure between them (their
//      pair failed, or, when they are the whole job, either check failed),
//      neither can be singled out: both are faulty, and the reason says so.
// A check that failed without any rule pointing at a host (say the full mesh
// failed everywhere while every pair passed) gives passed = false and no
// faulty host; the summary says it could not be attributed.
// Thread safety: pure function.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/collective_result.h"

namespace trainyard {

struct CollectiveVerdictOptions {
  // A pair slower than this fraction of the median of the other pairs is slow.
  double slow_fraction = 0.25;
};

struct FaultyInstance {
  std::string host;
  std::string reason;  // for people: "pair tests failed with 2 of its 2 peers: ..."
  bool operator==(const FaultyInstance&) const = default;
};

struct CollectiveVerdict {
  bool passed = false;                 // every host reported ok, no pair failed or was slow
  std::vector<FaultyInstance> faulty;  // sorted by host
  std::string summary;                 // one line for `trainyard jobs describe`
};

// `results` holds every host of the job, with nullopt for a host that never
// reported a result. Peers are matched by PeerResult::host; a peer without a
// host name is matched by rank as an index into `results`' (sorted) hosts.
CollectiveVerdict JudgeCollectiveCheck(
    const std::map<std::string, std::optional<CollectiveResult>>& results,
    const CollectiveVerdictOptions& options = {});

}  // namespace trainyard
