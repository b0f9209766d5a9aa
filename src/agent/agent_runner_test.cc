#include "agent/agent_runner.h"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "agent/test_dir.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

void WriteFile(const fs::path& p, const std::string& text, fs::perms perms = fs::perms::owner_all) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  fs::permissions(p, perms);
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Advances the fake clock instead of sleeping.
class FakeSleeper : public Sleeper {
 public:
  explicit FakeSleeper(FakeClock& clock) : clock_(clock) {}
  void SleepFor(milliseconds d) override {
    clock_.AdvanceMs(d.count());
    std::this_thread::yield();
  }

 private:
  FakeClock& clock_;
};

// A scripted server: answers each report with what `policy` decides, keeps
// every report, assembles the log by seq as the server would, and acks the
// first half of each batch only, so that resending is exercised.
class FakeTransport : public AgentTransport {
 public:
  using Policy = std::function<AgentCommand(const AgentReport&, FakeTransport&)>;

  FakeTransport(Assignment assignment, Policy policy)
      : assignment_(std::move(assignment)), policy_(std::move(policy)) {}

  Result<Assignment> Register() override {
    if (register_failures_ > 0) {
      --register_failures_;
      return MakeError(register_error_, "server down");
    }
    return assignment_;
  }

  Result<AgentCommand> Report(const AgentReport& report) override {
    if (report_failures_ > 0) {
      --report_failures_;
      if (on_failure_) on_failure_();
      return MakeError(ErrorCode::kUnavailable, "connection refused");
    }
    reports_.push_back(report);
    for (const LogLine& line : report.logs) log_[line.seq] = line;
    AgentCommand command = policy_(report, *this);
    command.acked_seq = report.logs.empty() ? acked_
                                            : report.logs[(report.logs.size() - 1) / 2].seq;
    acked_ = std::max(acked_, command.acked_seq);
    return command;
  }

