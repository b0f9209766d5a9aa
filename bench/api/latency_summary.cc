#include "latency_summary.h"

#include <algorithm>
#include <cmath>

namespace trainyard::bench {
namespace {

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

double NearestRank(const std::vector<int64_t>& sorted, double percent) {
  size_t rank =
      static_cast<size_t>(std::ceil(percent / 100.0 * static_cast<double>(sorted.size())));
  return Ms(sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1]);
}

}  // namespace

LatencySummary Summarize(std::vector<int64_t> latencies_ns) {
  LatencySummary summary;
  if (latencies_ns.empty()) return summary;
  std::sort(latencies_ns.begin(), latencies_ns.end());
  double total = 0;
  for (int64_t ns : latencies_ns) total += static_cast<double>(ns);
  summary.count = static_cast<int64_t>(latencies_ns.size());
  summary.mean_ms = total / static_cast<double>(latencies_ns.size()) / 1e6;
  summary.p50_ms = NearestRank(latencies_ns, 50);
  summary.p90_ms = NearestRank(latencies_ns, 90);
  summary.p99_ms = NearestRank(latencies_ns, 99);
  summary.max_ms = Ms(latencies_ns.back());
  return summary;
}

}  // namespace trainyard::bench
