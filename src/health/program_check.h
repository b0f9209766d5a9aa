// ProgramHealthCheck ("program <path>"): a check the operator writes, named in
// the server's configuration (the idea of Slurm's HealthCheckProgram and
// NHC). The program runs with no arguments and no shell (program_runner.h),
// with the agent's environment plus:
//
//   TRAINYARD_HEALTH_CHECK=1
//   SM_CURRENT_HOST, TRAINYARD_INSTANCE_ID, TRAINYARD_INSTANCE_TYPE,
//   TRAINING_JOB_NAME, TRAINYARD_ML_ROOT, TRAINYARD_CHECKPOINT_DIR (empty
//   when the job has none)
//
// Exit 0 is healthy; any other exit is unhealthy with the program's output
// (stdout and stderr, the last `max_output_bytes`, lines joined by " / ") as
// the evidence: "exited 1: disk bad". A program still running after `timeout`
// is killed with its process group: "timed out after 10 s".
//
// Errors (could not run): the path is not absolute (kInvalidArgument), or the
// program cannot be started (missing, not executable: RunProgram's errors).
// Thread safety: stateless; runs may overlap.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "health/health_check.h"

namespace trainyard {

struct ProgramCheckOptions {
  std::chrono::milliseconds timeout{10'000};
  size_t max_output_bytes = 4096;
};

class ProgramHealthCheck : public HealthCheck {
 public:
  explicit ProgramHealthCheck(std::filesystem::path program, ProgramCheckOptions options = {});

  std::string_view name() const override { return name_; }
  Result<HealthVerdict> Run(const HealthContext& context) override;

 private:
  std::filesystem::path program_;
  ProgramCheckOptions options_;
  std::string name_;  // "program <path>"
};

// The environment a check program gets: `base` ("NAME=value" entries, the
// agent's own in production) with the variables above set from `context`,
// replacing any of the same name.
std::vector<std::string> HealthProgramEnvironment(const std::vector<std::string>& base, const HealthContext& context);

}  // namespace trainyard
