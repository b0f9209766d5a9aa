#include "collective/collective_check.h"

#include <gloo/allreduce.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/transport/tcp/device.h>

#include <algorithm>
#include <set>

#include "collective/gloo_store.h"
#include "collective/pair_schedule.h"
#include "common/clock.h"
#include "common/sleeper.h"

namespace trainyard {
namespace {

using Device = std::shared_ptr<gloo::transport::Device>;

// What one allreduce test (one context, warm-up plus timed iterations) gave.
struct Measurement {
  bool ok = false;
  std::string error;
  double seconds = 0;  // mean per timed iteration
};

// One context's allreduce of `elements` floats.
struct AllreduceSpec {
  std::string prefix;  // rendezvous prefix of this context
  int rank = 0;
  int size = 1;
  size_t elements = 0;
  int iterations = 1;
  std::chrono::milliseconds timeout{0};
};

// Rank r contributes r + 1 + (i % 13) at element i: small integers, so float
// sums are exact and a misplaced or corrupted chunk shows.
float Contribution(int rank, size_t i) { return static_cast<float>(rank + 1 + static_cast<int>(i % 13)); }

float ExpectedSum(int size, size_t i) {
  return static_cast<float>(size * static_cast<int>(i % 13) + size * (size + 1) / 2);
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

// Runs one allreduce test; catches everything Gloo throws.
Measurement RunAllreduce(RendezvousClient& rendezvous, Device& device, const AllreduceSpec& spec) {
  SystemClock clock;
  RealSleeper sleeper;
  std::string stage = "rendezvous";
  try {
    ServerGlooStore store(rendezvous, {.prefix = spec.prefix, .timeout = spec.timeout}, clock, sleeper);
    auto context = std::make_shared<gloo::rendezvous::Context>(spec.rank, spec.size);
    context->setTimeout(spec.timeout);
    context->connectFullMesh(store, device);
    stage = "allreduce";
    std::vector<float> in(spec.elements), out(spec.elements);
    for (size_t i = 0; i < in.size(); ++i) in[i] = Contribution(spec.rank, i);
    std::chrono::steady_clock::duration timed{0};
    for (int it = 0; it <= spec.iterations; ++it) {  // iteration 0 is the warm-up
      std::fill(out.begin(), out.end(), 0.0f);
      gloo::AllreduceOptions opts(context);
      opts.setInput(in.data(), in.size());
      opts.setOutput(out.data(), out.size());
      opts.setReduceFunction(
          static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
      opts.setAlgorithm(gloo::AllreduceOptions::Algorithm::RING);
      opts.setTag(static_cast<uint32_t>(it));
      opts.setTimeout(spec.timeout);
      auto start = std::chrono::steady_clock::now();
      gloo::allreduce(opts);
      if (it > 0) timed += std::chrono::steady_clock::now() - start;
      if (std::string wrong = CheckSums(out, spec.size); !wrong.empty()) return {false, wrong, 0};
    }
    return {true, "", std::chrono::duration<double>(timed).count() / spec.iterations};
  } catch (const std::exception& e) {  // gloo::Exception and gloo::EnforceNotMet among them
    return {false, stage + ": " + e.what(), 0};
  }
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

std::vector<PeerResult> PairwiseTests(RendezvousClient& rendezvous, Device& device,
                                      const CollectiveCheckOptions& o, const std::set<int>& absent) {
  std::vector<PeerResult> peers;
  const int64_t elements = std::max<int64_t>(1, o.pair_bytes / static_cast<int64_t>(sizeof(float)));
  for (int round = 0; round < PairRounds(o.size); ++round) {
    int peer_rank = PairPartner(o.rank, o.size, round);
    if (peer_rank < 0) continue;
    PeerResult peer;
    peer.rank = peer_rank;
    peer.host = o.hosts.empty() ? "" : o.hosts[peer_rank];
    peer.bytes = elements * static_cast<int64_t>(sizeof(float));
    if (absent.count(peer_rank) > 0) {
      peer.error = "not tested: " + Label(o, peer_rank) + " did not join the full-mesh rendezvous";
    } else {
      int a = std::min(o.rank, peer_rank), b = std::max(o.rank, peer_rank);
      Measurement m = RunAllreduce(
          rendezvous, device,
          {JoinRendezvousKey(o.prefix, "pair-" + std::to_string(a) + "-" + std::to_string(b)),
           o.rank == a ? 0 : 1, 2, static_cast<size_t>(elements), o.iterations, o.timeout});
      peer.ok = m.ok;
      peer.error = m.error;
      peer.seconds = m.seconds;
      peer.algbw_bytes_per_s = Bandwidth(peer.bytes, m.seconds);
    }
    peers.push_back(std::move(peer));
  }
  SortByRank(peers);
  return peers;
}

}  // namespace

Result<CollectiveResult> RunGlooCollectiveCheck(RendezvousClient& rendezvous,
                                                const CollectiveCheckOptions& o) {
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
  Measurement mesh = RunAllreduce(rendezvous, device,
                                  {mesh_prefix, o.rank, o.size, elements, o.iterations, o.timeout});
  result.ok = mesh.ok;
  result.seconds = mesh.seconds;
  result.algbw_bytes_per_s = Bandwidth(result.bytes, mesh.seconds);
  std::set<int> absent;
  if (!mesh.ok) {
    absent = AbsentRanks(rendezvous, mesh_prefix, o);
    result.error = MeshError(o, absent, mesh.error);
  }
  if (o.pair_bytes > 0) result.peers = PairwiseTests(rendezvous, device, o, absent);
  return result;
}

}  // namespace trainyard
