// Sleeper: the seam for waiting (between retries, between heartbeats), so
// tests pass one that records the wait and returns at once instead of
// really sleeping.
// Thread safety: implementations may be called from any number of threads.
#pragma once

#include <chrono>

namespace trainyard {

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void SleepFor(std::chrono::milliseconds duration) = 0;
};

// Really waits (std::this_thread::sleep_for).
class RealSleeper : public Sleeper {
 public:
  void SleepFor(std::chrono::milliseconds duration) override;
};

}  // namespace trainyard
