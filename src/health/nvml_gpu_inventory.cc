#include "health/nvml_gpu_inventory.h"

#include <dlfcn.h>

#include <utility>

namespace trainyard {

struct NvmlGpuInventory::Api {
  // Required: Open fails without them.
  nvml::InitFn init = nullptr;
  nvml::ShutdownFn shutdown = nullptr;
  nvml::ErrorStringFn error_string = nullptr;
  nvml::DeviceGetCountFn get_count = nullptr;
  nvml::DeviceGetHandleByIndexFn get_handle = nullptr;
  nvml::DeviceGetNameFn get_name = nullptr;
  // Optional: nullptr when this driver's NVML lacks them (the fact is unknown).
  nvml::DeviceGetTotalEccErrorsFn get_total_ecc = nullptr;
  nvml::DeviceGetRetiredPagesPendingStatusFn get_retired_pending = nullptr;
  nvml::DeviceGetRemappedRowsFn get_remapped_rows = nullptr;
  nvml::DeviceGetCurrentClocksThrottleReasonsFn get_throttle_reasons = nullptr;
  nvml::EventSetCreateFn event_set_create = nullptr;
  nvml::EventSetFreeFn event_set_free = nullptr;
  nvml::DeviceRegisterEventsFn register_events = nullptr;
  nvml::EventSetWaitFn event_set_wait = nullptr;
};

namespace {

// At most this many events are taken per call, so a flood cannot hold the check.
constexpr int kMaxEventsPerTake = 1024;

template <typename Fn>
void Find(void* library, const char* symbol, Fn* fn) {
  *fn = reinterpret_cast<Fn>(dlsym(library, symbol));
}

// Fills `api`; the name of a missing required entry point, or nullptr.
const char* FindEntryPoints(void* library, NvmlGpuInventory::Api* api) {
  Find(library, "nvmlInit_v2", &api->init);
  Find(library, "nvmlShutdown", &api->shutdown);
  Find(library, "nvmlErrorString", &api->error_string);
  Find(library, "nvmlDeviceGetCount_v2", &api->get_count);
  Find(library, "nvmlDeviceGetHandleByIndex_v2", &api->get_handle);
  Find(library, "nvmlDeviceGetName", &api->get_name);
  const std::pair<const char*, bool> required[] = {
      {"nvmlInit_v2", api->init != nullptr},
      {"nvmlShutdown", api->shutdown != nullptr},
      {"nvmlErrorString", api->error_string != nullptr},
      {"nvmlDeviceGetCount_v2", api->get_count != nullptr},
      {"nvmlDeviceGetHandleByIndex_v2", api->get_handle != nullptr},
      {"nvmlDeviceGetName", api->get_name != nullptr},
  };
  for (const auto& [name, found] : required) {
    if (!found) return name;
  }
  Find(library, "nvmlDeviceGetTotalEccErrors", &api->get_total_ecc);
  Find(library, "nvmlDeviceGetRetiredPagesPendingStatus", &api->get_retired_pending);
  Find(library, "nvmlDeviceGetRemappedRows", &api->get_remapped_rows);
  Find(library, "nvmlDeviceGetCurrentClocksEventReasons", &api->get_throttle_reasons);
  if (!api->get_throttle_reasons) {
    Find(library, "nvmlDeviceGetCurrentClocksThrottleReasons", &api->get_throttle_reasons);
  }
  Find(library, "nvmlEventSetCreate", &api->event_set_create);
  Find(library, "nvmlEventSetFree", &api->event_set_free);
  Find(library, "nvmlDeviceRegisterEvents", &api->register_events);
  Find(library, "nvmlEventSetWait_v2", &api->event_set_wait);
  return nullptr;
}

GpuStatus LostGpu(int index) {
  GpuStatus lost;
  lost.index = index;
  lost.lost = true;
  return lost;
}

Error LoadError(const std::string& library) {
  const char* reason = dlerror();
  std::string why = reason ? reason : "unknown dlopen failure";
  if (why.find("No such file or directory") != std::string::npos) {
    return MakeError(ErrorCode::kNotFound, library + " not found");
  }
  return MakeError(ErrorCode::kUnavailable, "loading " + library + ": " + why);
}

}  // namespace

Result<std::unique_ptr<NvmlGpuInventory>> NvmlGpuInventory::Open(const std::string& library) {
  dlerror();  // clear a stale message
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return LoadError(library);
  auto api = std::make_unique<Api>();
  if (const char* missing = FindEntryPoints(handle, api.get())) {
    dlclose(handle);
    return MakeError(ErrorCode::kUnavailable, library + " lacks " + missing + " (NVML too old?)");
  }
  if (nvml::Return rc = api->init(); rc != nvml::kSuccess) {
    std::string why = api->error_string(rc);
    dlclose(handle);
    return MakeError(ErrorCode::kUnavailable, "nvmlInit: " + why);
  }
  std::unique_ptr<NvmlGpuInventory> inventory(new NvmlGpuInventory(handle, std::move(api)));
  TY_ASSIGN_OR_RETURN(int count, inventory->DeviceCount());
  inventory->handles_.assign(count, nullptr);
  const Api& fns = *inventory->api_;
  for (int i = 0; i < count; ++i) {
    // A device whose handle cannot be taken now is retried (and reported) by Device(i).
    if (fns.get_handle(i, &inventory->handles_[i]) != nvml::kSuccess) inventory->handles_[i] = nullptr;
  }
  if (fns.event_set_create && fns.event_set_free && fns.register_events && fns.event_set_wait &&
      fns.event_set_create(&inventory->events_) == nvml::kSuccess) {
    for (nvml::Device device : inventory->handles_) {
      // NOT_SUPPORTED on a device leaves its XIDs unseen; nothing else to do.
      if (device) fns.register_events(device, nvml::kEventTypeXidCriticalError, inventory->events_);
    }
  } else {
    inventory->events_ = nullptr;
  }
  return inventory;
}

GpuInventoryOpener NvmlGpuInventory::Opener(std::string library) {
  return [library = std::move(library)]() -> Result<std::unique_ptr<GpuInventory>> {
    TY_ASSIGN_OR_RETURN(std::unique_ptr<NvmlGpuInventory> inventory, Open(library));
    return std::unique_ptr<GpuInventory>(std::move(inventory));
  };
}

NvmlGpuInventory::NvmlGpuInventory(void* library, std::unique_ptr<Api> api)
    : library_(library), api_(std::move(api)) {}

NvmlGpuInventory::~NvmlGpuInventory() {
  if (events_) api_->event_set_free(events_);
  api_->shutdown();
  dlclose(library_);
}

Error NvmlGpuInventory::NvmlError(const char* call, nvml::Return code) const {
  return MakeError(ErrorCode::kInternal, std::string(call) + ": " + api_->error_string(code) +
                                             " (NVML error " + std::to_string(code) + ")");
}

Result<int> NvmlGpuInventory::DeviceCount() {
  unsigned count = 0;
  if (nvml::Return rc = api_->get_count(&count); rc != nvml::kSuccess) {
    return NvmlError("nvmlDeviceGetCount", rc);
  }
  return static_cast<int>(count);
}

Result<nvml::Device> NvmlGpuInventory::Handle(int index) {
  if (index < 0 || static_cast<size_t>(index) >= handles_.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "no GPU " + std::to_string(index));
  }
  if (!handles_[index]) {
    nvml::Device device = nullptr;
    nvml::Return rc = api_->get_handle(index, &device);
    if (rc == nvml::kErrorGpuIsLost) return static_cast<nvml::Device>(nullptr);
    if (rc != nvml::kSuccess) return NvmlError("nvmlDeviceGetHandleByIndex", rc);
    handles_[index] = device;
  }
  return handles_[index];
}

