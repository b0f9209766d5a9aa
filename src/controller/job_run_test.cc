// JobRun over real SQLite stores, a FakeBackend and a FakeClock: the test
// plays the agents through the protocol and checks what the job record says.
#include "controller/job_run.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "backend/fake_backend.h"
#include "model/collective_result.h"
#include "store/sqlite_job_store.h"
#include "store/sqlite_log_store.h"

namespace trainyard {
namespace {

class FakePacker : public ArtifactPacker {
 public:
  Result<std::string> StagingUri(const TrainingJob& job) override { return "file:///out/" + job.name + "/staging"; }
  Result<std::string> Pack(const TrainingJob& job) override {
    ++packed;
    if (fail) return MakeError(ErrorCode::kUnavailable, "store down");
    return "file:///out/" + job.name + "/output/model.tar.gz";
  }
  std::atomic<int> packed{0};
  bool fail = false;
};

class JobRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("jobrun-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = std::move(SqliteJobStore::Open((dir_ / "db").string()).value());
    logs_ = std::move(SqliteLogStore::Open((dir_ / "db").string()).value());
    options_.instances_dir = (dir_ / "instances").string();
    options_.tick_ms = 2;
    options_.grace_period_seconds = 7;
  }
  void TearDown() override {
    run_.reset();
    std::filesystem::remove_all(dir_);
  }

  void CreateJob(int instances, const Json& extra = Json::object()) {
    TrainingJob job;
    job.name = "job-1";
    job.arn = "arn:aws:sagemaker:us-east-1:000000000000:training-job/job-1";
    job.request = {{"TrainingJobName", "job-1"},
                   {"AlgorithmSpecification",
                    {{"TrainingImage", "/img"}, {"TrainingInputMode", "File"},
                     {"MetricDefinitions", {{{"Name", "loss"}, {"Regex", "loss=([0-9.]+)"}}}}}},
                   {"ResourceConfig", {{"InstanceType", "ml.m5.xlarge"}, {"InstanceCount", instances}}},
                   {"OutputDataConfig", {{"S3OutputPath", "file:///out"}}},
                   {"StoppingCondition", {{"MaxRuntimeInSeconds", 3600}}}};
    job.request.update(extra);
    job.creation_time = job.last_modified_time = clock_.NowMs();
    job.state = ApplyEvent(JobState{}, {JobEventKind::kCreated, ""}, clock_.NowMs()).value();
    ASSERT_TRUE(store_->CreateJob(job, {}).ok());
    run_ = std::make_unique<JobRun>("job-1", JobRunDeps{*store_, *logs_, backend_, packer_, clock_, ids_}, options_);
    run_->Start();
    ASSERT_TRUE(WaitFor([&] { return backend_.Get("algo-" + std::to_string(instances)).has_value(); }));
    token_ = backend_.Get("algo-1")->launch.token;
  }

  // Waits (with a deadline) until `done` holds.
  template <typename F>
  bool WaitFor(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  TrainingJob Job() { return store_->GetJob("job-1").value(); }
  bool JobIs(SecondaryStatus s) { return Job().state.secondary == s; }
  // Restart record `i`, once the run has written it (the status's restart
  // count is stored a moment before the record).
  Json RestartRecord(size_t i) {
    Json record;
    EXPECT_TRUE(WaitFor([&] {
      const Json restarts = Job().details.value("restarts", Json::array());
      if (!restarts.is_array() || restarts.size() <= i) return false;
      record = restarts[i];
      return true;
    })) << "no restart record " << i;
    return record;
  }

  AgentCommand Report(const std::string& host, AgentPhase phase, std::optional<int> exit = std::nullopt,
                      std::vector<LogLine> logs = {}, std::string failure = "") {
    AgentReport r;
    r.phase = phase;
    r.exit_code = exit;
    r.failure = std::move(failure);
    r.logs = std::move(logs);
    return Send(host, r);
  }

  // As the agent does after a non-zero exit: the exit, its post-exit checks.
  AgentCommand ReportExit(const std::string& host, std::optional<int> code, std::optional<int> signal = std::nullopt,
                          std::string failure = "", bool healthy = true) {
    AgentReport r;
    r.phase = AgentPhase::kExited;
    r.exit_code = code;
    r.exit_signal = signal;
    r.failure = std::move(failure);
    r.attempt = attempt_;
    r.health = HealthRound{++health_seq_, "post-exit", clock_.NowMs(),
                           {{"program check.sh", healthy ? "healthy" : "unhealthy", healthy ? "" : "exited 1: bad", 5}}};
    return Send(host, r);
  }

  AgentCommand Send(const std::string& host, AgentReport r) {
    if (r.attempt == 1) r.attempt = attempt_;
    Result<AgentCommand> c = run_->Report(host, token_, r);
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    return c.ok() ? *c : AgentCommand{};
  }

  void StartTraining(int instances) {
    for (int i = 1; i <= instances; ++i) ASSERT_TRUE(run_->Register("algo-" + std::to_string(i), token_).ok());
    ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kDownloading); }));
    for (int i = 1; i <= instances; ++i) Report("algo-" + std::to_string(i), AgentPhase::kTraining);
    ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kTraining); }));
  }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteJobStore> store_;
  std::unique_ptr<SqliteLogStore> logs_;
  FakeBackend backend_;
  FakePacker packer_;
  FakeClock clock_;
  RandomIdGenerator ids_{42};
  JobRunOptions options_;
  std::unique_ptr<JobRun> run_;
  std::string token_;
  int attempt_ = 1;  // what the test's agents report
  int64_t health_seq_ = 0;
};

