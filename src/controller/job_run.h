// JobRun: executes one training job on its instances, from launch to a
// terminal status, and is the job's side of the agent protocol.
//
// A run owns a thread that reconciles every tick (and whenever an agent
// reports): it launches the instances, follows their phases through
// Downloading and Training, and decides the outcome:
//   - every training process exited 0      -> Uploading -> Completed
//   - StopTrainingJob / MaxRuntimeInSeconds -> SIGTERM, grace, upload -> Stopped /
//                                              MaxRuntimeExceeded
//   - an agent that cannot prepare          -> Failed "ClientError: ..."
//   - faults (exits, lost agents, failed checks, hangs) go through the fault
//     policy (fault_policy.h):
//       user's error  -> Failed "AlgorithmError: <failure file>", the others
//                        get SIGTERM, SIGKILL after grace
//       platform      -> restart (below), or past max_restarts Failed
//                        "InternalServerError: <cause>; gave up after N ..."
//
// A restart (attempt n -> n+1) keeps the job InProgress: a Restarting
// transition names the cause and the replaced instances; faulty instances are
// killed and replaced by new ones (same host name, new instance id); the
// others get "stop" (SIGTERM, SIGKILL after restart_grace_seconds; their
// agents flush checkpoints) and then "restart". Every instance restores
// checkpoints and runs the preflight checks again; Starting, Downloading and
// Training follow as for the first attempt. Each restart is recorded in the
// job's details ("restarts": cause, replaced, detection latency, time to
// resume, instance-seconds spent) and billing counts every instance-second.
//
// RetryStrategy.MaximumRetryAttempts: where the job would fail with an
// InternalServerError (the restart limit reached, an agent's internal error),
// it is retried instead: a Retrying transition (SecondaryStatus Starting),
// every instance replaced, and a fresh budget of automatic restarts.
// Every change is written to the JobStore through the job state machine.
// After a server restart a run adopts the instances recorded in the job's
// details and carries on.
// Thread safety: Register/Report/RequestStop may be called from any thread.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "backend/instance_backend.h"
#include "common/clock.h"
#include "common/ids.h"
#include "controller/artifact_packer.h"
#include "controller/fault_policy.h"
#include "controller/metric_parser.h"
#include "model/agent_protocol.h"
#include "store/job_store.h"
#include "store/log_store.h"

namespace trainyard {

struct JobRunOptions {
  std::string server_url;          // what agents call back
  std::string instances_dir;       // instance directories: <instances_dir>/<job>/<host>
  std::string region = "us-east-1";
  int grace_period_seconds = 120;  // SIGTERM to SIGKILL
  int64_t heartbeat_timeout_ms = 2500;  // no report for this long: the instance is lost
  int64_t register_timeout_ms = 60000;
  // After a server restart, how long adopted agents have to call back (they
  // back off while the server is away).
  int64_t reconnect_timeout_ms = 30000;
  int report_interval_ms = 250;
  int64_t max_log_bytes = 64 << 20;  // per job; later lines are dropped with a note
  int64_t tick_ms = 100;
  int checkpoint_keep_last = 10;               // sync points kept per instance
  int checkpoint_flush_timeout_seconds = 600;  // a final flush waits this long for the store
  // How often an instance's checkpoint state is written to the job record
  // while it changes only in figures (a stage change is written at once).
  int64_t checkpoint_persist_interval_ms = 2000;
  // TrainingImage names the server maps to image directories (DESIGN.md:
  // "a name that the server's configuration maps to such a directory").
  std::map<std::string, std::string> images;
  // Faults and restarts (fault_policy.h).
  int max_restarts = 10;                 // automatic restarts per job
  int restart_grace_seconds = 10;        // SIGTERM to SIGKILL when stopping for a restart
  int64_t correlation_window_ms = 10'000;
  int64_t settle_ms = 500;
  int64_t hang_timeout_ms = 0;           // no log line or metric for this long while training: a hang (0: off)
  HealthSettings health;                 // what agents check, sent in their Assignment
};

struct JobRunDeps {
  JobStore& store;
  LogStore& logs;
  InstanceBackend& backend;
  ArtifactPacker& packer;
  const Clock& clock;
  IdGenerator& ids;
};

class JobRun {
 public:
  JobRun(std::string job_name, JobRunDeps deps, JobRunOptions options);
  ~JobRun();

