#include "collective/collective_check.h"

#include <gloo/allreduce.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/transport/tcp/device.h>

#include <algorithm>
#include <optional>
#include <set>

#include "collective/gloo_loop_waker.h"
#include "collective/gloo_store.h"
#include "collective/pair_schedule.h"
#include "common/clock.h"
#include "common/sleeper.h"

namespace trainyard {
namespace {

using Device = std::shared_ptr<gloo::transport::Device>;

// What one timed test (warm-up plus timed iterations) gave.
struct Measurement {
  bool ok = false;
  std::string error;
  double seconds = 0;  // the fastest timed iteration
};

using Context = std::shared_ptr<gloo::rendezvous::Context>;

// What a caller may close later (see RunGlooCollectiveCheck): the context
// first, then its device.
struct OpenConnections {
  Context mesh;
  Device device;
  ~OpenConnections() { mesh.reset(); }
};

// The fastest of the timed iterations: what the link can do, as little
// disturbed as possible by other processes taking the CPU for a while (a
// slow link is slow in every iteration).
class Fastest {
 public:
  void Add(std::chrono::steady_clock::duration d) { best_ = best_ ? std::min(*best_, d) : d; }
  double seconds() const { return best_ ? std::chrono::duration<double>(*best_).count() : 0; }

 private:
  std::optional<std::chrono::steady_clock::duration> best_;
};

// One context: `size` ranks meeting under `prefix`.
struct ContextSpec {
  std::string prefix;  // rendezvous prefix of this context
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{0};
};

// Rank r contributes r + 1 + (i % 13) at element i: small integers, so float
// sums are exact and a misplaced or corrupted chunk shows.
float Contribution(int rank, size_t i) { return static_cast<float>(rank + 1 + static_cast<int>(i % 13)); }

float ExpectedSum(int size, size_t i) {
  return static_cast<float>(size * static_cast<int>(i % 13) + size * (size + 1) / 2);
}

std::vector<float> ContributionOf(int rank, size_t elements) {
  std::vector<float> values(elements);
  for (size_t i = 0; i < values.size(); ++i) values[i] = Contribution(rank, i);
  return values;
}

std::string Label(const CollectiveCheckOptions& o, int rank) {
  std::string label = "rank " + std::to_string(rank);
  return o.hosts.empty() ? label : label + " (" + o.hosts[rank] + ")";
}

// Every element of `out` against the expected sum; "" when all are right.
std::string CheckSums(const std::vector<float>& out, int size) {
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] != ExpectedSum(size, i)) {
      return "wrong sum at element " + std::to_string(i) + ": " + std::to_string(out[i]) +
             ", expected " + std::to_string(ExpectedSum(size, i));
    }
  }
  return "";
}

// What `peer` sent, element by element; "" when all are right.
std::string CheckReceived(const std::vector<float>& in, int peer) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != Contribution(peer, i)) {
      return "wrong value received at element " + std::to_string(i) + ": " + std::to_string(in[i]) +
             ", expected " + std::to_string(Contribution(peer, i));
    }
  }
  return "";
}

// How long a rank waiting in the rendezvous may go between polls: 2 ms per
// rank, within [5 ms, 50 ms], so that a job's ranks poll the server about
// 500 times a second together (up to 25 ranks) while a small job does not
// sleep for tens of ms past the moment its last rank arrives.
std::chrono::milliseconds PollCap(int size) {
  return std::clamp(std::chrono::milliseconds(2 * size), std::chrono::milliseconds(5),
                    std::chrono::milliseconds(50));
}

