#include "health/program_runner.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "health/health_test_util.h"

namespace trainyard {
namespace {

using health_testing::TempDir;
using health_testing::WriteFile;
using health_testing::WriteScript;

ProgramSpec SpecFor(const std::filesystem::path& program, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  ProgramSpec spec;
  spec.argv = {program.string()};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.timeout = timeout;
  return spec;
}

TEST(RunProgramTest, CollectsTheExitCodeAndBothOutputs) {
  TempDir dir;
  auto script = WriteScript(dir, "check", "echo out; echo err >&2; exit 3");
  Result<ProgramOutcome> outcome = RunProgram(SpecFor(script));
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_EQ(outcome->exit_code, 3);
  EXPECT_EQ(outcome->signal, 0);
  EXPECT_EQ(outcome->output, "out\nerr\n");
  EXPECT_FALSE(outcome->output_truncated);
}

TEST(RunProgramTest, GetsExactlyTheGivenEnvironmentAndNoInput) {
  TempDir dir;
  auto script = WriteScript(dir, "check", "cat; env | sort");
  ProgramSpec spec = SpecFor(script);
  spec.env = {"PATH=/usr/bin:/bin", "A=1"};
  Result<ProgramOutcome> outcome = RunProgram(spec);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->output.find("A=1\n"), 0u) << outcome->output;
  EXPECT_NE(outcome->output.find("PATH=/usr/bin:/bin\n"), std::string::npos) << outcome->output;
}

TEST(RunProgramTest, AProgramPastItsTimeoutIsKilled) {
  TempDir dir;
  auto script = WriteScript(dir, "check", "echo starting; sleep 30");
  const auto start = std::chrono::steady_clock::now();
  Result<ProgramOutcome> outcome = RunProgram(SpecFor(script, std::chrono::milliseconds(200)));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_TRUE(outcome->timed_out);
  EXPECT_EQ(outcome->signal, SIGKILL);
  EXPECT_EQ(outcome->exit_code, -1);
  EXPECT_EQ(outcome->output, "starting\n");
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(RunProgramTest, WhatTheProgramLeftInItsGroupIsKilledWhenItExits) {
  TempDir dir;
  // The background sleep holds the output pipe; were it not killed, the run
  // would wait for it until the timeout.
  auto script = WriteScript(dir, "check", "sleep 30 & echo done");
  const auto start = std::chrono::steady_clock::now();
  Result<ProgramOutcome> outcome = RunProgram(SpecFor(script, std::chrono::seconds(20)));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->output, "done\n");
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(RunProgramTest, KeepsOnlyTheLastOutput) {
  TempDir dir;
  auto script = WriteScript(dir, "check", "head -c 1000000 /dev/zero | tr '\\000' x; echo; echo END");
  Result<ProgramOutcome> outcome = RunProgram(SpecFor(script));
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->output.size(), 4096u);
  EXPECT_TRUE(outcome->output_truncated);
  EXPECT_TRUE(outcome->output.ends_with("xxx\nEND\n"));
}

TEST(RunProgramTest, ASignalThatEndsTheProgramIsReported) {
  TempDir dir;
  auto script = WriteScript(dir, "check", "kill -SEGV $$");
  Result<ProgramOutcome> outcome = RunProgram(SpecFor(script));
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_FALSE(outcome->timed_out);
  EXPECT_EQ(outcome->signal, SIGSEGV);
}

TEST(RunProgramTest, AProgramThatCannotStartIsAnError) {
  TempDir dir;
  EXPECT_EQ(RunProgram(SpecFor(dir.Path("missing"))).error().code, ErrorCode::kNotFound);
  WriteFile(dir.Path("not-executable"), "#!/bin/sh\nexit 0\n", 0644);
  Result<ProgramOutcome> outcome = RunProgram(SpecFor(dir.Path("not-executable")));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(outcome.error().message, "starting " + dir.Path("not-executable").string() + ": Permission denied");
  WriteFile(dir.Path("no-interpreter-line"), "exit 0\n", 0755);
  EXPECT_EQ(RunProgram(SpecFor(dir.Path("no-interpreter-line"))).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(RunProgram(SpecFor(dir.path())).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(RunProgram(ProgramSpec{}).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace trainyard