  bool LogContains(const std::string& needle) const {
    for (const auto& [seq, line] : log_) {
      if (line.text.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<AgentPhase> Phases() const {
    std::vector<AgentPhase> phases;
    for (const AgentReport& r : reports_) {
      if (phases.empty() || phases.back() != r.phase) phases.push_back(r.phase);
    }
    return phases;
  }

  Assignment assignment_;
  Policy policy_;
  std::vector<AgentReport> reports_;
  std::map<int64_t, LogLine> log_;
  int64_t acked_ = 0;
  int register_failures_ = 0;
  ErrorCode register_error_ = ErrorCode::kUnavailable;
  int report_failures_ = 0;
  std::function<void()> on_failure_;
};

// The usual server: upload after exit, release after upload or failure.
AgentCommand Conductor(const AgentReport& report, FakeTransport&) {
  switch (report.phase) {
    case AgentPhase::kExited: return {AgentAction::kUpload};
    case AgentPhase::kUploaded:
    case AgentPhase::kFailed: return {AgentAction::kExit};
    default: return {AgentAction::kContinue};
  }
}

// Node checks whose verdict the test sets; counts rounds and collective checks.
class FakeHealth : public InstanceHealth {
 public:
  std::vector<HealthOutcomeReport> NodeChecks(const Assignment&, const InstanceLayout&) override {
    std::lock_guard lock(mu);
    ++rounds;
    return {{"program check.sh", healthy ? "healthy" : "unhealthy", healthy ? "" : "exited 1: bad disk", 1}};
  }
  CollectiveOutcome CollectiveCheck(const Assignment& assignment) override {
    std::lock_guard lock(mu);
    collective_attempts.push_back(assignment.attempt);
    return {collective_ok, collective_ok ? "4 MiB allreduce ok" : "peer algo-2 unreachable",
            Json{{"Ok", collective_ok}}};
  }
  std::mutex mu;
  bool healthy = true;
  bool collective_ok = true;
  int rounds = 0;
  std::vector<int> collective_attempts;
};

class AgentRunnerTest : public ::testing::Test {
 protected:
  AgentRunnerTest() {
    WriteFile(dir_.path() / "data" / "rows.csv", "1,2\n");
    assignment_.job_name = "job";
    assignment_.job_arn = "arn:aws:sagemaker:us-east-1:000000000000:training-job/job";
    assignment_.host = "algo-1";
    assignment_.hosts = {"algo-1"};
    assignment_.region = "us-east-1";
    assignment_.report_interval_ms = 10;
    assignment_.staging_prefix = "file://" + (dir_.path() / "staging").string();
    assignment_.request = {
        {"AlgorithmSpecification",
         {{"TrainingImage", image_.string()}, {"TrainingInputMode", "File"}}},
        {"HyperParameters", {{"epochs", "2"}}},
        {"ResourceConfig", {{"InstanceType", "ml.m5.large"}, {"InstanceCount", 1}}},
        {"InputDataConfig",
         {{{"ChannelName", "train"},
           {"DataSource",
            {{"S3DataSource", {{"S3Uri", "file://" + (dir_.path() / "data").string()}}}}}}}}};
    options_.ml_root = dir_.path() / "ml";
    options_.environment.inherited = {{"PATH", "/usr/bin:/bin"}};
    options_.max_backoff = milliseconds(40);
    options_.max_lines_per_report = 7;
  }

  void Train(const std::string& body) { WriteFile(image_ / "train", "#!/bin/sh\n" + body); }

  Status Run(FakeTransport& transport, InstanceHealth* health = nullptr) {
    AgentRunner runner({transport, opener_, clock_, sleeper_, health}, options_);
    return runner.Run();
  }

  TestDir dir_;
  fs::path image_ = dir_.path() / "image";
  Assignment assignment_;
  AgentRunnerOptions options_;
  FakeClock clock_;
  FakeSleeper sleeper_{clock_};
  LocalObjectStoreOpener opener_;
};

TEST_F(AgentRunnerTest, RunsTheJobShipsEveryLineAndUploadsArtifacts) {
  Train(R"(cat "$SM_INPUT_CONFIG_DIR/hyperparameters.json"; echo
ls "$SM_CHANNEL_TRAIN"
i=0; while [ $i -lt 40 ]; do echo "line $i"; i=$((i+1)); done
echo to-stderr >&2
echo weights > "$SM_MODEL_DIR/model.bin"
echo metrics > "$SM_OUTPUT_DATA_DIR/eval.json"
)");
  FakeTransport transport(assignment_, Conductor);
  Status status = Run(transport);
  ASSERT_TRUE(status.ok()) << status.error().ToString();

  EXPECT_EQ(transport.Phases(),
            (std::vector<AgentPhase>{AgentPhase::kPreparing, AgentPhase::kChecking, AgentPhase::kTraining,
                                     AgentPhase::kExited, AgentPhase::kUploading,
                                     AgentPhase::kUploaded}));
  const AgentReport* exited = nullptr;
  for (const AgentReport& r : transport.reports_) {
    if (r.phase == AgentPhase::kExited && !exited) exited = &r;
  }
  ASSERT_NE(exited, nullptr);
  EXPECT_EQ(exited->exit_code, 0);
  EXPECT_FALSE(exited->exit_signal);

  // The stored log is complete and contiguous though only half of each batch was acked.
  ASSERT_FALSE(transport.log_.empty());
  EXPECT_EQ(transport.log_.begin()->first, 1);
  EXPECT_EQ(transport.log_.rbegin()->first, static_cast<int64_t>(transport.log_.size()));
  EXPECT_TRUE(transport.LogContains(R"({"epochs":"2"})"));
  EXPECT_TRUE(transport.LogContains("rows.csv"));
  EXPECT_TRUE(transport.LogContains("line 39"));
  EXPECT_TRUE(transport.LogContains("to-stderr"));

  EXPECT_EQ(ReadFile(dir_.path() / "staging" / "model" / "model.bin"), "weights\n");
  EXPECT_EQ(ReadFile(dir_.path() / "staging" / "data" / "eval.json"), "metrics\n");
}

TEST_F(AgentRunnerTest, AFailingProgramReportsItsExitCodeAndFailureFile) {
  Train(R"(echo "CUDA out of memory" > /dev/stderr
printf 'RuntimeError: CUDA out of memory' > "$SM_OUTPUT_DIR/failure"
exit 3
)");
  FakeTransport transport(assignment_, Conductor);
  ASSERT_TRUE(Run(transport).ok());
  const AgentReport& last = transport.reports_.back();
  EXPECT_EQ(last.phase, AgentPhase::kUploaded);
  EXPECT_EQ(last.exit_code, 3);
  EXPECT_EQ(last.failure, "RuntimeError: CUDA out of memory");
}

TEST_F(AgentRunnerTest, StopTerminatesTheProgramWhichMayCleanUp) {
  Train(R"(trap 'echo got-sigterm; exit 7' TERM
echo ready
while :; do sleep 0.02; done
)");
  FakeTransport transport(assignment_, [](const AgentReport& r, FakeTransport& t) {
    if (r.phase == AgentPhase::kTraining && t.LogContains("ready")) {
      return AgentCommand{AgentAction::kStop, 30};
    }
    return Conductor(r, t);
  });
  ASSERT_TRUE(Run(transport).ok());
  EXPECT_TRUE(transport.LogContains("got-sigterm"));
  EXPECT_EQ(transport.reports_.back().exit_code, 7);
}

TEST_F(AgentRunnerTest, BadJobsFailAsClientErrors) {
  assignment_.request["AlgorithmSpecification"]["TrainingImage"] = "no/such:image";
  FakeTransport transport(assignment_, Conductor);
  ASSERT_TRUE(Run(transport).ok());
  const AgentReport& last = transport.reports_.back();
  EXPECT_EQ(last.phase, AgentPhase::kFailed);
  EXPECT_TRUE(last.failure.starts_with("ClientError: ")) << last.failure;
  EXPECT_NE(last.failure.find("no/such:image"), std::string::npos);
  EXPECT_TRUE(transport.LogContains("ClientError"));
}

TEST_F(AgentRunnerTest, AMissingChannelIsAClientError) {
  Train("exit 0\n");
  assignment_.request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] =
      "file://" + (dir_.path() / "nothing-here").string();
  FakeTransport transport(assignment_, Conductor);
  ASSERT_TRUE(Run(transport).ok());
  EXPECT_EQ(transport.reports_.back().phase, AgentPhase::kFailed);
  EXPECT_NE(transport.reports_.back().failure.find("channel 'train'"), std::string::npos);
}

TEST_F(AgentRunnerTest, StopBeforeTheProgramStartsMeansItNeverRuns) {
  Train("touch \"$SM_MODEL_DIR/ran\"\n");
  FakeTransport transport(assignment_, [](const AgentReport& r, FakeTransport& t) {
    if (r.phase == AgentPhase::kPreparing) return AgentCommand{AgentAction::kStop, 1};
    return Conductor(r, t);
  });
  ASSERT_TRUE(Run(transport).ok());
  EXPECT_FALSE(fs::exists(options_.ml_root / "model" / "ran"));
  for (const AgentReport& r : transport.reports_) EXPECT_NE(r.phase, AgentPhase::kTraining);
}

TEST_F(AgentRunnerTest, TrainingContinuesWhileTheServerIsUnreachable) {
  Train(R"(i=0; while [ $i -lt 30 ]; do echo "step $i"; i=$((i+1)); done
)");
  bool outage_started = false;
  FakeTransport transport(assignment_, [&](const AgentReport& r, FakeTransport& t) {
    if (r.phase == AgentPhase::kTraining && !outage_started) {
      outage_started = true;
      t.report_failures_ = 5;  // the next five reports fail
    }
    return Conductor(r, t);
  });
  ASSERT_TRUE(Run(transport).ok());
  EXPECT_TRUE(outage_started);
  EXPECT_TRUE(transport.LogContains("step 0"));
  EXPECT_TRUE(transport.LogContains("step 29"));
  EXPECT_EQ(transport.log_.rbegin()->first, static_cast<int64_t>(transport.log_.size()));
  EXPECT_EQ(transport.reports_.back().phase, AgentPhase::kUploaded);
}

TEST_F(AgentRunnerTest, LosingTheServerStopsTrainingAndGivesUp) {
  Train("echo started; exec sleep 1000\n");
  options_.server_lost_timeout = std::chrono::minutes(5);
  assignment_.grace_period_seconds = 1;
  FakeTransport transport(assignment_, [](const AgentReport& r, FakeTransport& t) {
    if (t.LogContains("started")) {  // from now on the server is gone
      t.report_failures_ = 1'000'000;
    }
    return Conductor(r, t);
  });
  transport.on_failure_ = [this] { clock_.AdvanceMs(60'000); };
  Status status = Run(transport);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

TEST_F(AgentRunnerTest, RegistrationIsRetriedOnlyWhileTheServerIsUnavailable) {
  Train("exit 0\n");
  FakeTransport transport(assignment_, Conductor);
  transport.register_failures_ = 3;
  ASSERT_TRUE(Run(transport).ok());

  FakeTransport refusing(assignment_, Conductor);
  refusing.register_failures_ = 1;
  refusing.register_error_ = ErrorCode::kFailedPrecondition;
  Status status = Run(refusing);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(refusing.reports_.empty());
}

}  // namespace
}  // namespace trainyard

namespace trainyard {
namespace {

TEST_F(AgentRunnerTest, AnUnhealthyInstanceNeverStartsTheProgramAndSaysWhy) {
  Train("echo ran > \"$SM_MODEL_DIR/ran\"\n");
  FakeHealth health;
  health.healthy = false;
  FakeTransport transport(assignment_, Conductor);
  ASSERT_TRUE(Run(transport, &health).ok());
  const AgentReport& last = transport.reports_.back();
  EXPECT_EQ(last.phase, AgentPhase::kFailed);
  EXPECT_EQ(last.failure, "InternalServerError: health check failed on algo-1: program check.sh: exited 1: bad disk");
  ASSERT_TRUE(last.health.has_value());
  EXPECT_EQ(last.health->when, "preflight");
  EXPECT_TRUE(last.health->unhealthy());
  EXPECT_FALSE(fs::exists(options_.ml_root / "model" / "ran"));
}

// Its peers must not wait out their rendezvous timeout for it: the node
// checks' failure is what it reports, the collective check ran all the same.
TEST_F(AgentRunnerTest, AnInstanceFailingItsNodeChecksStillMeetsItsPeers) {
  assignment_.hosts = {"algo-1", "algo-2"};
  Train("exit 0\n");
  FakeHealth health;
  health.healthy = false;
  FakeTransport transport(assignment_, Conductor);
  ASSERT_TRUE(Run(transport, &health).ok());
  const AgentReport& last = transport.reports_.back();
  EXPECT_EQ(last.phase, AgentPhase::kFailed);
  EXPECT_EQ(last.failure, "InternalServerError: health check failed on algo-1: program check.sh: exited 1: bad disk");
  EXPECT_EQ(health.collective_attempts, (std::vector<int>{1}));
  ASSERT_TRUE(last.collective.has_value());
}

TEST_F(AgentRunnerTest, AFailedCollectiveCheckFailsTheInstanceWithTheResult) {
  assignment_.hosts = {"algo-1", "algo-2"};
  Train("exit 0\n");
  FakeHealth health;
  health.collective_ok = false;
  FakeTransport transport(assignment_, Conductor);
  ASSERT_TRUE(Run(transport, &health).ok());
  const AgentReport& last = transport.reports_.back();
  EXPECT_EQ(last.phase, AgentPhase::kFailed);
  EXPECT_EQ(last.failure, "InternalServerError: collective check failed on algo-1: peer algo-2 unreachable");
  ASSERT_TRUE(last.collective.has_value());
  EXPECT_EQ((*last.collective)["Ok"], false);
}

// The server's restart: after a failed first attempt, "restart" runs the
// program again with the new attempt's MASTER_PORT, after a post-exit
// round of checks and a new preflight.
TEST_F(AgentRunnerTest, RestartRunsTheNextAttemptOnTheSameInstance) {
  assignment_.hosts = {"algo-1", "algo-2"};
  assignment_.master_port = 1111;
  Train(R"(echo "port=$MASTER_PORT"
if [ -e "$SM_MODEL_DIR/first" ]; then exit 0; fi
touch "$SM_MODEL_DIR/first"
printf 'first attempt failed' > "$SM_OUTPUT_DIR/failure"
exit 1
)");
  FakeHealth health;
  FakeTransport transport(assignment_, [](const AgentReport& r, FakeTransport& t) -> AgentCommand {
    bool post_exit_seen = r.health && r.health->when == "post-exit";
    if (r.attempt == 1 && r.phase == AgentPhase::kExited && post_exit_seen) {
      AgentCommand restart{AgentAction::kRestart};
      restart.attempt = 2;
      restart.master_port = 2222;
      restart.rendezvous_prefix = "attempt-2/";
      return restart;
    }
    if (r.attempt == 2) return Conductor(r, t);
    return {AgentAction::kContinue};
  });
  Status status = Run(transport, &health);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_TRUE(transport.LogContains("port=1111"));
  EXPECT_TRUE(transport.LogContains("port=2222"));
  EXPECT_EQ(health.collective_attempts, (std::vector<int>{1, 2}));
  const AgentReport& last = transport.reports_.back();
  EXPECT_EQ(last.attempt, 2);
  EXPECT_EQ(last.phase, AgentPhase::kUploaded);
  EXPECT_EQ(last.failure, "");  // the first attempt's failure file is gone
  EXPECT_GE(health.rounds, 3);  // preflight, post-exit, preflight
}

}  // namespace
}  // namespace trainyard
