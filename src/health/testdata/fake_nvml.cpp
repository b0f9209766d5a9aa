// A stand-in for libnvidia-ml.so.1, built as a loadable module for
// NvmlGpuInventory's tests (the hosts this project is tested on have no
// GPU). It exports the NVML entry points trainyard uses, with NVML's
// documented signatures, answering from the State a test sets
// (fake_nvml_state.h). Named .cpp so the health library's *.cc glob skips it.
#include <cstring>

#include "health/testdata/fake_nvml_state.h"

namespace nvml = trainyard::nvml;
using trainyard::fake_nvml::State;

namespace {

State state;

trainyard::fake_nvml::Device* DeviceOf(nvml::Device handle) {
  return reinterpret_cast<trainyard::fake_nvml::Device*>(handle);
}

nvml::Device HandleOf(unsigned index) { return reinterpret_cast<nvml::Device>(&state.devices[index]); }

}  // namespace

extern "C" {

__attribute__((visibility("default"))) State* fake_nvml_state() { return &state; }

__attribute__((visibility("default"))) nvml::Return nvmlInit_v2() {
  if (state.init_result == nvml::kSuccess) ++state.live_inits;
  return state.init_result;
}

__attribute__((visibility("default"))) nvml::Return nvmlShutdown() {
  if (state.live_inits == 0) return nvml::kErrorUninitialized;
  --state.live_inits;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) const char* nvmlErrorString(nvml::Return code) {
  switch (code) {
    case nvml::kSuccess: return "Success";
    case nvml::kErrorNotSupported: return "Not Supported";
    case nvml::kErrorDriverNotLoaded: return "Driver Not Loaded";
    case nvml::kErrorTimeout: return "Timeout";
    case nvml::kErrorGpuIsLost: return "GPU is lost";
    case nvml::kErrorNoPermission: return "Insufficient Permissions";
    default: return "Unknown Error";
  }
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetCount_v2(unsigned* count) {
  *count = state.device_count;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetHandleByIndex_v2(unsigned index,
                                                                                  nvml::Device* device) {
  if (index >= state.device_count) return nvml::kErrorInvalidArgument;
  if (state.devices[index].lost) return nvml::kErrorGpuIsLost;
  *device = HandleOf(index);
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetName(nvml::Device device, char* name,
                                                                      unsigned length) {
  if (DeviceOf(device)->lost) return nvml::kErrorGpuIsLost;
  std::strncpy(name, DeviceOf(device)->name, length);
  name[length - 1] = '\0';
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetTotalEccErrors(
    nvml::Device device, int error_type, int counter_type, unsigned long long* count) {  // NOLINT
  if (DeviceOf(device)->lost) return nvml::kErrorGpuIsLost;
  if (!DeviceOf(device)->ecc_supported) return nvml::kErrorNotSupported;
  if (error_type != nvml::kMemoryErrorTypeUncorrected || counter_type != nvml::kVolatileEcc) {
    return nvml::kErrorInvalidArgument;  // the tests only expect volatile uncorrected counts
  }
  *count = DeviceOf(device)->uncorrectable_ecc;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetRetiredPagesPendingStatus(nvml::Device device,
                                                                                           int* pending) {
  if (DeviceOf(device)->lost) return nvml::kErrorGpuIsLost;
  if (!DeviceOf(device)->pages_supported) return nvml::kErrorNotSupported;
  *pending = DeviceOf(device)->pages_pending ? nvml::kFeatureEnabled : 0;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetRemappedRows(
    nvml::Device device, unsigned* corrected, unsigned* uncorrected, unsigned* pending, unsigned* failed) {
  if (DeviceOf(device)->lost) return nvml::kErrorGpuIsLost;
  if (!DeviceOf(device)->remap_supported) return nvml::kErrorNotSupported;
  *corrected = 0;
  *uncorrected = 0;
  *pending = DeviceOf(device)->remap_pending ? 1 : 0;
  *failed = DeviceOf(device)->remap_failed ? 1 : 0;
  return nvml::kSuccess;
}

// The older name only, so the inventory's fallback to it is exercised.
__attribute__((visibility("default"))) nvml::Return nvmlDeviceGetCurrentClocksThrottleReasons(
    nvml::Device device, unsigned long long* reasons) {  // NOLINT
  if (DeviceOf(device)->lost) return nvml::kErrorGpuIsLost;
  *reasons = DeviceOf(device)->throttle_reasons;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlEventSetCreate(nvml::EventSet* set) {
  ++state.live_event_sets;
  *set = reinterpret_cast<nvml::EventSet>(&state);
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlEventSetFree(nvml::EventSet set) {
  --state.live_event_sets;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlDeviceRegisterEvents(nvml::Device device,
                                                                             unsigned long long types,  // NOLINT
                                                                             nvml::EventSet set) {
  if (!DeviceOf(device)->events_supported) return nvml::kErrorNotSupported;
  if (types != nvml::kEventTypeXidCriticalError) return nvml::kErrorInvalidArgument;
  DeviceOf(device)->events_registered = true;
  return nvml::kSuccess;
}

__attribute__((visibility("default"))) nvml::Return nvmlEventSetWait_v2(nvml::EventSet set,
                                                                        nvml::EventData* data,
                                                                        unsigned timeout_ms) {
  while (state.events_delivered < state.event_count) {
    const trainyard::fake_nvml::Event& event = state.events[state.events_delivered++];
    if (!state.devices[event.device].events_registered) continue;  // not watched: not delivered
    data->device = HandleOf(event.device);
    data->event_type = event.type;
    data->event_data = event.xid;
    data->gpu_instance_id = 0xFFFFFFFF;
    data->compute_instance_id = 0xFFFFFFFF;
    return nvml::kSuccess;
  }
  return nvml::kErrorTimeout;
}

}  // extern "C"
