#include "storage/backoff.h"

#include <algorithm>
#include <thread>

namespace trainyard {


JitteredBackoff::JitteredBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed)
    : base_(base), cap_(cap), random_(seed) {}

std::chrono::milliseconds JitteredBackoff::Ceiling(int retry) const {
  int64_t ceiling = base_.count();
  for (int i = 1; i < retry && ceiling < cap_.count(); ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, cap_.count()));
}

std::chrono::milliseconds JitteredBackoff::Delay(int retry) {
  int64_t ceiling = Ceiling(retry).count();
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<int64_t> pick(0, ceiling);
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::milliseconds(pick(random_));
}

}  // namespace trainyard