Result<bool> NvmlGpuInventory::Answered(const char* call, nvml::Return code, GpuStatus* status) const {
  if (code == nvml::kSuccess) return true;
  if (code == nvml::kErrorNotSupported) return false;
  if (code == nvml::kErrorGpuIsLost) {
    status->lost = true;
    return false;
  }
  return NvmlError(call, code).WithContext("GPU " + std::to_string(status->index));
}

Result<GpuStatus> NvmlGpuInventory::Device(int index) {
  TY_ASSIGN_OR_RETURN(nvml::Device device, Handle(index));
  GpuStatus status;
  status.index = index;
  if (!device) return LostGpu(index);
  const Api& fns = *api_;
  const nvml::Return kAbsent = nvml::kErrorNotSupported;  // the driver lacks the entry point
  char name[nvml::kDeviceNameBufferSize] = {};
  TY_ASSIGN_OR_RETURN(bool named, Answered("nvmlDeviceGetName", fns.get_name(device, name, sizeof(name)), &status));
  if (named) status.name = name;
  unsigned long long ecc = 0;  // NOLINT(runtime/int)
  TY_ASSIGN_OR_RETURN(bool has_ecc, Answered("nvmlDeviceGetTotalEccErrors",
                                             fns.get_total_ecc ? fns.get_total_ecc(device, nvml::kMemoryErrorTypeUncorrected,
                                                                                   nvml::kVolatileEcc, &ecc)
                                                               : kAbsent,
                                             &status));
  if (has_ecc) status.uncorrectable_ecc_errors = ecc;
  int pages = 0;
  TY_ASSIGN_OR_RETURN(bool has_pages, Answered("nvmlDeviceGetRetiredPagesPendingStatus",
                                               fns.get_retired_pending ? fns.get_retired_pending(device, &pages) : kAbsent,
                                               &status));
  if (has_pages) status.retired_pages_pending = pages == nvml::kFeatureEnabled;
  unsigned corrected = 0, uncorrected = 0, pending = 0, failed = 0;
  TY_ASSIGN_OR_RETURN(bool has_remaps,
                      Answered("nvmlDeviceGetRemappedRows",
                               fns.get_remapped_rows
                                   ? fns.get_remapped_rows(device, &corrected, &uncorrected, &pending, &failed)
                                   : kAbsent,
                               &status));
  if (has_remaps) {
    status.row_remap_pending = pending != 0;
    status.row_remap_failed = failed != 0;
  }
  unsigned long long reasons = 0;  // NOLINT(runtime/int)
  TY_ASSIGN_OR_RETURN(bool has_reasons, Answered("nvmlDeviceGetCurrentClocksThrottleReasons",
                                                 fns.get_throttle_reasons ? fns.get_throttle_reasons(device, &reasons) : kAbsent,
                                                 &status));
  if (has_reasons) status.throttle_reasons = reasons;
  // Facts read before the GPU was found lost are not to be trusted.
  return status.lost ? LostGpu(index) : status;
}

Result<std::vector<XidEvent>> NvmlGpuInventory::TakeXidEvents() {
  std::vector<XidEvent> events;
  if (!events_) return events;
  for (int taken = 0; taken < kMaxEventsPerTake; ++taken) {
    nvml::EventData data{};
    nvml::Return rc = api_->event_set_wait(events_, &data, 0);
    if (rc == nvml::kErrorTimeout) break;
    if (rc != nvml::kSuccess) return NvmlError("nvmlEventSetWait_v2", rc);
    if ((data.event_type & nvml::kEventTypeXidCriticalError) == 0) continue;
    XidEvent event{.gpu_index = -1, .xid = data.event_data};
    for (size_t i = 0; i < handles_.size(); ++i) {
      if (handles_[i] && handles_[i] == data.device) event.gpu_index = static_cast<int>(i);
    }
    events.push_back(event);
  }
  return events;
}

}  // namespace trainyard