  void Start();        // starts the run's thread
  void RequestStop();  // the job was recorded Stopping
  bool Done() const;   // the job reached a terminal status and instances are gone
  void Shutdown();     // server shutdown: stop the thread, leave instances running

  Result<Assignment> Register(const std::string& host, const std::string& token);
  // True when `token` is this job's agent token and `host` one of its hosts.
  bool Admits(const std::string& host, const std::string& token) const;
  // The key prefix of the current attempt's rendezvous ("attempt-<n>/"):
  // agents may only write keys below it, and each restart gets a new one.
  std::string RendezvousPrefix() const;
  Result<AgentCommand> Report(const std::string& host, const std::string& token,
                              const AgentReport& report);

 private:
  struct InstanceState;
  enum class Phase { kLaunching, kRunning, kRestarting, kStopping, kUploading, kFinishing, kDone };

  void Loop();
  Status Setup(std::unique_lock<std::mutex>& lock);
  void Reconcile();
  Status Launch(std::unique_lock<std::mutex>& lock);
  Status LaunchInstance(std::unique_lock<std::mutex>& lock, const std::string& host);
  void DetectLostInstances();
  void DecideOutcome();
  // Faults and restarts (job_run_faults.cc).
  void NoteFault(FaultEvent event);
  void JudgeCollectiveCheck();
  void DetectHang();
  FaultPicture Picture() const;
  void BeginRestart(const FaultPlan& plan);
  int RetriesLeft() const;  // RetryStrategy.MaximumRetryAttempts not yet used
  void BeginRetry(const std::string& reason);
  void ContinueRestart(std::unique_lock<std::mutex>& lock);
  void EscalateStuckRestarts();
  void NoteResumed();
  bool InAttempt(const InstanceState& s) const;
  void FinishUpload();
  Status Apply(JobEventKind kind, const std::string& detail = "");
  Status UpdateDetails();
  void RecordBilling();
  InstanceState* Find(const std::string& host);
  bool CheckToken(const std::string& token) const;
  AgentCommand CommandFor(InstanceState& instance) const;
  void IngestLogs(InstanceState& instance, const AgentReport& report);
  void IngestCheckpoint(InstanceState& instance, const AgentReport& report);
  void IngestHealth(InstanceState& instance, const AgentReport& report);
  AgentCommand OldAttemptCommand(InstanceState& instance, const AgentReport& report);
  std::string CheckpointUri() const;  // CheckpointConfig.S3Uri, "" when none

  const std::string name_;
  JobRunDeps deps_;
  JobRunOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  TrainingJob job_;                       // last record written or read
  std::map<std::string, std::unique_ptr<InstanceState>> instances_;
  std::vector<std::string> token_sha256s_;  // every agent token of the job (a restarted server adds one)
  std::string token_;                     // only known to the server process that made it
  std::string staging_uri_;
  int master_port_ = 0;
  int attempt_ = 1;                       // 1, then +1 for each restart
  std::vector<FaultEvent> events_;        // this attempt's faults
  Json restarts_ = Json::array();         // one record per restart (details["restarts"])
  int64_t retired_billable_ms_ = 0;       // instances replaced so far
  int64_t restart_mono_ms_ = 0;           // when the current restart began
  int64_t last_progress_mono_ms_ = 0;     // last log line or metric of this attempt
  bool hang_noted_ = false;
  bool collective_judged_ = false;        // this attempt's collective check has a verdict
  int restarts_before_retry_ = 0;         // restart_count when the current RetryStrategy try began
  Phase phase_ = Phase::kLaunching;
  bool stop_requested_ = false;
  bool shutdown_ = false;
  bool upload_after_stop_ = true;
  int64_t finishing_since_ms_ = 0;
  int64_t log_bytes_ = 0;
  bool log_limit_noted_ = false;
  bool restore_noted_ = false;
  std::optional<MetricParser> metrics_;
  std::thread thread_;
};

}  // namespace trainyard
