// NvmlGpuInventory: a GpuInventory that asks the NVIDIA driver through NVML,
// loaded at run time with dlopen (hosts without NVIDIA's driver run the
// agent too, and Debian ships no NVML to link against).
//
// Open() loads the library, initialises NVML, takes every device's handle and
// registers for critical XID events on each device that supports them (so
// TakeXidEvents sees those that happen from then on). The destructor frees
// the event set, shuts NVML down (NVML counts its initialisations, so other
// users in the process are unaffected) and unloads the library.
//
// Facts a device does not support, and entry points an older driver lacks
// (row remapping, event reasons), are reported as unknown (nullopt); a lost
// GPU as GpuStatus::lost. Other NVML failures are errors naming the call and
// NVML's own description.
//
// Thread safety: one thread at a time per inventory; several inventories may
// live in one process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "health/gpu_inventory.h"
#include "health/nvml_abi.h"

namespace trainyard {

inline constexpr char kNvmlLibrary[] = "libnvidia-ml.so.1";

class NvmlGpuInventory : public GpuInventory {
 public:
  // Errors: kNotFound "libnvidia-ml.so.1 not found" when the library is not
  // installed; kUnavailable when it lacks a required entry point or NVML does
  // not initialise ("nvmlInit: Driver Not Loaded"); kInternal for other
  // failures. `library` is a name dlopen searches for, or a path.
  static Result<std::unique_ptr<NvmlGpuInventory>> Open(const std::string& library = kNvmlLibrary);

  // An opener for GpuHealthCheck that calls Open(library).
  static GpuInventoryOpener Opener(std::string library = kNvmlLibrary);

  ~NvmlGpuInventory() override;
  NvmlGpuInventory(const NvmlGpuInventory&) = delete;
  NvmlGpuInventory& operator=(const NvmlGpuInventory&) = delete;

  Result<int> DeviceCount() override;
  Result<GpuStatus> Device(int index) override;
  Result<std::vector<XidEvent>> TakeXidEvents() override;

  struct Api;  // the entry points found in the library (defined in the .cc)

 private:
  NvmlGpuInventory(void* library, std::unique_ptr<Api> api);
  Result<nvml::Device> Handle(int index);
  Error NvmlError(const char* call, nvml::Return code) const;
  // Whether a device query answered: true when it did; false when the GPU
  // does not support it, or is lost (then marks `status` lost).
  Result<bool> Answered(const char* call, nvml::Return code, GpuStatus* status) const;

  void* library_;  // from dlopen
  std::unique_ptr<Api> api_;
  std::vector<nvml::Device> handles_;  // by index; nullptr until taken
  nvml::EventSet events_ = nullptr;    // nullptr when XID events are not supported
};

}  // namespace trainyard
