// Percentiles of a set of request latencies (nearest-rank method: the p-th
// percentile is the smallest sample with at least p% of samples at or below).
#pragma once

#include <cstdint>
#include <vector>

namespace trainyard::bench {

struct LatencySummary {
  int64_t count = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

// All zero when `latencies_ns` is empty. Sorts its argument.
LatencySummary Summarize(std::vector<int64_t> latencies_ns);

}  // namespace trainyard::bench
