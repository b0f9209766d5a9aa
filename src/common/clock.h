// Time as a seam. Everything that reads the time takes a Clock&, so tests
// advance a FakeClock instead of sleeping.
//
// Timestamps in records are EpochMs: milliseconds since the Unix epoch (UTC).
// Thread safety: SystemClock and FakeClock may be used from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

namespace trainyard {

using EpochMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps that users see.
  virtual EpochMs NowMs() const = 0;
  // Monotonic time in milliseconds from an arbitrary origin, for timeouts.
  virtual int64_t MonotonicMs() const = 0;
};

class SystemClock : public Clock {
 public:
  EpochMs NowMs() const override;
  int64_t MonotonicMs() const override;
};

// A clock that moves only when told to. Both readings advance together.
class FakeClock : public Clock {
 public:
  explicit FakeClock(EpochMs start = 1'700'000'000'000) : now_(start) {}
  EpochMs NowMs() const override { return now_.load(); }
  int64_t MonotonicMs() const override { return now_.load(); }
  void AdvanceMs(int64_t ms) { now_ += ms; }
  void SetMs(EpochMs ms) { now_ = ms; }

 private:
  std::atomic<EpochMs> now_;
};

// Epoch seconds as the API sends them (fractional allowed). FromEpochSeconds
// saturates: seconds outside EpochMs's range (a client may send 1e300) give
// its minimum or maximum, and NaN gives 0, instead of an undefined conversion.
inline double ToEpochSeconds(EpochMs ms) { return static_cast<double>(ms) / 1000.0; }
inline EpochMs FromEpochSeconds(double s) {
  const double ms = s * 1000.0;
  if (std::isnan(ms)) return 0;
  if (ms >= 9223372036854775808.0) return std::numeric_limits<EpochMs>::max();  // 2^63
  if (ms <= -9223372036854775808.0) return std::numeric_limits<EpochMs>::min();
  return static_cast<EpochMs>(ms);
}

}  // namespace trainyard
