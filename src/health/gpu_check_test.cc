#include "health/gpu_check.h"

#include <gtest/gtest.h>

#include "health/fake_gpu_inventory.h"
#include "health/nvml_gpu_inventory.h"

namespace trainyard {
namespace {

HealthContext ContextFor(const std::string& instance_type) {
  HealthContext context;
  context.instance_type = instance_type;
  context.host = "algo-1";
  return context;
}

HealthVerdict RunOnce(GpuHealthCheck& check, const std::string& instance_type) {
  Result<HealthVerdict> verdict = check.Run(ContextFor(instance_type));
  EXPECT_TRUE(verdict.ok()) << verdict.error().ToString();
  return verdict.ok() ? *verdict : HealthVerdict{};
}

GpuStatus Unreported(int index, const std::string& name = "") {
  GpuStatus gpu;
  gpu.index = index;
  gpu.name = name;
  return gpu;
}

std::shared_ptr<FakeGpuState> NoNvml() {
  auto state = std::make_shared<FakeGpuState>();
  state->open_error = MakeError(ErrorCode::kNotFound, "libnvidia-ml.so.1 not found");
  return state;
}

TEST(GpuHealthCheckTest, ATypeWithoutGpusPassesOnAHostWithoutNvml) {
  GpuHealthCheck check(FakeGpuInventory::Opener(NoNvml()));
  HealthVerdict verdict = RunOnce(check, "ml.m5.xlarge");
  EXPECT_TRUE(verdict.healthy);
  EXPECT_EQ(verdict.check, "gpu");
  EXPECT_EQ(verdict.evidence, "ml.m5.xlarge promises no GPUs; NVML not loaded (libnvidia-ml.so.1 not found)");
}

TEST(GpuHealthCheckTest, AGpuTypeFailsOnAHostWithoutNvml) {
  GpuHealthCheck check(FakeGpuInventory::Opener(NoNvml()));
  HealthVerdict verdict = RunOnce(check, "ml.p4d.24xlarge");
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "ml.p4d.24xlarge promises 8 GPUs; this host has none (libnvidia-ml.so.1 not found)");
}

TEST(GpuHealthCheckTest, AGpuTypeFailsWhereTheRealLibraryCannotBeLoaded) {
  GpuHealthCheck check(NvmlGpuInventory::Opener("libtrainyard-absent-nvml.so.1"));  // a real dlopen
  HealthVerdict verdict = RunOnce(check, "ml.g5.xlarge");
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "ml.g5.xlarge promises 1 GPU; this host has none (libtrainyard-absent-nvml.so.1 not found)");
}

TEST(GpuHealthCheckTest, AnUnknownTypeIsSaidAndTakenAsPromisingNone) {
  GpuHealthCheck check(FakeGpuInventory::Opener(NoNvml()));
  HealthVerdict verdict = RunOnce(check, "ml.x99.xlarge");
  EXPECT_TRUE(verdict.healthy);
  EXPECT_NE(verdict.evidence.find("unknown instance type ml.x99.xlarge"), std::string::npos) << verdict.evidence;
}

TEST(GpuHealthCheckTest, HealthyGpusAsPromisedPass) {
  GpuHealthCheck check(FakeGpuInventory::Opener(FakeGpuState::Healthy(8)));
  HealthVerdict verdict = RunOnce(check, "ml.p4d.24xlarge");
  EXPECT_TRUE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "ml.p4d.24xlarge promises 8 GPUs; this host has 8 (NVIDIA A100-SXM4-80GB), all healthy");
}

TEST(GpuHealthCheckTest, FewerGpusThanPromisedFail) {
  GpuHealthCheck check(FakeGpuInventory::Opener(FakeGpuState::Healthy(7)));
  HealthVerdict verdict = RunOnce(check, "ml.p4d.24xlarge");
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "ml.p4d.24xlarge promises 8 GPUs; this host has 7");
}

TEST(GpuHealthCheckTest, ATypeWithoutGpusDoesNotJudgeTheHostsGpus) {
  auto state = FakeGpuState::Healthy(2);
  state->devices[1].uncorrectable_ecc_errors = 5;
  GpuHealthCheck check(FakeGpuInventory::Opener(state));
  HealthVerdict verdict = RunOnce(check, "ml.c5.2xlarge");
  EXPECT_TRUE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "ml.c5.2xlarge promises no GPUs; this host has 2 GPUs (not checked)");
}

TEST(GpuHealthCheckTest, EachFailureModeNamesTheGpuAndTheReason) {
  struct Case {
    const char* what;
    void (*spoil)(GpuStatus&);
    const char* evidence;
  };
  const Case cases[] = {
      {"ecc", [](GpuStatus& g) { g.uncorrectable_ecc_errors = 2; }, "GPU 3: 2 uncorrectable ECC errors"},
      {"ecc one", [](GpuStatus& g) { g.uncorrectable_ecc_errors = 1; }, "GPU 3: 1 uncorrectable ECC error"},
      {"pages", [](GpuStatus& g) { g.retired_pages_pending = true; }, "GPU 3: retired pages pending (needs a reset)"},
      {"remap", [](GpuStatus& g) { g.row_remap_pending = true; }, "GPU 3: row remapping pending (needs a reset)"},
      {"remap failed", [](GpuStatus& g) { g.row_remap_failed = true; }, "GPU 3: row remapping failed"},
      {"lost", [](GpuStatus& g) { g = Unreported(3), g.lost = true; },
       "GPU 3 is lost (fallen off the bus or otherwise inaccessible)"},
      {"hw thermal", [](GpuStatus& g) { g.throttle_reasons = gpu_throttle::kHwThermalSlowdown; },
       "GPU 3: thermal throttling (HW thermal slowdown)"},
      {"sw thermal + hw slowdown",
       [](GpuStatus& g) { g.throttle_reasons = gpu_throttle::kSwThermalSlowdown | gpu_throttle::kHwSlowdown; },
       "GPU 3: thermal throttling (HW slowdown, SW thermal slowdown)"},
      {"power brake", [](GpuStatus& g) { g.throttle_reasons = gpu_throttle::kHwPowerBrakeSlowdown; },
       "GPU 3: power throttling (HW power brake slowdown)"},
  };
  for (const Case& c : cases) {
    auto state = FakeGpuState::Healthy(4);
    c.spoil(state->devices[3]);
    GpuHealthCheck check(FakeGpuInventory::Opener(state));
    HealthVerdict verdict = RunOnce(check, "ml.g5.12xlarge");
    EXPECT_FALSE(verdict.healthy) << c.what;
    EXPECT_EQ(verdict.evidence, c.evidence) << c.what;
  }
}