// The context of `spec`, connected through the server's rendezvous, or
// nullptr with `*error` set; catches everything Gloo throws.
Context Connect(RendezvousClient& rendezvous, Device& device, const ContextSpec& spec, std::string* error) {
  SystemClock clock;
  RealSleeper sleeper;
  try {
    ServerGlooStore store(rendezvous,
                          {.prefix = spec.prefix, .timeout = spec.timeout, .max_backoff = PollCap(spec.size)},
                          clock, sleeper);
    auto context = std::make_shared<gloo::rendezvous::Context>(spec.rank, spec.size);
    context->setTimeout(spec.timeout);
    GlooLoopWaker waker(device);
    context->connectFullMesh(store, device);
    return context;
  } catch (const std::exception& e) {  // gloo::Exception and gloo::EnforceNotMet among them
    *error = std::string("rendezvous: ") + e.what();
    return nullptr;
  }
}

// Allreduces `elements` floats over `context`, one warm-up then
// `iterations` timed; catches everything Gloo throws.
Measurement TimeAllreduce(const Context& context, size_t elements, int iterations,
                          std::chrono::milliseconds timeout) {
  try {
    std::vector<float> in = ContributionOf(context->rank, elements), out(elements);
    Fastest fastest;
    for (int it = 0; it <= iterations; ++it) {  // iteration 0 is the warm-up
      std::fill(out.begin(), out.end(), 0.0f);
      gloo::AllreduceOptions opts(context);
      opts.setInput(in.data(), in.size());
      opts.setOutput(out.data(), out.size());
      opts.setReduceFunction(
          static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
      opts.setAlgorithm(gloo::AllreduceOptions::Algorithm::RING);
      opts.setTag(static_cast<uint32_t>(it));
      opts.setTimeout(timeout);
      auto start = std::chrono::steady_clock::now();
      gloo::allreduce(opts);
      if (it > 0) fastest.Add(std::chrono::steady_clock::now() - start);
      if (std::string wrong = CheckSums(out, context->size); !wrong.empty()) return {false, wrong, 0};
    }
    return {true, "", fastest.seconds()};
  } catch (const std::exception& e) {
    return {false, std::string("allreduce: ") + e.what(), 0};
  }
}

// Both ranks of a pair send each other `elements` floats at once over the
// pair's connection in `context` (one warm-up, then `iterations` timed),
// each checking what it received. Both call it with the same `slot`, which
// no other exchange on the context uses; catches everything Gloo throws.
Measurement TimeExchange(const Context& context, int peer, size_t elements, int iterations,
                         std::chrono::milliseconds timeout, uint64_t slot) {
  try {
    std::vector<float> out = ContributionOf(context->rank, elements), in(elements);
    auto send = context->createUnboundBuffer(out.data(), out.size() * sizeof(float));
    auto recv = context->createUnboundBuffer(in.data(), in.size() * sizeof(float));
    Fastest fastest;
    for (int it = 0; it <= iterations; ++it) {  // iteration 0 is the warm-up
      std::fill(in.begin(), in.end(), 0.0f);
      auto start = std::chrono::steady_clock::now();
      recv->recv(peer, slot);
      send->send(peer, slot);
      if (!recv->waitRecv(timeout) || !send->waitSend(timeout)) return {false, "exchange: aborted", 0};
      if (it > 0) fastest.Add(std::chrono::steady_clock::now() - start);
      if (std::string wrong = CheckReceived(in, peer); !wrong.empty()) return {false, wrong, 0};
    }
    return {true, "", fastest.seconds()};
  } catch (const std::exception& e) {
    return {false, std::string("exchange: ") + e.what(), 0};
  }
}

// Connects a context for `spec` and allreduces over it: the pairwise tests'
// fallback when the full mesh failed.
Measurement ConnectAndAllreduce(RendezvousClient& rendezvous, Device& device, const ContextSpec& spec,
                                size_t elements, int iterations) {
  std::string error;
  Context context = Connect(rendezvous, device, spec, &error);
  if (!context) return {false, error, 0};
  return TimeAllreduce(context, elements, iterations, spec.timeout);
}

double Bandwidth(int64_t bytes, double seconds) { return seconds > 0 ? bytes / seconds : 0; }

// The ranks whose full-mesh address never reached the rendezvous.
std::set<int> AbsentRanks(RendezvousClient& rendezvous, const std::string& mesh_prefix,
                          const CollectiveCheckOptions& o) {
  std::set<int> absent;
  for (int r = 0; r < o.size; ++r) {
    if (r == o.rank) continue;
    Result<std::optional<std::string>> key =
        rendezvous.Get(JoinRendezvousKey(mesh_prefix, std::to_string(r)));
    if (key.ok() && !key->has_value()) absent.insert(r);
  }
  return absent;
}

Status Validate(const CollectiveCheckOptions& o) {
  std::string problem;
  if (o.size < 1) problem = "size must be at least 1";
  else if (o.rank < 0 || o.rank >= o.size) problem = "rank must be in [0, size)";
  else if (o.bytes < static_cast<int64_t>(sizeof(float))) problem = "bytes must be at least 4";
  else if (o.pair_bytes < 0) problem = "pair_bytes must not be negative";
  else if (o.iterations < 1) problem = "iterations must be at least 1";
  else if (o.timeout.count() <= 0) problem = "timeout must be positive";
  else if (o.prefix.empty()) problem = "prefix must not be empty";
  else if (!o.hosts.empty() && static_cast<int>(o.hosts.size()) != o.size) {
    problem = "hosts must name every rank";
  }
  if (problem.empty()) return Ok();
  return MakeError(ErrorCode::kInvalidArgument, "collective check: " + problem);
}

void SortByRank(std::vector<PeerResult>& peers) {
  std::sort(peers.begin(), peers.end(),
            [](const PeerResult& x, const PeerResult& y) { return x.rank < y.rank; });
}

// The rank's scheduled peers, each failed with `why`.
std::vector<PeerResult> UntestedPeers(const CollectiveCheckOptions& o, const std::string& why) {
  std::vector<PeerResult> peers;
  for (int round = 0; round < PairRounds(o.size); ++round) {
    int peer_rank = PairPartner(o.rank, o.size, round);
    if (peer_rank < 0) continue;
    PeerResult peer;
    peer.rank = peer_rank;
    peer.host = o.hosts.empty() ? "" : o.hosts[peer_rank];
    peer.error = why;
    peers.push_back(std::move(peer));
  }
  SortByRank(peers);
  return peers;
}

// "full-mesh allreduce: rank 2 (algo-3) did not join the rendezvous within
// 1000 ms; <what Gloo said>"
std::string MeshError(const CollectiveCheckOptions& o, const std::set<int>& absent,
                      const std::string& gloo_error) {
  std::string missing;
  for (int r : absent) missing += (missing.empty() ? "" : ", ") + Label(o, r);
  std::string error = "full-mesh allreduce: ";
  if (!missing.empty()) {
    error += missing + " did not join the rendezvous within " + std::to_string(o.timeout.count()) +
             " ms; ";
  }
  return error + gloo_error;
}

// Runs `test` for each of the rank's scheduled peers, round by round (every
// rank goes through the same rounds, so partners meet): one PeerResult each.
template <typename Test>
std::vector<PeerResult> EachScheduledPeer(const CollectiveCheckOptions& o, Test test) {
  std::vector<PeerResult> peers;
  const int64_t elements = std::max<int64_t>(1, o.pair_bytes / static_cast<int64_t>(sizeof(float)));
  for (int round = 0; round < PairRounds(o.size); ++round) {
    int peer_rank = PairPartner(o.rank, o.size, round);
    if (peer_rank < 0) continue;
    PeerResult peer;
    peer.rank = peer_rank;
    peer.host = o.hosts.empty() ? "" : o.hosts[peer_rank];
    peer.bytes = elements * static_cast<int64_t>(sizeof(float));
    Measurement m = test(round, peer_rank, static_cast<size_t>(elements));
    peer.ok = m.ok;
    peer.error = m.error;
    peer.seconds = m.seconds;
    peer.algbw_bytes_per_s = m.ok ? Bandwidth(peer.bytes, m.seconds) : 0;
    peers.push_back(std::move(peer));
  }
  SortByRank(peers);
  return peers;
}

// The healthy path: each pair exchanges over its connection in the full
// mesh, no further rendezvous. Slots above the allreduces' tags, one per
// round.
std::vector<PeerResult> PairwiseOverMesh(const Context& mesh, const CollectiveCheckOptions& o) {
  const uint64_t first_slot = static_cast<uint64_t>(mesh->nextSlot(std::max(1, PairRounds(o.size))));
  return EachScheduledPeer(o, [&](int round, int peer, size_t elements) {
    return TimeExchange(mesh, peer, elements, o.iterations, o.timeout, first_slot + round);
  });
}

// After a failed full mesh: each pair builds a two-rank context of its own
// (rendezvous <prefix>/pair-<a>-<b>), so a broken link or host shows by
// which pairs fail; peers that never joined the mesh are not waited for.
std::vector<PeerResult> PairwiseWithOwnContexts(RendezvousClient& rendezvous, Device& device,
                                                const CollectiveCheckOptions& o, const std::set<int>& absent) {
  return EachScheduledPeer(o, [&](int round, int peer, size_t elements) -> Measurement {
    if (absent.count(peer) > 0) {
      return {false, "not tested: " + Label(o, peer) + " did not join the full-mesh rendezvous", 0};
    }
    int a = std::min(o.rank, peer), b = std::max(o.rank, peer);
    ContextSpec spec{JoinRendezvousKey(o.prefix, "pair-" + std::to_string(a) + "-" + std::to_string(b)),
                     o.rank == a ? 0 : 1, 2, o.timeout};
    return ConnectAndAllreduce(rendezvous, device, spec, elements, o.iterations);
  });
}

}  // namespace

