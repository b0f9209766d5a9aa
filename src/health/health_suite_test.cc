#include "health/health_suite.h"

#include <gtest/gtest.h>

#include "health/health_test_util.h"

namespace trainyard {
namespace {

using health_testing::TempDir;
using health_testing::WriteScript;

// A check that answers what it is told, taking `ms` of the fake clock.
class ScriptedCheck : public HealthCheck {
 public:
  ScriptedCheck(std::string name, Result<HealthVerdict> answer, FakeClock* clock, int64_t ms)
      : name_(std::move(name)), answer_(std::move(answer)), clock_(clock), ms_(ms) {}
  std::string_view name() const override { return name_; }
  Result<HealthVerdict> Run(const HealthContext&) override {
    clock_->AdvanceMs(ms_);
    return answer_;
  }

 private:
  std::string name_;
  Result<HealthVerdict> answer_;
  FakeClock* clock_;
  int64_t ms_;
};

TEST(RunHealthChecksTest, EachCheckGivesOneOutcomeWithItsDuration) {
  FakeClock clock;
  std::vector<std::unique_ptr<HealthCheck>> checks;
  checks.push_back(std::make_unique<ScriptedCheck>("gpu", HealthVerdict{"gpu", true, "fine"}, &clock, 5));
  checks.push_back(std::make_unique<ScriptedCheck>(
      "memory", MakeError(ErrorCode::kNotFound, "reading /proc/meminfo: No such file"), &clock, 1));
  checks.push_back(std::make_unique<ScriptedCheck>("program /etc/trainyard/check.sh",
                                                   HealthVerdict{"program /etc/trainyard/check.sh", false, "exited 1: disk bad"},
                                                   &clock, 30));
  std::vector<HealthOutcome> outcomes = RunHealthChecks(checks, HealthContext{}, clock);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0].state, HealthOutcome::State::kHealthy);
  EXPECT_EQ(outcomes[0].duration_ms, 5);
  EXPECT_EQ(outcomes[1].state, HealthOutcome::State::kError);
  EXPECT_EQ(outcomes[1].detail, "reading /proc/meminfo: No such file");
  EXPECT_EQ(outcomes[2].state, HealthOutcome::State::kUnhealthy);
  EXPECT_EQ(outcomes[2].duration_ms, 30);
  EXPECT_TRUE(AnyUnhealthy(outcomes));
  EXPECT_TRUE(AnyError(outcomes));
  EXPECT_EQ(FormatOutcome(outcomes[2]), "program /etc/trainyard/check.sh: exited 1: disk bad");
  EXPECT_EQ(SummarizeOutcomes(outcomes),
            "memory: could not run: reading /proc/meminfo: No such file; "
            "program /etc/trainyard/check.sh: exited 1: disk bad");
  std::span<const HealthOutcome> healthy(outcomes.data(), 1);
  EXPECT_FALSE(AnyUnhealthy(healthy));
  EXPECT_FALSE(AnyError(healthy));
  EXPECT_EQ(SummarizeOutcomes(healthy), "all 1 health checks passed");
}

TEST(MakeNodeHealthChecksTest, GpuDiskMemoryThenThePrograms) {
  HealthOptions options;
  options.programs = {"/etc/trainyard/a.sh", "/etc/trainyard/b.sh"};
  std::vector<std::unique_ptr<HealthCheck>> checks = MakeNodeHealthChecks(options);
  std::vector<std::string> names;
  for (const auto& check : checks) names.emplace_back(check->name());
  EXPECT_EQ(names, (std::vector<std::string>{"gpu", "disk", "memory", "program /etc/trainyard/a.sh",
                                             "program /etc/trainyard/b.sh"}));
  options.gpu = false;
  options.programs.clear();
  EXPECT_EQ(MakeNodeHealthChecks(options).size(), 2u);
}

TEST(MakeNodeHealthChecksTest, TheSuiteRunsOnThisHost) {
  TempDir dir;
  HealthOptions options;
  options.min_free_disk_bytes = 1;
  options.min_available_memory_bytes = 1;
  options.programs = {WriteScript(dir, "ok.sh", "echo fine").string()};
  std::vector<std::unique_ptr<HealthCheck>> checks = MakeNodeHealthChecks(options);
  HealthContext context;
  context.instance_type = "ml.m5.xlarge";
  context.ml_root = dir.path();
  SystemClock clock;
  std::vector<HealthOutcome> outcomes = RunHealthChecks(checks, context, clock);
  EXPECT_FALSE(AnyUnhealthy(outcomes)) << SummarizeOutcomes(outcomes);
  EXPECT_FALSE(AnyError(outcomes)) << SummarizeOutcomes(outcomes);
  EXPECT_EQ(SummarizeOutcomes(outcomes), "all 4 health checks passed");
}

}  // namespace
}  // namespace trainyard