TEST_F(JobRunTest, AllInstancesSucceedThenUploadThenCompleted) {
  options_.heartbeat_timeout_ms = 60'000;  // the clock jumps 5 s between reports
  CreateJob(2);
  EXPECT_EQ(backend_.Get("algo-2")->launch.hosts, (std::vector<std::string>{"algo-1", "algo-2"}));
  StartTraining(2);
  clock_.AdvanceMs(5000);
  Report("algo-1", AgentPhase::kTraining, std::nullopt, {{1, clock_.NowMs(), "stdout", "step=1 loss=0.5"}});
  ASSERT_TRUE(WaitFor([&] { return !Job().final_metrics.empty(); }));
  EXPECT_EQ(Job().final_metrics[0], (MetricDatum{"loss", 0.5, clock_.NowMs()}));
  EXPECT_EQ(Report("algo-1", AgentPhase::kExited, 0).action, AgentAction::kContinue) << "waits for algo-2";
  Report("algo-2", AgentPhase::kExited, 0);
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kUploading); }));
  EXPECT_EQ(Report("algo-1", AgentPhase::kExited, 0).action, AgentAction::kUpload);
  EXPECT_EQ(Report("algo-2", AgentPhase::kExited, 0).action, AgentAction::kUpload);
  Report("algo-1", AgentPhase::kUploaded, 0);
  Report("algo-2", AgentPhase::kUploaded, 0);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kCompleted; }));
  TrainingJob job = Job();
  EXPECT_EQ(job.model_artifacts, "file:///out/job-1/output/model.tar.gz");
  EXPECT_EQ(job.training_time_seconds, 5);
  EXPECT_EQ(job.billable_time_seconds, 10) << "two instances for five seconds";
  EXPECT_EQ(Report("algo-1", AgentPhase::kUploaded, 0).action, AgentAction::kExit);
  std::vector<SecondaryStatus> seen;
  for (const StatusTransition& t : job.state.transitions) seen.push_back(t.status);
  EXPECT_EQ(seen, (std::vector<SecondaryStatus>{SecondaryStatus::kStarting, SecondaryStatus::kDownloading,
                                                SecondaryStatus::kTraining, SecondaryStatus::kUploading,
                                                SecondaryStatus::kCompleted}));
  std::vector<StoredLogLine> lines = logs_->ReadLogs("job-1", {}).value();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].host, "algo-1");
}

TEST_F(JobRunTest, NonZeroExitFailsWithTheFailureFileAndStopsTheOthers) {
  CreateJob(2);
  StartTraining(2);
  ReportExit("algo-2", 3, std::nullopt, "CUDA out of memory");
  clock_.AdvanceMs(400);
  Report("algo-1", AgentPhase::kTraining);
  EXPECT_EQ(Job().state.status, TrainingJobStatus::kInProgress) << "a peer's fault could still show up";
  clock_.AdvanceMs(200);
  Report("algo-1", AgentPhase::kTraining);
  ReportExit("algo-2", 3, std::nullopt, "CUDA out of memory");
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kFailed; }));
  EXPECT_EQ(Job().state.failure_reason, "AlgorithmError: CUDA out of memory");
  EXPECT_EQ(Job().state.restart_count, 0);
  AgentCommand c = Report("algo-1", AgentPhase::kTraining);
  EXPECT_EQ(c.action, AgentAction::kStop);
  EXPECT_EQ(c.grace_seconds, 7);
  Report("algo-1", AgentPhase::kExited, 0);
  ASSERT_TRUE(WaitFor([&] { return Report("algo-1", AgentPhase::kExited, 0).action == AgentAction::kExit; }));
  EXPECT_EQ(packer_.packed.load(), 0) << "a failed job uploads nothing";
}

