// The few NVML declarations trainyard uses, written from NVIDIA's documented
// C API (nvml.h), since Debian ships no NVML header. Only stable entry points
// are declared; libnvidia-ml.so.1 is loaded at run time (NvmlGpuInventory),
// so nothing links against it. Every enum of the C API is passed as the
// int-sized integer it is.
#pragma once

#include <cstdint>

namespace trainyard::nvml {

using Return = int;  // nvmlReturn_t
inline constexpr Return kSuccess = 0;
inline constexpr Return kErrorUninitialized = 1;
inline constexpr Return kErrorInvalidArgument = 2;
inline constexpr Return kErrorNotSupported = 3;
inline constexpr Return kErrorNoPermission = 4;
inline constexpr Return kErrorNotFound = 6;
inline constexpr Return kErrorDriverNotLoaded = 9;
inline constexpr Return kErrorTimeout = 10;
inline constexpr Return kErrorGpuIsLost = 15;
inline constexpr Return kErrorUnknown = 999;

struct DeviceSt;
using Device = DeviceSt*;  // nvmlDevice_t
struct EventSetSt;
using EventSet = EventSetSt*;  // nvmlEventSet_t

inline constexpr int kMemoryErrorTypeUncorrected = 1;  // nvmlMemoryErrorType_t
inline constexpr int kVolatileEcc = 0;                 // nvmlEccCounterType_t
inline constexpr int kFeatureEnabled = 1;              // nvmlEnableState_t
inline constexpr unsigned long long kEventTypeXidCriticalError = 0x8;  // NOLINT(runtime/int)
inline constexpr unsigned kDeviceNameBufferSize = 96;   // NVML_DEVICE_NAME_V2_BUFFER_SIZE

// nvmlEventData_t as filled by nvmlEventSetWait_v2.
struct EventData {
  Device device;
  unsigned long long event_type;  // NOLINT(runtime/int)
  unsigned long long event_data;  // the XID for kEventTypeXidCriticalError
  unsigned gpu_instance_id;
  unsigned compute_instance_id;
};

extern "C" {
using InitFn = Return (*)();                                         // nvmlInit_v2
using ShutdownFn = Return (*)();                                     // nvmlShutdown
using ErrorStringFn = const char* (*)(Return);                       // nvmlErrorString
using DeviceGetCountFn = Return (*)(unsigned*);                      // nvmlDeviceGetCount_v2
using DeviceGetHandleByIndexFn = Return (*)(unsigned, Device*);      // nvmlDeviceGetHandleByIndex_v2
using DeviceGetNameFn = Return (*)(Device, char*, unsigned);         // nvmlDeviceGetName
// nvmlDeviceGetTotalEccErrors(device, errorType, counterType, eccCounts)
using DeviceGetTotalEccErrorsFn = Return (*)(Device, int, int, unsigned long long*);  // NOLINT
// nvmlDeviceGetRetiredPagesPendingStatus(device, isPending)
using DeviceGetRetiredPagesPendingStatusFn = Return (*)(Device, int*);
// nvmlDeviceGetRemappedRows(device, corrRows, uncRows, isPending, failureOccurred)
using DeviceGetRemappedRowsFn = Return (*)(Device, unsigned*, unsigned*, unsigned*, unsigned*);
// nvmlDeviceGetCurrentClocksEventReasons, or its older name
// nvmlDeviceGetCurrentClocksThrottleReasons (same signature).
using DeviceGetCurrentClocksThrottleReasonsFn = Return (*)(Device, unsigned long long*);  // NOLINT
using EventSetCreateFn = Return (*)(EventSet*);                       // nvmlEventSetCreate
using EventSetFreeFn = Return (*)(EventSet);                          // nvmlEventSetFree
// nvmlDeviceRegisterEvents(device, eventTypes, set)
using DeviceRegisterEventsFn = Return (*)(Device, unsigned long long, EventSet);  // NOLINT
// nvmlEventSetWait_v2(set, data, timeoutms)
using EventSetWaitFn = Return (*)(EventSet, EventData*, unsigned);
}

}  // namespace trainyard::nvml
