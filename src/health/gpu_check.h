// GpuHealthCheck ("gpu"): are the GPUs the instance type promises here, and
// sound?
//
// Compares the number of GPUs NVML sees with what the instance type promises
// (instance_types.h), then, for each GPU: uncorrectable ECC errors (volatile
// count), retired pages or row remaps waiting for a reset, a failed row
// remap, a GPU that has fallen off the bus, thermal and power throttling
// (GpuCheckOptions), and the critical XID errors (xid_events.h) NVML reported
// since the previous run. Each problem becomes a piece of the evidence,
// naming the GPU: "GPU 3: 2 uncorrectable ECC errors; GPU 5: XID 79 (GPU has
// fallen off the bus)".
//
// On a type that promises no GPUs (or one the table does not know), the check
// passes and says what it saw, without looking at the GPUs. On a type that
// promises GPUs, a host where NVML cannot be opened fails: "ml.p4d.24xlarge
// promises 8 GPUs; this host has none (libnvidia-ml.so.1 not found)".
//
// The inventory is opened on the first run and kept, so that XID errors are
// seen between periodic runs; after a failed open or a failed query it is
// dropped and opened again on the next run. XIDs from before the first open
// are not seen.
//
// Errors (could not run): an NVML query that failed unexpectedly (not "not
// supported", not "GPU is lost"), with the call and NVML's reason.
// Thread safety: one thread at a time (see health_check.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "health/gpu_inventory.h"
#include "health/health_check.h"

namespace trainyard {

struct GpuCheckOptions {
  // Active throttle reasons (gpu_throttle bits) that make a GPU unhealthy.
  // Default: HW slowdown, HW thermal slowdown, SW thermal slowdown, HW power
  // brake. kSwPowerCap is left out: a GPU working at its power limit (any
  // busy training GPU) shows it all the time; add it to flag that too.
  uint64_t unhealthy_throttle_reasons = gpu_throttle::kHwSlowdown | gpu_throttle::kHwThermalSlowdown |
                                        gpu_throttle::kSwThermalSlowdown | gpu_throttle::kHwPowerBrakeSlowdown;
};

class GpuHealthCheck : public HealthCheck {
 public:
  // `opener` is called on the first run (and after a failure);
  // NvmlGpuInventory::Opener() in production.
  explicit GpuHealthCheck(GpuInventoryOpener opener, GpuCheckOptions options = {});

  std::string_view name() const override { return "gpu"; }
  Result<HealthVerdict> Run(const HealthContext& context) override;

 private:
  Result<HealthVerdict> Inspect(int promised, const std::string& promise);

  GpuInventoryOpener opener_;
  GpuCheckOptions options_;
  std::unique_ptr<GpuInventory> inventory_;  // null until opened
};

}  // namespace trainyard
