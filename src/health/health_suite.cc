#include "health/health_suite.h"

#include <algorithm>

#include "health/disk_check.h"
#include "health/gpu_check.h"
#include "health/memory_check.h"
#include "health/nvml_gpu_inventory.h"
#include "health/program_check.h"

namespace trainyard {

std::vector<std::unique_ptr<HealthCheck>> MakeNodeHealthChecks(const HealthOptions& options) {
  std::vector<std::unique_ptr<HealthCheck>> checks;
  if (options.gpu) checks.push_back(std::make_unique<GpuHealthCheck>(NvmlGpuInventory::Opener()));
  checks.push_back(std::make_unique<DiskHealthCheck>(DiskCheckOptions{.min_free_bytes = options.min_free_disk_bytes}));
  checks.push_back(
      std::make_unique<MemoryHealthCheck>(MemoryCheckOptions{.min_available_bytes = options.min_available_memory_bytes}));
  for (const std::string& program : options.programs) {
    checks.push_back(std::make_unique<ProgramHealthCheck>(program, ProgramCheckOptions{.timeout = options.program_timeout}));
  }
  return checks;
}

std::vector<HealthOutcome> RunHealthChecks(std::span<const std::unique_ptr<HealthCheck>> checks,
                                           const HealthContext& context, const Clock& clock) {
  std::vector<HealthOutcome> outcomes;
  for (const std::unique_ptr<HealthCheck>& check : checks) {
    HealthOutcome outcome;
    outcome.check = std::string(check->name());
    const int64_t start = clock.MonotonicMs();
    Result<HealthVerdict> verdict = check->Run(context);
    outcome.duration_ms = clock.MonotonicMs() - start;
    if (!verdict.ok()) {
      outcome.state = HealthOutcome::State::kError;
      outcome.detail = verdict.error().message;
    } else {
      outcome.state = verdict->healthy ? HealthOutcome::State::kHealthy : HealthOutcome::State::kUnhealthy;
      outcome.detail = std::move(verdict->evidence);
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

bool AnyUnhealthy(std::span<const HealthOutcome> outcomes) {
  return std::ranges::any_of(outcomes, [](const HealthOutcome& o) { return o.state == HealthOutcome::State::kUnhealthy; });
}

bool AnyError(std::span<const HealthOutcome> outcomes) {
  return std::ranges::any_of(outcomes, [](const HealthOutcome& o) { return o.state == HealthOutcome::State::kError; });
}

std::string FormatOutcome(const HealthOutcome& outcome) {
  const char* prefix = outcome.state == HealthOutcome::State::kError ? "could not run: " : "";
  return outcome.check + ": " + prefix + outcome.detail;
}

std::string SummarizeOutcomes(std::span<const HealthOutcome> outcomes) {
  std::string summary;
  for (const HealthOutcome& outcome : outcomes) {
    if (outcome.state == HealthOutcome::State::kHealthy) continue;
    summary += (summary.empty() ? "" : "; ") + FormatOutcome(outcome);
  }
  if (summary.empty()) summary = "all " + std::to_string(outcomes.size()) + " health checks passed";
  return summary;
}

}  // namespace trainyard
