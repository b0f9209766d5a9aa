// DiskHealthCheck ("disk"): is there room to train, and can the job write?
//
// Looks at the instance's ml_root (/opt/ml) and, when the job has one, its
// checkpoint directory: each must exist, have at least `min_free_bytes`
// available to unprivileged users in its file system (statvfs f_bavail), and
// take a probe file (created, written, fsynced, removed: this finds read-only
// and full file systems, and permission problems). Evidence names the path:
// "/opt/ml: 120 MiB free, needs 1 GiB", "/opt/ml/checkpoints: not writable
// (creating a probe file: Permission denied)", "/opt/ml: does not exist".
// The agent makes these directories before it runs the checks.
//
// Errors (could not run): an empty ml_root in the context; statvfs failing
// for a reason other than a missing path.
// Thread safety: stateless; runs may overlap (probe names are unique).
#pragma once

#include <cstdint>
#include <string_view>

#include "health/byte_size.h"
#include "health/health_check.h"

namespace trainyard {

struct DiskCheckOptions {
  int64_t min_free_bytes = kGiB;  // per path; 0 checks writability only
};

class DiskHealthCheck : public HealthCheck {
 public:
  explicit DiskHealthCheck(DiskCheckOptions options = {}) : options_(options) {}

  std::string_view name() const override { return "disk"; }
  Result<HealthVerdict> Run(const HealthContext& context) override;

 private:
  DiskCheckOptions options_;
};

}  // namespace trainyard
