// What the server tells agents about health checks (HealthSettings, part of
// the Assignment) and what agents tell the server about them (HealthRound,
// part of the AgentReport). Plain data and its JSON form; the checks
// themselves live in src/health, their meaning for a job in
// controller/fault_policy.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace trainyard {

struct HealthSettings {
  bool node_checks = true;              // GPU, disk, memory and `programs`
  std::vector<std::string> programs;    // user-defined checks: absolute paths of executables
  int program_timeout_ms = 10'000;
  int64_t min_free_disk_bytes = 256ll << 20;
  int64_t min_available_memory_bytes = 256ll << 20;
  int interval_ms = 30'000;             // periodic checks while training (0: none)
  bool collective_check = true;         // Gloo allreduce across the instances before training
  int64_t collective_bytes = 4 << 20;
  int collective_timeout_ms = 15'000;
  bool operator==(const HealthSettings&) const = default;
};

// The outcome of one check in one round.
struct HealthOutcomeReport {
  std::string check;   // "gpu", "disk", "memory", "program /etc/trainyard/check.sh", "collective"
  std::string state;   // "healthy" | "unhealthy" | "error" (could not run)
  std::string detail;  // evidence or error text
  int64_t duration_ms = 0;
  bool operator==(const HealthOutcomeReport&) const = default;
};

// One round of checks on one instance: before training ("preflight"), while
// it runs ("periodic"), or after the program ended non-zero ("post-exit").
struct HealthRound {
  int64_t seq = 0;     // per agent, from 1; a new number is a new round
  std::string when;    // "preflight" | "periodic" | "post-exit"
  int64_t time_ms = 0; // epoch ms when the round ended
  std::vector<HealthOutcomeReport> outcomes;
  bool operator==(const HealthRound&) const = default;

  bool unhealthy() const;
  std::string Summary() const;  // the unhealthy outcomes, "; "-joined ("" when healthy)
};

Json ToJson(const HealthSettings& s);
Json ToJson(const HealthRound& r);
Result<HealthSettings> HealthSettingsFromJson(const Json& j);  // kSerialization on bad shape
Result<HealthRound> HealthRoundFromJson(const Json& j);

}  // namespace trainyard
