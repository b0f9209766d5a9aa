// Waiting between retries: exponential backoff with full jitter (the
// waiting itself goes through the Sleeper seam, common/sleeper.h, so no test
// really waits).
//
// Full jitter: before retry n (1 for the first retry) wait a uniformly random
// time in [0, min(cap, base * 2^(n-1))]; callers that retry at once after an
// overload then spread out instead of failing together.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

#include "common/sleeper.h"

namespace trainyard {

// Computes retry delays from a seeded random source (the same seed gives
// the same delays). Thread-safe.
class JitteredBackoff {
 public:
  JitteredBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed);

  // The delay before retry `retry` (>= 1).
  std::chrono::milliseconds Delay(int retry);

  // The upper bound Delay(retry) draws below: min(cap, base * 2^(retry-1)).
  std::chrono::milliseconds Ceiling(int retry) const;

 private:
  const std::chrono::milliseconds base_;
  const std::chrono::milliseconds cap_;
  std::mutex mu_;
  std::mt19937_64 random_;
};

}  // namespace trainyard