Result<CollectiveResult> RunGlooCollectiveCheck(RendezvousClient& rendezvous,
                                                const CollectiveCheckOptions& o,
                                                std::shared_ptr<void>* connections) {
  TY_RETURN_IF_ERROR(Validate(o));
  CollectiveResult result;
  result.rank = o.rank;
  result.size = o.size;
  const size_t elements = static_cast<size_t>(o.bytes) / sizeof(float);
  result.bytes = static_cast<int64_t>(elements * sizeof(float));
  result.iterations = o.iterations;
  result.nccl = ProbeNccl(o.nccl).note;

  Device device;
  try {
    gloo::transport::tcp::attr attr;
    attr.hostname = o.hostname;
    device = gloo::transport::tcp::CreateDevice(attr);
  } catch (const std::exception& e) {
    result.error = "cannot open a Gloo TCP device on " + o.hostname + ": " + e.what();
    if (o.pair_bytes > 0) result.peers = UntestedPeers(o, "not tested: no TCP device");
    return result;
  }

  const std::string mesh_prefix = JoinRendezvousKey(o.prefix, "mesh");
  std::string connect_error;
  Context mesh = Connect(rendezvous, device, {mesh_prefix, o.rank, o.size, o.timeout}, &connect_error);
  Measurement measured = mesh ? TimeAllreduce(mesh, elements, o.iterations, o.timeout)
                              : Measurement{false, connect_error, 0};
  result.ok = measured.ok;
  result.seconds = measured.seconds;
  result.algbw_bytes_per_s = Bandwidth(result.bytes, measured.seconds);
  if (measured.ok) {
    if (o.pair_bytes > 0 && o.pairwise_after_healthy_mesh) result.peers = PairwiseOverMesh(mesh, o);
    if (connections) *connections = std::make_shared<OpenConnections>(OpenConnections{mesh, device});
    return result;
  }
  mesh.reset();
  std::set<int> absent = AbsentRanks(rendezvous, mesh_prefix, o);
  result.error = MeshError(o, absent, measured.error);
  if (o.pair_bytes > 0) result.peers = PairwiseWithOwnContexts(rendezvous, device, o, absent);
  return result;
}

}  // namespace trainyard
