// FakeGpuInventory: a GpuInventory answering from a FakeGpuState that the
// test keeps and may change between runs of a check (the check owns the
// inventory; the state is shared).
//
// FakeGpuState::Healthy(n) makes n GPUs reporting every fact, all good.
// FakeGpuInventory::Opener(state) counts opens and fails with
// state->open_error while one is set.
// Thread safety: none; tests drive it from one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "health/gpu_inventory.h"

namespace trainyard {

struct FakeGpuState {
  std::vector<GpuStatus> devices;  // DeviceCount() is their number
  std::vector<XidEvent> xids;      // handed out (and cleared) by the next TakeXidEvents
  std::optional<Error> open_error;
  std::optional<Error> count_error;
  std::optional<Error> device_error;
  std::optional<Error> xid_error;
  int opens = 0;

  static std::shared_ptr<FakeGpuState> Healthy(int count, const std::string& name = "NVIDIA A100-SXM4-80GB") {
    auto state = std::make_shared<FakeGpuState>();
    for (int i = 0; i < count; ++i) {
      GpuStatus gpu;
      gpu.index = i;
      gpu.name = name;
      gpu.uncorrectable_ecc_errors = 0;
      gpu.retired_pages_pending = false;
      gpu.row_remap_pending = false;
      gpu.row_remap_failed = false;
      gpu.throttle_reasons = gpu_throttle::kGpuIdle;
      state->devices.push_back(gpu);
    }
    return state;
  }
};

class FakeGpuInventory : public GpuInventory {
 public:
  explicit FakeGpuInventory(std::shared_ptr<FakeGpuState> state) : state_(std::move(state)) {}

  static GpuInventoryOpener Opener(std::shared_ptr<FakeGpuState> state) {
    return [state]() -> Result<std::unique_ptr<GpuInventory>> {
      ++state->opens;
      if (state->open_error) return *state->open_error;
      return std::unique_ptr<GpuInventory>(new FakeGpuInventory(state));
    };
  }

  Result<int> DeviceCount() override {
    if (state_->count_error) return *state_->count_error;
    return static_cast<int>(state_->devices.size());
  }

  Result<GpuStatus> Device(int index) override {
    if (state_->device_error) return *state_->device_error;
    if (index < 0 || static_cast<size_t>(index) >= state_->devices.size()) {
      return MakeError(ErrorCode::kInvalidArgument, "no GPU " + std::to_string(index));
    }
    return state_->devices[index];
  }

  Result<std::vector<XidEvent>> TakeXidEvents() override {
    if (state_->xid_error) return *state_->xid_error;
    return std::exchange(state_->xids, {});
  }

 private:
  std::shared_ptr<FakeGpuState> state_;
};

}  // namespace trainyard
