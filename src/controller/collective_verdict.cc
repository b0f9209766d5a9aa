#include "controller/collective_verdict.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <set>

namespace trainyard {
namespace {

using Results = std::map<std::string, std::optional<CollectiveResult>>;
using PairKey = std::pair<std::string, std::string>;  // hosts, sorted

PairKey KeyOf(const std::string& a, const std::string& b) { return a < b ? PairKey{a, b} : PairKey{b, a}; }

// What the two sides of a pair said, together.
struct PairState {
  bool failed = false;
  std::string error;  // the first failure's
  double bandwidth = std::numeric_limits<double>::infinity();  // the lower side's
};

std::string Rate(double bytes_per_s) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB/s", bytes_per_s / 1e6);
  return text;
}

// The pairs among reporting hosts, from every side that reported them.
std::map<PairKey, PairState> CollectPairs(const Results& results) {
  std::vector<std::string> hosts;
  for (const auto& [host, result] : results) hosts.push_back(host);
  std::map<PairKey, PairState> pairs;
  for (const auto& [host, result] : results) {
    if (!result) continue;
    for (const PeerResult& peer : result->peers) {
      std::string peer_host = peer.host;
      if (peer_host.empty() && peer.rank >= 0 && peer.rank < static_cast<int>(hosts.size())) {
        peer_host = hosts[peer.rank];
      }
      auto it = results.find(peer_host);
      if (peer_host == host || it == results.end() || !it->second) continue;
      PairState& state = pairs[KeyOf(host, peer_host)];
      if (!peer.ok) {
        if (!state.failed) state.error = peer.error.empty() ? "failed" : peer.error;
        state.failed = true;
      } else {
        state.bandwidth = std::min(state.bandwidth, peer.algbw_bytes_per_s);
      }
    }
  }
  return pairs;
}

bool Involves(const PairKey& key, const std::string& host) {
  return key.first == host || key.second == host;
}

// The median bandwidth of the passed pairs that do not involve `host`.
std::optional<double> MedianOfOthers(const std::map<PairKey, PairState>& pairs, const std::string& host) {
  std::vector<double> rates;
  for (const auto& [key, state] : pairs) {
    if (!Involves(key, host) && !state.failed) rates.push_back(state.bandwidth);
  }
  if (rates.empty()) return std::nullopt;
  std::sort(rates.begin(), rates.end());
  size_t mid = rates.size() / 2;
  return rates.size() % 2 == 1 ? rates[mid] : (rates[mid - 1] + rates[mid]) / 2;
}

// "algo-2 (failed: ...)" or "algo-3 (slow: ...)" for each bad pair of `host`.
std::vector<std::string> BadPairs(const std::map<PairKey, PairState>& pairs, const std::string& host,
                                  const CollectiveVerdictOptions& options) {
  std::optional<double> median = MedianOfOthers(pairs, host);
  std::vector<std::string> bad;
  for (const auto& [key, state] : pairs) {
    if (!Involves(key, host)) continue;
    const std::string& peer = key.first == host ? key.second : key.first;
    if (state.failed) {
      bad.push_back(peer + " (failed: " + state.error + ")");
    } else if (median && state.bandwidth < options.slow_fraction * *median) {
      bad.push_back(peer + " (slow: " + Rate(state.bandwidth) + ", the other pairs' median " +
                    Rate(*median) + ")");
    }
  }
  return bad;
}

// Every pair among the hosts other than `host` passed, and there is one.
bool OthersClean(const std::map<PairKey, PairState>& pairs, const std::string& host) {
  bool any = false;
  for (const auto& [key, state] : pairs) {
    if (Involves(key, host)) continue;
    if (state.failed) return false;
    any = true;
  }
  return any;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Rules 2 to 4 for one reporting host; "" when none applies.
std::string ReasonFor(const std::string& host, const Results& results,
                      const std::map<PairKey, PairState>& pairs, size_t reporting,
                      const CollectiveVerdictOptions& options) {
  const CollectiveResult& own = *results.at(host);
  if (reporting >= 3) {
    std::vector<std::string> bad = BadPairs(pairs, host, options);
    const size_t peers = reporting - 1;
    if (bad.size() * 2 > peers) {
      return "pair tests failed or were slow with " + std::to_string(bad.size()) + " of its " +
             std::to_string(peers) + " peers: " + Join(bad, "; ");
    }
    if (!bad.empty() && OthersClean(pairs, host)) {
      return "pair tests failed or were slow with " + Join(bad, "; ") +
             ", while every pair among the other instances passed";
    }
  }
  if (!own.ok) {
    bool others_passed = true;
    for (const auto& [other, result] : results) {
      if (other != host && result && !result->ok) others_passed = false;
    }
    if (others_passed && (reporting >= 2 || results.size() == 1)) {
      return "its collective check failed" +
             std::string(reporting >= 2 ? " while the other instances' passed" : "") + ": " +
             own.error;
    }
  }
  return "";
}

// Rule 5: two reporting hosts with a failure between them.
std::vector<FaultyInstance> JudgeTwo(const Results& results, const std::map<PairKey, PairState>& pairs) {
  std::vector<std::string> two;
  std::string error;
  for (const auto& [host, result] : results) {
    if (!result) continue;
    two.push_back(host);
    if (!result->ok && error.empty()) error = result->error;
  }
  auto pair = pairs.find(KeyOf(two[0], two[1]));
  bool pair_failed = pair != pairs.end() && pair->second.failed;
  if (!pair_failed && !(results.size() == 2 && !error.empty())) return {};
  std::string reason = "the collective check between " + two[0] + " and " + two[1] + " failed (" +
                       (pair_failed ? pair->second.error : error) +
                       "); with two instances neither can be singled out";
  return {{two[0], reason}, {two[1], reason}};
}

std::string Summarize(const Results& results, const CollectiveVerdict& verdict) {
  if (verdict.passed) {
    double slowest = std::numeric_limits<double>::infinity();
    for (const auto& [host, result] : results) slowest = std::min(slowest, result->algbw_bytes_per_s);
    return "passed on " + std::to_string(results.size()) + " instance(s); full-mesh allreduce " +
           Rate(slowest) + " on the slowest";
  }
  if (!verdict.faulty.empty()) {
    std::vector<std::string> hosts;
    for (const FaultyInstance& f : verdict.faulty) hosts.push_back(f.host);
    return "failed; faulty: " + Join(hosts, ", ");
  }
  for (const auto& [host, result] : results) {
    if (result && !result->ok) {
      return "failed, not attributable to one instance: " + host + ": " + result->error;
    }
  }
  return "failed, not attributable to one instance (pair tests failed or were slow)";
}

}  // namespace

CollectiveVerdict JudgeCollectiveCheck(const Results& results, const CollectiveVerdictOptions& options) {
  CollectiveVerdict verdict;
  if (results.empty()) {
    verdict.summary = "no instances";
    return verdict;
  }
  const std::map<PairKey, PairState> pairs = CollectPairs(results);
  size_t reporting = 0;
  bool all_ok = true;
  for (const auto& [host, result] : results) {
    if (result) ++reporting;
    if (!result || !result->ok) all_ok = false;
  }
  for (const auto& [host, result] : results) {
    std::string reason = result ? ReasonFor(host, results, pairs, reporting, options)
                                : "did not report a collective check result";
    if (!reason.empty()) verdict.faulty.push_back({host, std::move(reason)});
  }
  if (reporting == 2 && verdict.faulty.size() == results.size() - 2) {
    for (FaultyInstance& f : JudgeTwo(results, pairs)) verdict.faulty.push_back(std::move(f));
    std::sort(verdict.faulty.begin(), verdict.faulty.end(),
              [](const FaultyInstance& a, const FaultyInstance& b) { return a.host < b.host; });
  }
  bool any_bad_pair = false;
  for (const auto& [host, result] : results) {
    if (result && !BadPairs(pairs, host, options).empty()) any_bad_pair = true;
  }
  verdict.passed = all_ok && !any_bad_pair && verdict.faulty.empty();
  verdict.summary = Summarize(results, verdict);
  return verdict;
}

}  // namespace trainyard
