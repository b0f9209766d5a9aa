#include "health/gpu_check.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "health/instance_types.h"
#include "health/xid_events.h"

namespace trainyard {
namespace {

constexpr uint64_t kThermalReasons =
    gpu_throttle::kHwSlowdown | gpu_throttle::kHwThermalSlowdown | gpu_throttle::kSwThermalSlowdown;

std::string GpuCount(int count) { return std::to_string(count) + (count == 1 ? " GPU" : " GPUs"); }

// "ml.p4d.24xlarge promises 8 GPUs", and how many that is.
std::pair<int, std::string> Promise(const std::string& instance_type) {
  std::optional<InstanceGpus> gpus = GpusPromised(instance_type);
  if (!gpus) return {0, "unknown instance type " + instance_type + " (taken as promising no GPUs)"};
  if (gpus->count == 0) return {0, instance_type + " promises no GPUs"};
  return {gpus->count, instance_type + " promises " + GpuCount(gpus->count)};
}

std::string ThrottleNames(uint64_t reasons) {
  static constexpr std::pair<uint64_t, const char*> kNames[] = {
      {gpu_throttle::kHwSlowdown, "HW slowdown"},
      {gpu_throttle::kHwThermalSlowdown, "HW thermal slowdown"},
      {gpu_throttle::kSwThermalSlowdown, "SW thermal slowdown"},
      {gpu_throttle::kHwPowerBrakeSlowdown, "HW power brake slowdown"},
      {gpu_throttle::kSwPowerCap, "SW power cap"},
  };
  std::string names;
  for (const auto& [bit, name] : kNames) {
    if ((reasons & bit) == 0) continue;
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

void AddProblems(const GpuStatus& gpu, uint64_t unhealthy_reasons, std::vector<std::string>* problems) {
  const std::string label = "GPU " + std::to_string(gpu.index);
  if (gpu.lost) {
    problems->push_back(label + " is lost (fallen off the bus or otherwise inaccessible)");
    return;
  }
  if (gpu.uncorrectable_ecc_errors.value_or(0) > 0) {
    const uint64_t n = *gpu.uncorrectable_ecc_errors;
    problems->push_back(label + ": " + std::to_string(n) + " uncorrectable ECC error" + (n == 1 ? "" : "s"));
  }
  if (gpu.retired_pages_pending.value_or(false)) problems->push_back(label + ": retired pages pending (needs a reset)");
  if (gpu.row_remap_pending.value_or(false)) problems->push_back(label + ": row remapping pending (needs a reset)");
  if (gpu.row_remap_failed.value_or(false)) problems->push_back(label + ": row remapping failed");
  const uint64_t active = gpu.throttle_reasons.value_or(0) & unhealthy_reasons;
  if (active & kThermalReasons) {
    problems->push_back(label + ": thermal throttling (" + ThrottleNames(active & kThermalReasons) + ")");
  }
  if (active & ~kThermalReasons) {
    problems->push_back(label + ": power throttling (" + ThrottleNames(active & ~kThermalReasons) + ")");
  }
}

std::string Join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) joined += (joined.empty() ? "" : "; ") + part;
  return joined;
}

}  // namespace

GpuHealthCheck::GpuHealthCheck(GpuInventoryOpener opener, GpuCheckOptions options)
    : opener_(std::move(opener)), options_(options) {}

Result<HealthVerdict> GpuHealthCheck::Run(const HealthContext& context) {
  const auto [promised, promise] = Promise(context.instance_type);
  if (!inventory_) {
    Result<std::unique_ptr<GpuInventory>> opened = opener_();
    if (!opened.ok()) {
      if (promised > 0) {
        return HealthVerdict{std::string(name()), false, promise + "; this host has none (" + opened.error().message + ")"};
      }
      return HealthVerdict{std::string(name()), true, promise + "; NVML not loaded (" + opened.error().message + ")"};
    }
    inventory_ = std::move(opened).value();
  }
  Result<HealthVerdict> verdict = Inspect(promised, promise);
  if (!verdict.ok()) inventory_.reset();  // opened afresh next time
  return verdict;
}

Result<HealthVerdict> GpuHealthCheck::Inspect(int promised, const std::string& promise) {
  Result<int> count = inventory_->DeviceCount();
  if (!count.ok()) return count.error().WithContext("counting GPUs");
  const int present = *count;
  HealthVerdict verdict{std::string(name()), true, ""};
  if (promised == 0) {
    verdict.evidence = promise + "; this host has " + GpuCount(present) + (present > 0 ? " (not checked)" : "");
    return verdict;
  }
  std::vector<std::string> problems;
  if (present < promised) problems.push_back(promise + "; this host has " + std::to_string(present));
  std::string model;
  for (int i = 0; i < present; ++i) {
    Result<GpuStatus> gpu = inventory_->Device(i);
    if (!gpu.ok()) return gpu.error().WithContext("reading GPU " + std::to_string(i));
    if (model.empty()) model = gpu->name;
    AddProblems(*gpu, options_.unhealthy_throttle_reasons, &problems);
  }
  Result<std::vector<XidEvent>> xids = inventory_->TakeXidEvents();
  if (!xids.ok()) return xids.error().WithContext("reading XID events");
  for (const XidEvent& event : *xids) {
    if (!IsCriticalXid(event.xid)) continue;
    const std::string gpu = event.gpu_index >= 0 ? "GPU " + std::to_string(event.gpu_index) : "an unknown GPU";
    problems.push_back(gpu + ": XID " + std::to_string(event.xid) + " (" + std::string(CriticalXidMeaning(event.xid)) + ")");
  }
  if (!problems.empty()) {
    verdict.healthy = false;
    verdict.evidence = Join(problems);
    return verdict;
  }
  verdict.evidence = promise + "; this host has " + std::to_string(present) + (model.empty() ? "" : " (" + model + ")") +
                     ", all healthy";
  return verdict;
}

}  // namespace trainyard
