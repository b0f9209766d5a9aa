// The state of the stand-in libnvidia-ml (fake_nvml.cpp) that
// NvmlGpuInventory's tests load with dlopen: a test finds fake_nvml_state()
// in the loaded library, sets what the "driver" answers, then opens the
// inventory on the same library. Not thread-safe; tests run one at a time.
#pragma once

#include "health/nvml_abi.h"

namespace trainyard::fake_nvml {

inline constexpr int kMaxDevices = 8;
inline constexpr int kMaxEvents = 16;

struct Device {
  char name[nvml::kDeviceNameBufferSize];
  bool lost;             // every query answers NVML_ERROR_GPU_IS_LOST
  bool ecc_supported;    // else NOT_SUPPORTED
  unsigned long long uncorrectable_ecc;  // NOLINT(runtime/int)
  bool pages_supported;
  bool pages_pending;
  bool remap_supported;
  bool remap_pending;
  bool remap_failed;
  unsigned long long throttle_reasons;  // NOLINT(runtime/int)
  bool events_supported;  // nvmlDeviceRegisterEvents succeeds
  bool events_registered;
};

struct Event {
  int device;                  // index into devices
  unsigned long long type;     // NOLINT(runtime/int)
  unsigned long long xid;      // NOLINT(runtime/int)
};

struct State {
  nvml::Return init_result;
  unsigned device_count;
  Device devices[kMaxDevices];
  Event events[kMaxEvents];  // delivered in order by nvmlEventSetWait_v2
  int event_count;
  int events_delivered;
  int live_inits;  // nvmlInit_v2 calls not yet matched by nvmlShutdown
  int live_event_sets;
};

}  // namespace trainyard::fake_nvml

extern "C" trainyard::fake_nvml::State* fake_nvml_state();
