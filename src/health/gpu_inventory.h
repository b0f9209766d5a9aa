// GpuInventory: the GPU facts a health check needs, behind a seam.
// NvmlGpuInventory (nvml_gpu_inventory.h) asks the NVIDIA driver;
// FakeGpuInventory (fake_gpu_inventory.h) answers what a test set.
//
// A fact a GPU does not report (NVML_ERROR_NOT_SUPPORTED: no ECC on a
// consumer card, no row remapping before Ampere) is nullopt, not an error.
// Errors are reserved for queries that failed unexpectedly.
//
// Thread safety: an inventory is used from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace trainyard {

// Bits of a clocks throttle (event) reason mask, as NVML numbers them.
namespace gpu_throttle {
inline constexpr uint64_t kGpuIdle = 0x1;
inline constexpr uint64_t kApplicationsClocksSetting = 0x2;
inline constexpr uint64_t kSwPowerCap = 0x4;
inline constexpr uint64_t kHwSlowdown = 0x8;
inline constexpr uint64_t kSyncBoost = 0x10;
inline constexpr uint64_t kSwThermalSlowdown = 0x20;
inline constexpr uint64_t kHwThermalSlowdown = 0x40;
inline constexpr uint64_t kHwPowerBrakeSlowdown = 0x80;
inline constexpr uint64_t kDisplayClockSetting = 0x100;
}  // namespace gpu_throttle

struct GpuStatus {
  int index = 0;
  std::string name;  // "NVIDIA A100-SXM4-80GB"; empty when lost
  // The GPU is inaccessible (NVML_ERROR_GPU_IS_LOST: fallen off the bus);
  // the other facts are then unknown.
  bool lost = false;
  std::optional<uint64_t> uncorrectable_ecc_errors;  // volatile (since the driver loaded)
  std::optional<bool> retired_pages_pending;         // pages wait for retirement at reset
  std::optional<bool> row_remap_pending;             // a row remap waits for a reset
  std::optional<bool> row_remap_failed;              // a remap failed: no spare rows left
  std::optional<uint64_t> throttle_reasons;          // gpu_throttle bits now active
};

// A critical XID error the driver reported for a GPU.
struct XidEvent {
  int gpu_index = -1;  // -1 when the device could not be matched
  uint64_t xid = 0;    // 999 when the driver does not know it
  bool operator==(const XidEvent&) const = default;
};

class GpuInventory {
 public:
  virtual ~GpuInventory() = default;

  // How many GPUs the driver sees.
  virtual Result<int> DeviceCount() = 0;

  // The facts of GPU `index` (0 <= index < DeviceCount()). A lost GPU is a
  // status with lost = true; kInvalidArgument for an index out of range.
  virtual Result<GpuStatus> Device(int index) = 0;

  // The critical XID errors reported since the previous call (or since the
  // inventory was opened), oldest first. Errors that happened before it was
  // opened are not seen.
  virtual Result<std::vector<XidEvent>> TakeXidEvents() = 0;
};

// Opens an inventory: an error when the GPUs cannot be queried at all (no
// driver library, driver not loaded), with the reason in the message.
using GpuInventoryOpener = std::function<Result<std::unique_ptr<GpuInventory>>()>;

}  // namespace trainyard
