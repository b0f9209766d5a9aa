// AgentRunner: one instance's part in a training job, from registration to
// the server's "exit".
//
//   Register (retried with backoff while the server is unreachable)
//     -> Preparing: /opt/ml files, channels, submit directory, command, env
//          (any error: Failed, with "ClientError: ..." or
//           "InternalServerError: ...")
//          with a CheckpointConfig: the checkpoint directory is restored
//          from its URI and mirrored from then on (checkpoint_sync.h; a
//          restore that fails is "ClientError: ...")
//     -> Checking: preflight node health checks, then the collective check
//          with the other instances (instance_health.h); an unhealthy
//          instance is Failed with "InternalServerError: ..." and the
//          round's evidence, and the server replaces it
//     -> Training: the program runs; its output is shipped in every report;
//          node checks run again every HealthSettings.interval_ms
//     -> Exited: exit code or signal, failure text from output/failure,
//          reported at once; with checkpoints, the mirror is flushed next
//          (stage "flushing" meanwhile) so that nothing the program wrote is
//          lost whatever ends it, and no command moves the instance on
//          before it is done; a flush that fails after a successful run
//          fails the instance;
//          after an exit that nobody asked for and that is not 0, a
//          "post-exit" round of node checks follows, so that the server can
//          tell a bad node from a bad program
//     -> on "restart" (after Exited or Failed): the next attempt: failure
//          file removed, checkpoints restored again, Checking, Training
//     -> on "upload": Uploading -> Uploaded (model/ and output/data/ to
//          <staging_prefix>/model/ and /data/), or Failed
//     -> on "exit": send the log lines still buffered, then return.
//   "stop" while training: SIGTERM to the program's group, SIGKILL after the
//   command's grace_seconds. "stop" before the program started: it is never
//   started; Exited without an exit code.
//
// A report goes out every report_interval_ms (the heartbeat) and at once when
// the program exits; long steps (preparing, uploading) run on a worker thread
// so that heartbeats continue. Reports that fail are retried with backoff
// while training goes on; unacknowledged log lines are resent. When no report
// has succeeded for `server_lost_timeout`, the server has given this instance
// up: the program is stopped (SIGTERM, then SIGKILL after the grace period)
// and Run returns kUnavailable.
//
// Thread safety: Run is called once, from one thread (the one whose lifetime
// bounds the program's; see TrainingProcess).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "agent/agent_transport.h"
#include "agent/checkpoint_sync.h"
#include "agent/command.h"
#include "agent/environment.h"
#include "agent/instance_health.h"
#include "agent/instance_layout.h"
#include "agent/log_buffer.h"
#include "agent/process.h"
#include "agent/store_opener.h"
#include "common/clock.h"
#include "common/sleeper.h"

namespace trainyard {

struct AgentRunnerOptions {
  std::filesystem::path ml_root{kSageMakerMlRoot};  // the instance's /opt/ml
  EnvironmentOptions environment;                    // MASTER_ADDR, CPUs, inherited PATH...
  CommandOptions command;                            // interpreters for script mode
  LogBufferOptions log_buffer;
  size_t max_lines_per_report = 2000;
  std::chrono::milliseconds register_timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds server_lost_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
};

// The seams the runner uses; all must outlive it.
struct AgentRunnerDeps {
  AgentTransport& transport;
  ObjectStoreOpener& opener;  // channels, submit directory, staging prefix
  const Clock& clock;         // timeouts and log timestamps
  Sleeper& sleeper;
  InstanceHealth* health = nullptr;  // null: no checks
};

class AgentRunner {
 public:
  AgentRunner(AgentRunnerDeps deps, AgentRunnerOptions options);
  ~AgentRunner();

  // OK once the server says "exit". kUnavailable when registration or the
  // server was lost for longer than allowed; kFailedPrecondition and others
  // when the server refuses the agent.
  Status Run();

 private:
  Status RegisterWithRetry();
  Status PrepareInstance();
  Status PrepareAttempt();
  Status Preflight();
  Result<bool> BeginAttempt();
  Result<bool> Restart();
  void StartHealthRound(std::string when);
  void CollectHealthRound(bool wait);
  void StartProgram();
  void Fail(const Error& error);
  void OnExited(const ExitStatus& status);
  Result<bool> FinishProgram(const ExitStatus& status);
  Status StartCheckpointSync(const InstanceLayout& layout);
  Status Upload();
  Result<bool> RunWhileReporting(const std::function<Status()>& work, Status* result);
  AgentReport MakeReport();
  Result<bool> ReportAndObey();
  void FlushLogs();
  Result<bool> Obey(const AgentCommand& command);
  Error GiveUp(const Error& error);
  void Note(const std::string& text);
  std::chrono::milliseconds Interval() const;

  AgentRunnerDeps deps_;
  const AgentRunnerOptions options_;
  Assignment assignment_;
  std::optional<InstanceLayout> layout_;
  std::unique_ptr<LogBuffer> logs_;
  std::optional<ProcessOptions> launch_;
  std::unique_ptr<TrainingProcess> process_;
  // Set once while preparing (on the worker thread); read by reports.
  std::mutex checkpoints_mu_;
  std::unique_ptr<CheckpointSync> checkpoints_;

  AgentPhase phase_ = AgentPhase::kPreparing;
  std::optional<ExitStatus> exit_;
  std::string failure_;
  bool stop_requested_ = false;
  bool upload_requested_ = false;
  bool stop_sent_ = false;
  std::atomic<bool> report_now_ = true;  // a phase changed: report without waiting (set by workers too)
  bool client_fault_ = false;  // the preparation failed because of the job's own settings
  std::optional<AgentCommand> restart_;  // a "restart" not yet carried out
  std::atomic<bool> flushing_ = false;   // the program ended; its checkpoints are being flushed

  // Health rounds: the latest finished one is reported; at most one runs
  // on a worker thread at a time (checks may take seconds).
  std::mutex health_mu_;
  std::optional<HealthRound> health_;
  std::optional<Json> collective_;
  int64_t health_seq_ = 0;
  std::future<HealthRound> health_running_;
  bool post_exit_wanted_ = false;
  int64_t next_periodic_ms_ = 0;
  int64_t last_ok_report_ms_ = 0;
  std::chrono::milliseconds backoff_{0};
};

}  // namespace trainyard