TEST_F(JobRunTest, ExitWithoutFailureFileNamesTheExitCode) {
  CreateJob(1);
  StartTraining(1);
  Report("algo-1", AgentPhase::kExited, 2);
  clock_.AdvanceMs(600);
  Report("algo-1", AgentPhase::kExited, 2);
  EXPECT_EQ(Job().state.status, TrainingJobStatus::kInProgress) << "waits for the post-exit checks";
  ReportExit("algo-1", 2);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kFailed; }));
  EXPECT_EQ(Job().state.failure_reason, "AlgorithmError: , exit code: 2 (on algo-1)");
}

TEST_F(JobRunTest, AnExitOnABadNodeIsAPlatformFaultAndTheNodeIsReplaced) {
  CreateJob(2);
  StartTraining(2);
  ReportExit("algo-2", 1, std::nullopt, "", /*healthy=*/false);
  ASSERT_TRUE(WaitFor([&] { return Job().state.restart_count == 1; }));
  // The run may already have moved on to launching the replacement: look for
  // the Restarting transition, not at the current status.
  std::vector<StatusTransition> transitions = Job().state.transitions;
  auto restarting = std::find_if(transitions.begin(), transitions.end(),
                                 [](const StatusTransition& t) { return t.status == SecondaryStatus::kRestarting; });
  ASSERT_NE(restarting, transitions.end());
  EXPECT_NE(restarting->message.find("algo-2 failed a health check: post-exit program check.sh"), std::string::npos)
      << restarting->message;
  EXPECT_NE(restarting->message.find("replacing algo-2"), std::string::npos) << restarting->message;
  ASSERT_TRUE(WaitFor([&] { return backend_.Launches("algo-2") == 2; }));
}

