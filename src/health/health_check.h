// HealthCheck: one node health check, run by each instance's agent before
// training starts and periodically while it runs (the idea of Slurm's
// HealthCheckProgram and NHC).
//
// "Unhealthy" is a result, not an error: a check that ran and found a bad GPU,
// a full disk or a failing user program returns a HealthVerdict with
// healthy = false and the evidence. An Error means the check could not run
// (its program could not be executed, /proc/meminfo could not be read, NVML
// answered with an unexpected failure); the caller decides what that means.
//
// Thread safety: a HealthCheck is not thread-safe (some keep state between
// runs, such as the GPU check's NVML session); run each from one thread at a
// time. The checks in this directory never throw.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace trainyard {

// What a check may look at: the instance it runs on and the job it serves.
struct HealthContext {
  std::string instance_type;             // "ml.m5.xlarge"
  std::string host;                      // "algo-2"
  std::string instance_id;               // unique per launched instance
  std::string job_name;
  std::filesystem::path ml_root;         // the instance's /opt/ml
  std::filesystem::path checkpoint_dir;  // empty when the job has none
};

struct HealthVerdict {
  std::string check;     // the check's name()
  bool healthy = true;
  std::string evidence;  // one line: what was found, for logs and the job's status
};

class HealthCheck {
 public:
  virtual ~HealthCheck() = default;

  // A short stable name for logs: "gpu", "disk", "program /etc/x.sh".
  virtual std::string_view name() const = 0;

  // Runs the check once. A verdict (healthy or not) when it could run; an
  // error (with its reason) when it could not.
  virtual Result<HealthVerdict> Run(const HealthContext& context) = 0;
};

}  // namespace trainyard
