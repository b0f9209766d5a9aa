#include "health/disk_check.h"

#include <gtest/gtest.h>

#include "health/health_test_util.h"

namespace trainyard {
namespace {

using health_testing::TempDir;
using health_testing::WriteFile;

HealthContext Roots(const std::filesystem::path& ml_root, const std::filesystem::path& checkpoint_dir = {}) {
  HealthContext context;
  context.ml_root = ml_root;
  context.checkpoint_dir = checkpoint_dir;
  return context;
}

TEST(DiskHealthCheckTest, WritableDirectoriesWithRoomPass) {
  TempDir dir;
  std::filesystem::create_directories(dir.Path("ml/checkpoints"));
  HealthContext context = Roots(dir.Path("ml"), dir.Path("ml/checkpoints"));
  DiskHealthCheck check(DiskCheckOptions{.min_free_bytes = 1});
  Result<HealthVerdict> verdict = check.Run(context);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_TRUE(verdict->healthy) << verdict->evidence;
  EXPECT_EQ(verdict->check, "disk");
  EXPECT_NE(verdict->evidence.find(dir.Path("ml").string() + ": "), std::string::npos) << verdict->evidence;
  EXPECT_NE(verdict->evidence.find(dir.Path("ml/checkpoints").string() + ": "), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(dir.Path("ml/checkpoints"))) << "the probe file is removed";
}

TEST(DiskHealthCheckTest, TooLittleFreeSpaceFails) {
  TempDir dir;
  HealthContext context = Roots(dir.path());
  DiskHealthCheck check(DiskCheckOptions{.min_free_bytes = int64_t{1} << 62});  // 4 EiB: no test disk has it
  Result<HealthVerdict> verdict = check.Run(context);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_FALSE(verdict->healthy);
  EXPECT_TRUE(verdict->evidence.starts_with(dir.path().string() + ": ")) << verdict->evidence;
  EXPECT_TRUE(verdict->evidence.ends_with(" free, needs 4096 PiB")) << verdict->evidence;
}

TEST(DiskHealthCheckTest, AMissingOrUnwritablePathFailsWithTheReason) {
  TempDir dir;
  WriteFile(dir.Path("not-a-dir"), "x");
  HealthContext context = Roots(dir.Path("missing"), dir.Path("not-a-dir"));
  DiskHealthCheck check(DiskCheckOptions{.min_free_bytes = 0});
  Result<HealthVerdict> verdict = check.Run(context);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_FALSE(verdict->healthy);
  EXPECT_EQ(verdict->evidence, dir.Path("missing").string() + ": does not exist; " + dir.Path("not-a-dir").string() +
                                   ": not writable (creating a probe file: Not a directory)");
}

TEST(DiskHealthCheckTest, AReadOnlyDirectoryIsNotWritable) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  TempDir dir;
  std::filesystem::create_directories(dir.Path("ro"));
  std::filesystem::permissions(dir.Path("ro"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  HealthContext context = Roots(dir.Path("ro"));
  Result<HealthVerdict> verdict = DiskHealthCheck(DiskCheckOptions{.min_free_bytes = 0}).Run(context);
  std::filesystem::permissions(dir.Path("ro"), std::filesystem::perms::owner_all);
  ASSERT_TRUE(verdict.ok()) << verdict.error().ToString();
  EXPECT_EQ(verdict->evidence, dir.Path("ro").string() + ": not writable (creating a probe file: Permission denied)");
}

TEST(DiskHealthCheckTest, NoMlRootIsAnError) {
  EXPECT_EQ(DiskHealthCheck().Run(HealthContext{}).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace trainyard