// The whole restart: a silent instance is replaced, the healthy one is
// stopped and restarted, both run attempt 2, and the record shows it all.
TEST_F(JobRunTest, SilentAgentIsReplacedAndTheJobRestartsFromTheTop) {
  options_.restart_grace_seconds = 4;
  CreateJob(2);
  StartTraining(2);
  const std::string first_id = backend_.Get("algo-2")->launch.instance_id;
  clock_.AdvanceMs(2000);
  Report("algo-1", AgentPhase::kTraining);
  clock_.AdvanceMs(1000);  // algo-2 silent for 3 s > 2.5 s
  Report("algo-1", AgentPhase::kTraining);
  ASSERT_TRUE(WaitFor([&] { return backend_.Launches("algo-2") == 2; }));
  EXPECT_NE(backend_.Get("algo-2")->launch.instance_id, first_id) << "a new instance";
  TrainingJob job = Job();
  EXPECT_EQ(job.state.status, TrainingJobStatus::kInProgress);
  EXPECT_EQ(job.state.restart_count, 1);
  bool restarting_seen = false;
  for (const StatusTransition& t : job.state.transitions) {
    if (t.status != SecondaryStatus::kRestarting) continue;
    restarting_seen = true;
    EXPECT_EQ(t.message.rfind("Restarting training (automatic restart 1 of 10): algo-2 stopped reporting: no heartbeat", 0), 0u)
        << t.message;
    EXPECT_NE(t.message.find("; replacing algo-2"), std::string::npos) << t.message;
  }
  EXPECT_TRUE(restarting_seen);

  // algo-1, still in attempt 1: stopped with the restart grace, then restarted.
  AgentCommand c = Report("algo-1", AgentPhase::kTraining);
  EXPECT_EQ(c.action, AgentAction::kStop);
  EXPECT_EQ(c.grace_seconds, 4);
  c = Report("algo-1", AgentPhase::kExited, 0);
  ASSERT_EQ(c.action, AgentAction::kRestart);
  EXPECT_EQ(c.attempt, 2);
  EXPECT_EQ(c.rendezvous_prefix, "attempt-2/");
  EXPECT_EQ(run_->RendezvousPrefix(), "attempt-2/");

  // The replacement registers into attempt 2.
  Result<Assignment> assignment = run_->Register("algo-2", token_);
  ASSERT_TRUE(assignment.ok());
  EXPECT_EQ(assignment->attempt, 2);
  EXPECT_EQ(assignment->master_port, c.master_port);
  attempt_ = 2;
  Report("algo-1", AgentPhase::kPreparing);
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kDownloading); }));
  clock_.AdvanceMs(1500);
  Report("algo-1", AgentPhase::kTraining);
  Report("algo-2", AgentPhase::kTraining);
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kTraining); }));

  job = Job();
  ASSERT_EQ(job.details["restarts"].size(), 1u);
  const Json& record = job.details["restarts"][0];
  EXPECT_EQ(record["Kind"], "HeartbeatLost");
  EXPECT_EQ(record["Replaced"], Json::array({"algo-2"}));
  EXPECT_GE(record["DetectionLatencyMs"].get<int64_t>(), 2500);
  EXPECT_EQ(record["TimeToResumeMs"], 1500);
  EXPECT_EQ(record["InstanceSeconds"], 3);
  std::vector<SecondaryStatus> seen;
  for (const StatusTransition& t : job.state.transitions) seen.push_back(t.status);
  EXPECT_EQ(seen, (std::vector<SecondaryStatus>{SecondaryStatus::kStarting, SecondaryStatus::kDownloading,
                                                SecondaryStatus::kTraining, SecondaryStatus::kRestarting,
                                                SecondaryStatus::kStarting, SecondaryStatus::kDownloading,
                                                SecondaryStatus::kTraining}));

  Report("algo-1", AgentPhase::kExited, 0);
  Report("algo-2", AgentPhase::kExited, 0);
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kUploading); }));
  Report("algo-1", AgentPhase::kUploaded, 0);
  Report("algo-2", AgentPhase::kUploaded, 0);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kCompleted; }));
  // algo-1 4.5 s; the first algo-2 3 s until replaced; the second 1.5 s.
  EXPECT_EQ(Job().billable_time_seconds, 9);
}

TEST_F(JobRunTest, AKilledProcessAndItsPeersExitAreOneRestartInPlace) {
  CreateJob(2);
  StartTraining(2);
  ReportExit("algo-1", 1, std::nullopt, "RuntimeError: Connection closed by peer");
  AgentCommand c = ReportExit("algo-2", std::nullopt, 9);
  EXPECT_EQ(c.action, AgentAction::kRestart) << "the reply to the fault already restarts it";
  ASSERT_TRUE(WaitFor([&] { return Job().state.restart_count == 1; }));
  EXPECT_EQ(backend_.Launches("algo-2"), 1) << "restarted in place, not replaced";
  const Json record = RestartRecord(0);
  EXPECT_EQ(record["Host"], "algo-2");
  EXPECT_EQ(record["Related"], Json::array({"algo-1"}));
  EXPECT_NE(record["Cause"].get<std::string>().find("killed by SIGKILL"), std::string::npos);
  EXPECT_EQ(ReportExit("algo-1", 1).action, AgentAction::kRestart);
}

TEST_F(JobRunTest, TheCollectiveCheckReplacesTheInstanceItPointsAt) {
  CreateJob(2);
  ASSERT_TRUE(run_->Register("algo-1", token_).ok());
  ASSERT_TRUE(run_->Register("algo-2", token_).ok());
  CollectiveResult ok;
  ok.ok = true;
  ok.size = 2;
  ok.bytes = 1 << 22;
  ok.seconds = 0.01;
  ok.algbw_bytes_per_s = 4e8;
  PeerResult pair;
  pair.rank = 1;
  pair.host = "algo-2";
  pair.ok = true;
  pair.bytes = 1 << 20;
  pair.seconds = 0.01;
  pair.algbw_bytes_per_s = 1e8;
  ok.peers = {pair};
  CollectiveResult bad = ok;
  bad.ok = false;
  bad.error = "allreduce: sum 2 at element 7, expected 3";
  bad.rank = 1;
  bad.peers[0].rank = 0;
  bad.peers[0].host = "algo-1";
  AgentReport r;
  r.phase = AgentPhase::kTraining;
  r.health = HealthRound{1, "preflight", clock_.NowMs(), {}};
  r.collective = ToJson(ok);
  Send("algo-1", r);
  r.phase = AgentPhase::kFailed;
  r.failure = "InternalServerError: collective check failed on algo-2: allreduce: sum 2 at element 7, expected 3";
  r.collective = ToJson(bad);
  Send("algo-2", r);
  ASSERT_TRUE(WaitFor([&] { return Job().state.restart_count == 1; }));
  const Json record = RestartRecord(0);
  EXPECT_EQ(record["Kind"], "CollectiveCheckFailed");
  EXPECT_EQ(record["Replaced"], Json::array({"algo-2"}));
  EXPECT_EQ(Job().state.status, TrainingJobStatus::kInProgress) << "not a ClientError";
  ASSERT_TRUE(WaitFor([&] { return backend_.Launches("algo-2") == 2; }));
}

