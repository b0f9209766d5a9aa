#include "health/memory_check.h"

#include <gtest/gtest.h>

#include "health/health_test_util.h"

namespace trainyard {
namespace {

using health_testing::TempDir;
using health_testing::WriteFile;

constexpr char kMeminfo[] =
    "MemTotal:       16384000 kB\n"
    "MemFree:          100000 kB\n"
    "MemAvailable:     524288 kB\n"
    "Buffers:           10000 kB\n";

Result<HealthVerdict> RunWith(const TempDir& dir, std::string_view meminfo, int64_t min_available) {
  WriteFile(dir.Path("meminfo"), meminfo);
  MemoryHealthCheck check(MemoryCheckOptions{.min_available_bytes = min_available, .meminfo_path = dir.Path("meminfo")});
  return check.Run(HealthContext{});
}

TEST(MemoryHealthCheckTest, EnoughAvailableMemoryPasses) {
  TempDir dir;
  Result<HealthVerdict> verdict = RunWith(dir, kMeminfo, 512 * kMiB);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_TRUE(verdict->healthy);
  EXPECT_EQ(verdict->check, "memory");
  EXPECT_EQ(verdict->evidence, "512 MiB available of 16 GiB");
}

TEST(MemoryHealthCheckTest, TooLittleAvailableMemoryFails) {
  TempDir dir;
  Result<HealthVerdict> verdict = RunWith(dir, kMeminfo, kGiB);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_FALSE(verdict->healthy);
  EXPECT_EQ(verdict->evidence, "512 MiB available of 16 GiB, needs 1 GiB");
}

TEST(MemoryHealthCheckTest, AFileWithoutMemAvailableOrNoFileIsAnError) {
  TempDir dir;
  Result<HealthVerdict> verdict = RunWith(dir, "MemTotal: 1000 kB\nMemAvailableX: 5 kB\nMemAvailable: lots\n", 0);
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code, ErrorCode::kFailedPrecondition);
  MemoryHealthCheck missing(MemoryCheckOptions{.meminfo_path = dir.Path("none")});
  EXPECT_EQ(missing.Run(HealthContext{}).error().code, ErrorCode::kNotFound);
}

TEST(MemoryHealthCheckTest, ReadsThisHostsMeminfo) {
  Result<HealthVerdict> verdict = MemoryHealthCheck(MemoryCheckOptions{.min_available_bytes = 1}).Run(HealthContext{});
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_TRUE(verdict->healthy) << verdict->evidence;
}

}  // namespace
}  // namespace trainyard
