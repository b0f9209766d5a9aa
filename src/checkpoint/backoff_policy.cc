#include "checkpoint/backoff_policy.h"

#include <algorithm>
#include <cmath>

namespace trainyard {

int64_t BackoffDelayMs(const BackoffOptions& options, int attempt, double unit_random) {
  const double cap = static_cast<double>(std::max<int64_t>(0, options.max.count()));
  const double exponent = static_cast<double>(std::max(attempt, 1) - 1);
  // pow overflows to +inf for large attempts, which the cap then clamps.
  double delay = static_cast<double>(std::max<int64_t>(0, options.initial.count())) *
                 std::pow(std::max(options.multiplier, 1.0), exponent);
  delay = std::min(delay, cap);
  const double jitter = std::clamp(options.jitter, 0.0, 1.0);
  const double draw = std::clamp(unit_random, 0.0, 1.0);
  delay -= delay * jitter * draw;
  return static_cast<int64_t>(std::clamp(delay, 0.0, cap));
}

}  // namespace trainyard