TEST_F(JobRunTest, RetryStrategyRetriesTheWholeJobOnNewInstances) {
  options_.max_restarts = 0;
  CreateJob(2, {{"RetryStrategy", {{"MaximumRetryAttempts", 1}}}});
  StartTraining(2);
  backend_.EndAgent("algo-2", 137);
  ASSERT_TRUE(WaitFor([&] { return backend_.Launches("algo-1") == 2 && backend_.Launches("algo-2") == 2; }));
  TrainingJob job = Job();
  EXPECT_EQ(job.state.status, TrainingJobStatus::kInProgress);
  EXPECT_EQ(job.state.retry_count, 1);
  bool retry_seen = false;
  for (const StatusTransition& t : job.state.transitions) {
    if (t.message.rfind("Retrying the training job (retry 1 of 1) after an internal error: the agent of algo-2 died", 0) == 0) {
      retry_seen = true;
    }
  }
  EXPECT_TRUE(retry_seen);
  attempt_ = 2;
  StartTraining(2);
  backend_.EndAgent("algo-1", 137);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kFailed; }));
  EXPECT_EQ(Job().state.failure_reason.rfind("InternalServerError: the agent of algo-1 died", 0), 0u)
      << Job().state.failure_reason;
}

TEST_F(JobRunTest, NothingMovesOnWhileAnInstanceFlushesCheckpointsAndAFailedUploadFailsTheJob) {
  CreateJob(1, {{"CheckpointConfig", {{"S3Uri", "s3://bucket/ckpt"}, {"LocalPath", "/opt/ml/checkpoints"}}}});
  StartTraining(1);
  AgentReport r;
  r.phase = AgentPhase::kExited;
  r.exit_code = 0;
  r.checkpoint = CheckpointReport{};
  r.checkpoint->stage = "flushing";
  EXPECT_EQ(Send("algo-1", r).action, AgentAction::kContinue);
  EXPECT_EQ(Send("algo-1", r).action, AgentAction::kContinue) << "no upload while flushing";
  EXPECT_EQ(Job().state.secondary, SecondaryStatus::kTraining);
  r.checkpoint->stage = "flushed";
  Send("algo-1", r);
  ASSERT_TRUE(WaitFor([&] { return Send("algo-1", r).action == AgentAction::kUpload; }));
  r.phase = AgentPhase::kFailed;
  r.failure = "InternalServerError: uploading artifacts: file:///out: disk full";
  Send("algo-1", r);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kFailed; }));
  EXPECT_EQ(Job().state.failure_reason,
            "InternalServerError: instance algo-1: uploading artifacts: file:///out: disk full");
}

