// The node health suite: which checks an agent runs (MakeNodeHealthChecks),
// running them (RunHealthChecks), and reading the outcomes.
//
//   auto checks = MakeNodeHealthChecks(options);        // once per agent
//   auto outcomes = RunHealthChecks(checks, context, clock);  // before training, then periodically
//   if (AnyUnhealthy(outcomes)) ... SummarizeOutcomes(outcomes) ...
//
// Keep the checks between runs: the GPU check holds its NVML session, so it
// sees XID errors from one run to the next.
// Thread safety: RunHealthChecks runs one set of checks from one thread at a
// time; the reading functions are pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/clock.h"
#include "health/byte_size.h"
#include "health/health_check.h"

namespace trainyard {

struct HealthOptions {
  bool gpu = true;                                  // the GPU check (NVML); it passes on GPU-less types
  int64_t min_free_disk_bytes = kGiB;               // in ml_root's and the checkpoint dir's file systems
  int64_t min_available_memory_bytes = 512 * kMiB;  // MemAvailable
  std::vector<std::string> programs;                // absolute paths of operator-defined check programs
  std::chrono::milliseconds program_timeout{10'000};  // per program run
};

// In order: gpu (when options.gpu; NVML loaded from libnvidia-ml.so.1),
// disk, memory, then one check per program, in the order given.
std::vector<std::unique_ptr<HealthCheck>> MakeNodeHealthChecks(const HealthOptions& options);

struct HealthOutcome {
  enum class State { kHealthy, kUnhealthy, kError };
  std::string check;   // the check's name()
  State state = State::kHealthy;
  std::string detail;  // the verdict's evidence, or the error's message
  int64_t duration_ms = 0;
};

// Runs each check once, in order; one outcome per check. A check's error is
// an outcome of kError (the others still run).
std::vector<HealthOutcome> RunHealthChecks(std::span<const std::unique_ptr<HealthCheck>> checks,
                                           const HealthContext& context, const Clock& clock);

bool AnyUnhealthy(std::span<const HealthOutcome> outcomes);  // any kUnhealthy
bool AnyError(std::span<const HealthOutcome> outcomes);      // any kError

// One outcome as a line: "program /etc/trainyard/check.sh: exited 1: disk bad",
// "gpu: could not run: nvmlDeviceGetCount: Unknown Error (NVML error 999)".
std::string FormatOutcome(const HealthOutcome& outcome);

// The outcomes that are not healthy, formatted and joined by "; ", or
// "all 4 health checks passed".
std::string SummarizeOutcomes(std::span<const HealthOutcome> outcomes);

}  // namespace trainyard
