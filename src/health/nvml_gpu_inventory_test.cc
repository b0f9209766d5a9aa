#include "health/nvml_gpu_inventory.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>

#include "health/gpu_check.h"
#include "health/testdata/fake_nvml_state.h"

namespace trainyard {
namespace {

TEST(NvmlGpuInventoryTest, AMissingLibraryIsNotFound) {
  auto inventory = NvmlGpuInventory::Open("libtrainyard-absent-nvml.so.1");
  ASSERT_FALSE(inventory.ok());
  EXPECT_EQ(inventory.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(inventory.error().message, "libtrainyard-absent-nvml.so.1 not found");
}

TEST(NvmlGpuInventoryTest, TheDriversLibraryOpensWhereItIsInstalledAndIsNotFoundElsewhere) {
  void* probe = dlopen(kNvmlLibrary, RTLD_NOW | RTLD_LOCAL);
  auto inventory = NvmlGpuInventory::Open();
  if (probe == nullptr) {
    ASSERT_FALSE(inventory.ok());
    EXPECT_EQ(inventory.error().message, "libnvidia-ml.so.1 not found");
    return;
  }
  dlclose(probe);
  if (!inventory.ok()) GTEST_SKIP() << "NVML is installed but does not initialise: " << inventory.error().message;
  Result<int> count = (*inventory)->DeviceCount();
  ASSERT_TRUE(count.ok()) << count.error().ToString();
  for (int i = 0; i < *count; ++i) {
    Result<GpuStatus> gpu = (*inventory)->Device(i);
    ASSERT_TRUE(gpu.ok()) << gpu.error().ToString();
    EXPECT_FALSE(gpu->name.empty());
  }
  EXPECT_TRUE((*inventory)->TakeXidEvents().ok());
}

TEST(NvmlGpuInventoryTest, ALibraryWithoutNvmlIsUnavailable) {
  auto inventory = NvmlGpuInventory::Open("libm.so.6");
  ASSERT_FALSE(inventory.ok());
  EXPECT_EQ(inventory.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(inventory.error().message, "libm.so.6 lacks nvmlInit_v2 (NVML too old?)");
}

// The tests below load the stand-in libnvidia-ml (testdata/fake_nvml.cpp).
class FakeNvmlTest : public testing::Test {
 protected:
  void SetUp() override {
    library_ = dlopen(TY_FAKE_NVML_PATH, RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(library_, nullptr) << dlerror();
    auto state_of = reinterpret_cast<fake_nvml::State* (*)()>(dlsym(library_, "fake_nvml_state"));
    ASSERT_NE(state_of, nullptr);
    state_ = state_of();
    *state_ = fake_nvml::State{};
  }
  void TearDown() override {
    if (library_) dlclose(library_);
  }

  fake_nvml::Device& AddDevice(const char* name) {
    fake_nvml::Device& device = state_->devices[state_->device_count++];
    std::strncpy(device.name, name, sizeof(device.name) - 1);
    device.ecc_supported = device.pages_supported = device.remap_supported = device.events_supported = true;
    return device;
  }

  void AddEvent(int device, unsigned long long type, unsigned long long xid) {  // NOLINT(runtime/int)
    state_->events[state_->event_count++] = {device, type, xid};
  }

  void* library_ = nullptr;
  fake_nvml::State* state_ = nullptr;
};

TEST_F(FakeNvmlTest, ReadsEachGpusFacts) {
  AddDevice("NVIDIA H100 80GB HBM3");
  fake_nvml::Device& bad = AddDevice("NVIDIA H100 80GB HBM3");
  bad.uncorrectable_ecc = 3;
  bad.pages_pending = true;
  bad.remap_pending = true;
  bad.remap_failed = true;
  bad.throttle_reasons = 0x40;
  fake_nvml::Device& plain = AddDevice("NVIDIA A10G");
  plain.ecc_supported = plain.pages_supported = plain.remap_supported = false;
  auto inventory = NvmlGpuInventory::Open(TY_FAKE_NVML_PATH);
  ASSERT_TRUE(inventory.ok()) << inventory.error().ToString();
  EXPECT_EQ((*inventory)->DeviceCount().value(), 3);

  GpuStatus good = (*inventory)->Device(0).value();
  EXPECT_EQ(good.name, "NVIDIA H100 80GB HBM3");
  EXPECT_FALSE(good.lost);
  EXPECT_EQ(good.uncorrectable_ecc_errors, 0u);
  EXPECT_EQ(good.retired_pages_pending, false);
  EXPECT_EQ(good.row_remap_pending, false);
  EXPECT_EQ(good.row_remap_failed, false);
  EXPECT_EQ(good.throttle_reasons, 0u);

  GpuStatus worn = (*inventory)->Device(1).value();
  EXPECT_EQ(worn.index, 1);
  EXPECT_EQ(worn.uncorrectable_ecc_errors, 3u);
  EXPECT_EQ(worn.retired_pages_pending, true);
  EXPECT_EQ(worn.row_remap_pending, true);
  EXPECT_EQ(worn.row_remap_failed, true);
  EXPECT_EQ(worn.throttle_reasons, gpu_throttle::kHwThermalSlowdown);

  GpuStatus unsupported = (*inventory)->Device(2).value();
  EXPECT_EQ(unsupported.name, "NVIDIA A10G");
  EXPECT_FALSE(unsupported.uncorrectable_ecc_errors.has_value());
  EXPECT_FALSE(unsupported.retired_pages_pending.has_value());
  EXPECT_FALSE(unsupported.row_remap_pending.has_value());
  EXPECT_EQ((*inventory)->Device(3).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(FakeNvmlTest, ALostGpuIsReportedAsLost) {
  AddDevice("NVIDIA A100-SXM4-40GB");
  AddDevice("NVIDIA A100-SXM4-40GB");
  auto inventory = NvmlGpuInventory::Open(TY_FAKE_NVML_PATH);
  ASSERT_TRUE(inventory.ok()) << inventory.error().ToString();
  state_->devices[1].lost = true;  // falls off the bus after the open
  GpuStatus gpu = (*inventory)->Device(1).value();
  EXPECT_TRUE(gpu.lost);
  EXPECT_TRUE(gpu.name.empty());
  EXPECT_FALSE(gpu.throttle_reasons.has_value());
  state_->devices[0].lost = true;  // lost before its handle was ever taken: reopen
  inventory = NvmlGpuInventory::Open(TY_FAKE_NVML_PATH);
  ASSERT_TRUE(inventory.ok()) << inventory.error().ToString();
  EXPECT_TRUE((*inventory)->Device(0).value().lost);
}

TEST_F(FakeNvmlTest, AFailedInitIsUnavailableAndLeavesNvmlClosed) {
  state_->init_result = nvml::kErrorDriverNotLoaded;
  auto inventory = NvmlGpuInventory::Open(TY_FAKE_NVML_PATH);
  ASSERT_FALSE(inventory.ok());
  EXPECT_EQ(inventory.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(inventory.error().message, "nvmlInit: Driver Not Loaded");
  EXPECT_EQ(state_->live_inits, 0);
}

TEST_F(FakeNvmlTest, ClosingShutsNvmlDownAndFreesTheEventSet) {
  AddDevice("NVIDIA L4");
  {
    auto inventory = NvmlGpuInventory::Open(TY_FAKE_NVML_PATH);
    ASSERT_TRUE(inventory.ok()) << inventory.error().ToString();
    EXPECT_EQ(state_->live_inits, 1);
    EXPECT_EQ(state_->live_event_sets, 1);
  }
  EXPECT_EQ(state_->live_inits, 0);
  EXPECT_EQ(state_->live_event_sets, 0);
}

TEST_F(FakeNvmlTest, XidEventsAreTakenOnceFromTheWatchedGpus) {
  AddDevice("NVIDIA H200");
  AddDevice("NVIDIA H200").events_supported = false;
  AddDevice("NVIDIA H200");
  auto inventory = NvmlGpuInventory::Open(TY_FAKE_NVML_PATH);
  ASSERT_TRUE(inventory.ok()) << inventory.error().ToString();
  EXPECT_TRUE((*inventory)->TakeXidEvents().value().empty());
  AddEvent(2, nvml::kEventTypeXidCriticalError, 79);
  AddEvent(1, nvml::kEventTypeXidCriticalError, 48);  // not watched: NVML never delivers it
  AddEvent(0, 0x1, 0);                                 // a single-bit ECC event: not an XID
  AddEvent(0, nvml::kEventTypeXidCriticalError, 13);
  EXPECT_EQ((*inventory)->TakeXidEvents().value(), (std::vector<XidEvent>{{2, 79}, {0, 13}}));
  EXPECT_TRUE((*inventory)->TakeXidEvents().value().empty());
}

TEST_F(FakeNvmlTest, TheGpuCheckJudgesWhatTheDriverReports) {
  for (int i = 0; i < 4; ++i) AddDevice("NVIDIA A10G");
  state_->devices[2].throttle_reasons = 0x40;  // HW thermal slowdown
  GpuHealthCheck check(NvmlGpuInventory::Opener(TY_FAKE_NVML_PATH));
  HealthContext context;
  context.instance_type = "ml.g5.12xlarge";
  Result<HealthVerdict> verdict = check.Run(context);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_FALSE(verdict->healthy);
  EXPECT_EQ(verdict->evidence, "GPU 2: thermal throttling (HW thermal slowdown)");
  state_->devices[2].throttle_reasons = 0;
  AddEvent(3, nvml::kEventTypeXidCriticalError, 119);
  verdict = check.Run(context);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_EQ(verdict->evidence, "GPU 3: XID 119 (GSP RPC timeout)");
  verdict = check.Run(context);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_EQ(verdict->evidence, "ml.g5.12xlarge promises 4 GPUs; this host has 4 (NVIDIA A10G), all healthy");
}

}  // namespace
}  // namespace trainyard