TEST_F(JobRunTest, ATrainingJobWithoutOutputForTheHangTimeoutIsRestartedInPlace) {
  options_.hang_timeout_ms = 60'000;
  options_.heartbeat_timeout_ms = 600'000;  // heartbeats come, output does not
  CreateJob(2);
  StartTraining(2);
  Report("algo-1", AgentPhase::kTraining, std::nullopt, {{1, clock_.NowMs(), "stdout", "step=1 loss=0.5"}});
  clock_.AdvanceMs(59'000);
  Report("algo-1", AgentPhase::kTraining, std::nullopt, {{2, clock_.NowMs(), "agent", "[trainyard] a note"}});
  Report("algo-2", AgentPhase::kTraining);
  EXPECT_EQ(Job().state.restart_count, 0) << "agent notes are not progress, but 59 s is not yet a hang";
  clock_.AdvanceMs(2'000);
  Report("algo-1", AgentPhase::kTraining);
  ASSERT_TRUE(WaitFor([&] { return Job().state.restart_count == 1; }));
  const Json record = RestartRecord(0);
  EXPECT_EQ(record["Kind"], "Hang");
  EXPECT_EQ(record["Replaced"], Json::array());
  EXPECT_NE(record["Cause"].get<std::string>().find("the job made no progress: no log line or metric for 6"),
            std::string::npos)
      << record["Cause"];
}

TEST_F(JobRunTest, PastTheRestartLimitTheJobFailsWithThePlatformCause) {
  options_.max_restarts = 0;
  CreateJob(1);
  StartTraining(1);
  backend_.EndAgent("algo-1", 137);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kFailed; }));
  EXPECT_EQ(Job().state.failure_reason,
            "InternalServerError: the agent of algo-1 died: its agent exited with status 137; gave up after 0 "
            "automatic restarts");
}

TEST_F(JobRunTest, StopRequestGivesSigtermThenUploadThenStopped) {
  CreateJob(1);
  StartTraining(1);
  ASSERT_TRUE(store_->UpdateJob("job-1", [&](TrainingJob& j) -> Status {
    j.state = ApplyEvent(j.state, {JobEventKind::kStopRequested, ""}, clock_.NowMs()).value();
    return Ok();
  }).ok());
  run_->RequestStop();
  ASSERT_TRUE(WaitFor([&] { return Report("algo-1", AgentPhase::kTraining).action == AgentAction::kStop; }));
  Report("algo-1", AgentPhase::kExited, 0);
  ASSERT_TRUE(WaitFor([&] { return Report("algo-1", AgentPhase::kExited, 0).action == AgentAction::kUpload; }));
  Report("algo-1", AgentPhase::kUploaded, 0);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kStopped; }));
  EXPECT_EQ(Job().state.secondary, SecondaryStatus::kStopped);
  EXPECT_FALSE(Job().model_artifacts.empty());
}

TEST_F(JobRunTest, StopBeforeAnyInstanceLaunchedEndsStoppedAtOnce) {
  TrainingJob job;
  job.name = "job-1";
  job.arn = "arn:aws:sagemaker:us-east-1:000000000000:training-job/job-1";
  job.request = {{"ResourceConfig", {{"InstanceCount", 2}}}, {"OutputDataConfig", {{"S3OutputPath", "file:///out"}}}};
  job.state = ApplyEvent(JobState{}, {JobEventKind::kCreated, ""}, clock_.NowMs()).value();
  job.state = ApplyEvent(job.state, {JobEventKind::kStopRequested, ""}, clock_.NowMs()).value();
  ASSERT_TRUE(store_->CreateJob(job, {}).ok());
  run_ = std::make_unique<JobRun>("job-1", JobRunDeps{*store_, *logs_, backend_, packer_, clock_, ids_}, options_);
  run_->Start();
  ASSERT_TRUE(WaitFor([&] { return run_->Done(); }));
  EXPECT_EQ(Job().state.status, TrainingJobStatus::kStopped);
  EXPECT_FALSE(backend_.Get("algo-1").has_value()) << "no instance was started";
}

TEST_F(JobRunTest, MaxRuntimeStopsTheJobAsMaxRuntimeExceeded) {
  CreateJob(1, {{"StoppingCondition", {{"MaxRuntimeInSeconds", 60}}}});
  StartTraining(1);
  clock_.AdvanceMs(61'000);
  ASSERT_TRUE(WaitFor([&] { return Report("algo-1", AgentPhase::kTraining).action == AgentAction::kStop; }));
  EXPECT_EQ(Job().state.status, TrainingJobStatus::kStopping);
  Report("algo-1", AgentPhase::kExited, 0);
  ASSERT_TRUE(WaitFor([&] { return Report("algo-1", AgentPhase::kExited, 0).action == AgentAction::kUpload; }));
  Report("algo-1", AgentPhase::kUploaded, 0);
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kStopped; }));
  EXPECT_EQ(Job().state.secondary, SecondaryStatus::kMaxRuntimeExceeded);
}

