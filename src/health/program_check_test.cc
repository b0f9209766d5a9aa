#include "health/program_check.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "health/health_test_util.h"

namespace trainyard {
namespace {

using health_testing::TempDir;
using health_testing::WriteScript;

HealthContext Context() {
  return HealthContext{.instance_type = "ml.g5.xlarge",
                       .host = "algo-2",
                       .instance_id = "i-0123",
                       .job_name = "my-job",
                       .ml_root = "/opt/ml",
                       .checkpoint_dir = "/opt/ml/checkpoints"};
}

HealthVerdict RunScript(const TempDir& dir, std::string_view body, ProgramCheckOptions options = {}) {
  ProgramHealthCheck check(WriteScript(dir, "check.sh", body), options);
  Result<HealthVerdict> verdict = check.Run(Context());
  EXPECT_TRUE(verdict.ok()) << verdict.error().ToString();
  return verdict.ok() ? *verdict : HealthVerdict{};
}

TEST(ProgramHealthCheckTest, ExitZeroIsHealthy) {
  TempDir dir;
  HealthVerdict verdict = RunScript(dir, "exit 0");
  EXPECT_TRUE(verdict.healthy);
  EXPECT_EQ(verdict.check, "program " + dir.Path("check.sh").string());
  EXPECT_EQ(verdict.evidence, "exited 0");
}

TEST(ProgramHealthCheckTest, AnyOtherExitIsUnhealthyWithTheOutputAsReason) {
  TempDir dir;
  HealthVerdict verdict = RunScript(dir, "echo disk bad; exit 1");
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "exited 1: disk bad");
  verdict = RunScript(dir, "echo '  first  '; echo; echo second >&2; exit 7");
  EXPECT_EQ(verdict.evidence, "exited 7: first / second");
}

TEST(ProgramHealthCheckTest, AProgramPastItsTimeoutIsKilledAndUnhealthy) {
  TempDir dir;
  HealthVerdict verdict = RunScript(dir, "sleep 30", ProgramCheckOptions{.timeout = std::chrono::milliseconds(200)});
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.evidence, "timed out after 200 ms");
}

TEST(ProgramHealthCheckTest, HugeOutputIsCutToItsEnd) {
  TempDir dir;
  HealthVerdict verdict = RunScript(dir, "i=0; while [ $i -lt 3000 ]; do echo line $i; i=$((i+1)); done; exit 2",
                                    ProgramCheckOptions{.max_output_bytes = 64});
  EXPECT_FALSE(verdict.healthy);
  EXPECT_TRUE(verdict.evidence.starts_with("exited 2: ...")) << verdict.evidence;
  EXPECT_TRUE(verdict.evidence.ends_with("line 2998 / line 2999")) << verdict.evidence;
  EXPECT_LT(verdict.evidence.size(), 100u);
}

TEST(ProgramHealthCheckTest, TheProgramSeesTheAgentsEnvironmentAndTheContext) {
  TempDir dir;
  ASSERT_EQ(setenv("TY_HEALTH_TEST_INHERITED", "yes", 1), 0);
  ASSERT_EQ(setenv("SM_CURRENT_HOST", "stale", 1), 0);
  HealthVerdict verdict = RunScript(
      dir,
      "echo $TY_HEALTH_TEST_INHERITED $TRAINYARD_HEALTH_CHECK $SM_CURRENT_HOST $TRAINYARD_INSTANCE_ID "
      "$TRAINYARD_INSTANCE_TYPE $TRAINING_JOB_NAME $TRAINYARD_ML_ROOT $TRAINYARD_CHECKPOINT_DIR; exit 1");
  unsetenv("TY_HEALTH_TEST_INHERITED");
  unsetenv("SM_CURRENT_HOST");
  EXPECT_EQ(verdict.evidence, "exited 1: yes 1 algo-2 i-0123 ml.g5.xlarge my-job /opt/ml /opt/ml/checkpoints");
}

TEST(ProgramHealthCheckTest, AProgramThatCannotRunIsAnErrorNotAVerdict) {
  TempDir dir;
  ProgramHealthCheck missing(dir.Path("missing.sh"));
  Result<HealthVerdict> verdict = missing.Run(Context());
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.error().code, ErrorCode::kNotFound);
  ProgramHealthCheck relative("check.sh");
  EXPECT_EQ(relative.Run(Context()).error().code, ErrorCode::kInvalidArgument);
}

TEST(HealthProgramEnvironmentTest, ReplacesVariablesOfTheSameName) {
  std::vector<std::string> env =
      HealthProgramEnvironment({"PATH=/bin", "SM_CURRENT_HOST=old", "SM_CURRENT_HOSTS=[]"}, Context());
  EXPECT_EQ(env[0], "PATH=/bin");
  EXPECT_EQ(env[1], "SM_CURRENT_HOSTS=[]");
  EXPECT_EQ(std::count(env.begin(), env.end(), "SM_CURRENT_HOST=algo-2"), 1);
  EXPECT_EQ(std::count(env.begin(), env.end(), "SM_CURRENT_HOST=old"), 0);
  EXPECT_EQ(std::count(env.begin(), env.end(), "TRAINYARD_HEALTH_CHECK=1"), 1);
}

}  // namespace
}  // namespace trainyard
