// BackoffPolicy: how long to wait before retrying a failed store call:
// exponential growth from `initial`, capped at `max`, with random jitter so
// that many failed operations (or many instances) do not retry in lockstep.
//
// The randomness is an argument (a uniform draw in [0, 1)), so the policy is
// a pure function and callers choose the source (a seeded engine in tests).
// Thread-safe (no state).
#pragma once

#include <chrono>
#include <cstdint>

namespace trainyard {

struct BackoffOptions {
  std::chrono::milliseconds initial{250};  // the delay before the first retry, before jitter
  std::chrono::milliseconds max{30'000};   // no delay is longer than this
  double multiplier = 2.0;                 // growth per further failure
  double jitter = 0.5;                     // the delay is drawn from [d * (1 - jitter), d]
};

// The delay before retry number `attempt` (1 = after the first failure), in
// milliseconds: d = min(max, initial * multiplier^(attempt-1)), then reduced by
// up to `jitter * d` according to `unit_random` (in [0, 1); 0 keeps d). Never
// negative, never above `max`. An attempt below 1 counts as 1.
int64_t BackoffDelayMs(const BackoffOptions& options, int attempt, double unit_random);

}  // namespace trainyard