TEST_F(JobRunTest, AgentThatCannotPrepareFailsTheJobAsClientError) {
  CreateJob(1);
  ASSERT_TRUE(run_->Register("algo-1", token_).ok());
  Report("algo-1", AgentPhase::kFailed, std::nullopt, {}, "TrainingImage /img has no executable train");
  ASSERT_TRUE(WaitFor([&] { return Job().state.status == TrainingJobStatus::kFailed; }));
  EXPECT_EQ(Job().state.failure_reason, "ClientError: TrainingImage /img has no executable train");
}

TEST_F(JobRunTest, WrongTokenOrHostIsRefused) {
  CreateJob(1);
  EXPECT_EQ(run_->Register("algo-1", "not-the-token").error().code, ErrorCode::kUnrecognizedClient);
  EXPECT_EQ(run_->Register("algo-9", token_).error().code, ErrorCode::kUnrecognizedClient);
  EXPECT_EQ(run_->Report("algo-1", "", AgentReport{}).error().code, ErrorCode::kUnrecognizedClient);
}

TEST_F(JobRunTest, ResentLogLinesAreStoredOnceAndTheLimitIsNoted) {
  options_.max_log_bytes = 20;
  CreateJob(1);
  StartTraining(1);
  AgentCommand c = Report("algo-1", AgentPhase::kTraining, std::nullopt,
                          {{1, 1, "stdout", "0123456789"}, {2, 2, "stdout", "abc"}});
  EXPECT_EQ(c.acked_seq, 2);
  Report("algo-1", AgentPhase::kTraining, std::nullopt, {{2, 2, "stdout", "abc"}, {3, 3, "stdout", "0123456789"}});
  std::vector<StoredLogLine> lines = logs_->ReadLogs("job-1", {}).value();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "0123456789");
  EXPECT_EQ(lines[1].text, "abc");
  EXPECT_NE(lines[2].text.find("log storage limit"), std::string::npos);
}

TEST_F(JobRunTest, CheckpointRestoreAndFlushShowInTransitionsAndDetails) {
  options_.heartbeat_timeout_ms = 60'000;
  options_.checkpoint_keep_last = 4;
  CreateJob(1, {{"CheckpointConfig", {{"S3Uri", "s3://bucket/ckpt"}, {"LocalPath", "/opt/ml/checkpoints"}}}});
  Result<Assignment> assignment = run_->Register("algo-1", token_);
  ASSERT_TRUE(assignment.ok());
  EXPECT_EQ(assignment->checkpoint_keep_last, 4);
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kDownloading); }));
  EXPECT_EQ(Job().state.transitions.back().message,
            "Downloading input data and restoring checkpoints from s3://bucket/ckpt");

  AgentReport r;
  r.phase = AgentPhase::kPreparing;
  r.checkpoint = CheckpointReport{};
  r.checkpoint->stage = "restoring";
  ASSERT_TRUE(run_->Report("algo-1", token_, r).ok());
  r.phase = AgentPhase::kTraining;
  r.checkpoint->stage = "mirroring";
  r.checkpoint->files = r.checkpoint->restored_files = 2;
  r.checkpoint->bytes = r.checkpoint->restored_bytes = 300;
  r.checkpoint->restored_point = "1764279000123-algo-1";
  ASSERT_TRUE(run_->Report("algo-1", token_, r).ok());
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kTraining); }));
  const auto& transitions = Job().state.transitions;
  EXPECT_EQ(transitions[transitions.size() - 2].message,
            "Downloading input data; restored 2 checkpoint files (300 bytes) from s3://bucket/ckpt as of sync "
            "point 1764279000123-algo-1");
  Json recorded = Job().details["checkpoints"]["algo-1"];
  EXPECT_EQ(recorded["Stage"], "mirroring");
  EXPECT_EQ(recorded["Files"], 2);

  r.phase = AgentPhase::kExited;
  r.exit_code = 0;
  r.checkpoint->stage = "flushed";
  r.checkpoint->last_point = "1764279009999-algo-1";
  ASSERT_TRUE(run_->Report("algo-1", token_, r).ok());
  ASSERT_TRUE(WaitFor([&] { return JobIs(SecondaryStatus::kUploading); }));
  EXPECT_EQ(Job().state.transitions.back().message,
            "Uploading generated training model; checkpoints were flushed to s3://bucket/ckpt");
  EXPECT_EQ(Job().details["checkpoints"]["algo-1"]["LastSyncPoint"], "1764279009999-algo-1");
}

}  // namespace
}  // namespace trainyard