TEST(GpuHealthCheckTest, RoutineThrottleReasonsAndUnreportedFactsAreHealthy) {
  auto state = FakeGpuState::Healthy(4, "NVIDIA A10G");
  state->devices[0].throttle_reasons = gpu_throttle::kGpuIdle | gpu_throttle::kApplicationsClocksSetting |
                                       gpu_throttle::kSwPowerCap | gpu_throttle::kSyncBoost |
                                       gpu_throttle::kDisplayClockSetting;
  state->devices[1] = Unreported(1, "NVIDIA A10G");  // reports nothing
  GpuHealthCheck check(FakeGpuInventory::Opener(state));
  HealthVerdict verdict = RunOnce(check, "ml.g5.12xlarge");
  EXPECT_TRUE(verdict.healthy) << verdict.evidence;
}

TEST(GpuHealthCheckTest, SwPowerCapCountsWhenTheOptionsSaySo) {
  auto state = FakeGpuState::Healthy(1);
  state->devices[0].throttle_reasons = gpu_throttle::kSwPowerCap;
  GpuHealthCheck check(FakeGpuInventory::Opener(state),
                       GpuCheckOptions{.unhealthy_throttle_reasons = gpu_throttle::kSwPowerCap});
  HealthVerdict verdict = RunOnce(check, "ml.g5.xlarge");
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "GPU 0: power throttling (SW power cap)");
}

TEST(GpuHealthCheckTest, CriticalXidsFailOnceAndOthersAreIgnored) {
  auto state = FakeGpuState::Healthy(8);
  state->xids = {{2, 13}, {5, 79}, {-1, 48}, {1, 999}};
  GpuHealthCheck check(FakeGpuInventory::Opener(state));
  HealthVerdict verdict = RunOnce(check, "ml.p5.48xlarge");
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence,
            "GPU 5: XID 79 (GPU has fallen off the bus); an unknown GPU: XID 48 (double-bit ECC error)");
  EXPECT_TRUE(RunOnce(check, "ml.p5.48xlarge").healthy) << "the events were taken";
  state->xids = {{0, 13}, {3, 31}};
  EXPECT_TRUE(RunOnce(check, "ml.p5.48xlarge").healthy) << "XID 13 and 31 are the workload's";
  EXPECT_EQ(state->opens, 1) << "the inventory is kept between runs";
}

TEST(GpuHealthCheckTest, EveryProblemIsListed) {
  auto state = FakeGpuState::Healthy(3);
  state->devices[0].uncorrectable_ecc_errors = 1;
  state->devices[0].row_remap_pending = true;
  state->xids = {{2, 94}};
  GpuHealthCheck check(FakeGpuInventory::Opener(state));
  HealthVerdict verdict = RunOnce(check, "ml.p4d.24xlarge");
  EXPECT_EQ(verdict.evidence,
            "ml.p4d.24xlarge promises 8 GPUs; this host has 3; GPU 0: 1 uncorrectable ECC error; "
            "GPU 0: row remapping pending (needs a reset); GPU 2: XID 94 (contained ECC error)");
}

TEST(GpuHealthCheckTest, AFailedQueryIsAnErrorAndTheInventoryIsOpenedAgain) {
  auto state = FakeGpuState::Healthy(1);
  state->device_error = MakeError(ErrorCode::kInternal, "nvmlDeviceGetName: Unknown Error (NVML error 999)");
  GpuHealthCheck check(FakeGpuInventory::Opener(state));
  Result<HealthVerdict> verdict = check.Run(ContextFor("ml.g5.xlarge"));
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().message, "reading GPU 0: nvmlDeviceGetName: Unknown Error (NVML error 999)");
  state->device_error.reset();
  EXPECT_TRUE(RunOnce(check, "ml.g5.xlarge").healthy);
  EXPECT_EQ(state->opens, 2);
}

TEST(GpuHealthCheckTest, AFailedOpenIsTriedAgainNextRun) {
  auto state = NoNvml();
  GpuHealthCheck check(FakeGpuInventory::Opener(state));
  EXPECT_FALSE(RunOnce(check, "ml.g5.xlarge").healthy);
  state->open_error.reset();
  state->devices = FakeGpuState::Healthy(1)->devices;
  EXPECT_TRUE(RunOnce(check, "ml.g5.xlarge").healthy);
  EXPECT_EQ(state->opens, 2);
}

}  // namespace
}  // namespace trainyard
