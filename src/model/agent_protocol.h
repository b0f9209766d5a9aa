// The protocol between the server and its agents (one agent per instance).
//
// Agents call the server; the server never calls an agent. Every request
// carries the headers
//   X-Trainyard-Job: <training job name>
//   X-Trainyard-Host: algo-<k>
//   Authorization: Bearer <per-job token>
// and an agent's token admits it to its own job only.
//
//   POST /agent/v1/register  body {}            -> Assignment
//   POST /agent/v1/report    body AgentReport   -> AgentCommand
//   PUT  /agent/v1/rendezvous?key=<percent-encoded key>
//        raw body (application/octet-stream) = value  -> 204
//   GET  /agent/v1/rendezvous?key=<percent-encoded key>
//        -> 200 raw value, or 404 {"__type": "ResourceNotFound"} while not set
//
// The rendezvous is the job's key-value store for the collective check's
// Gloo rendezvous (collective/gloo_store.h): keys are printable ASCII (at most
// 512 bytes) below the current attempt's prefix (Assignment's rendezvous
// prefix, "attempt-<n>/"; other keys get 400), values at most 1 MiB; a job
// holds at most 4096 keys and 16 MiB (400 ResourceLimitExceeded beyond).
// A new attempt's first use drops the previous attempt's keys.
//
// An agent reports every `report_interval_ms` (its heartbeat) and at once when
// its phase changes or the process exits; each report carries the log lines
// produced since the last acknowledged one (seq numbers make resends
// idempotent). The command in the reply says what to do next.
//
// Phases of one attempt on one instance, in order:
//   kPreparing    writing /opt/ml, downloading channels, restoring checkpoints
//   kChecking     preflight: node health checks, then the collective check
//   kTraining     the training process is running
//   kExited       the process ended (exit code, signal, failure text)
//   kUploading    copying model/ and output/data/ to the staging prefix
//   kUploaded     done; waiting for the "exit" command
//   kFailed       the agent could not prepare or upload (ClientError/InternalError),
//                 or its preflight health checks found the instance unhealthy
//
// Attempts: the server restarts a job after a platform fault
// (controller/fault_policy.h). Healthy instances get "restart" with the new
// attempt number and master port: they restore checkpoints again, rerun the
// preflight checks and start the program; replaced instances are new agents
// whose Assignment carries the new attempt. Every report names the attempt
// it belongs to, so the server ignores what a previous attempt sends late.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "model/health_report.h"

namespace trainyard {

struct Assignment {
  std::string job_name;
  std::string job_arn;
  std::string host;                 // "algo-1"
  std::vector<std::string> hosts;   // all hosts, sorted
  std::string region;
  Json request;                     // the normalized CreateTrainingJob request
  int master_port = 0;              // a free port for the job's rendezvous (MASTER_PORT)
  int grace_period_seconds = 120;   // SIGTERM to SIGKILL
  int report_interval_ms = 250;
  std::string staging_prefix;       // where to upload model/ and output/data/
  // Checkpoints (used when the request has a CheckpointConfig):
  int checkpoint_keep_last = 10;              // sync points kept per instance
  int checkpoint_flush_timeout_seconds = 600; // how long a final flush may wait for the store
  int attempt = 1;                  // 1, then +1 for every automatic restart
  std::string instance_id{};        // this launch's id ("i-..."), as TRAINYARD_INSTANCE_ID
  std::string rendezvous_prefix{};  // the attempt's key prefix in the server's rendezvous store
  HealthSettings health{};
};

// What an instance's checkpoint sync is doing, for DescribeTrainingJob's
// transitions and `trainyard jobs describe`.
struct CheckpointReport {
  std::string stage;            // "restoring" | "mirroring" | "flushing" | "flushed" | "failed"
  int64_t files = 0;            // files mirrored now
  int64_t bytes = 0;
  int64_t last_sync_ms = 0;     // epoch ms of the last successful upload or point (0: never)
  int64_t lag_ms = 0;           // age of the oldest change not yet durable
  int64_t backlog_files = 0;    // changes waiting for the store
  int64_t backlog_bytes = 0;
  int64_t retries = 0;          // store operations retried so far
  std::string last_error;       // empty when the last operation succeeded
  int64_t last_error_ms = 0;
  std::string last_point;       // id of the newest sync point written
  std::string restored_point;   // what the restore used ("" when nothing or a plain copy)
  int64_t restored_files = 0;
  int64_t restored_bytes = 0;
  bool operator==(const CheckpointReport&) const = default;
};

enum class AgentPhase { kPreparing, kChecking, kTraining, kExited, kUploading, kUploaded, kFailed };

struct LogLine {
  int64_t seq = 0;        // per instance, from 1, increasing
  int64_t time_ms = 0;
  std::string stream;     // "stdout" | "stderr" | "agent"
  std::string text;       // at most kMaxLogLineBytes; longer lines are cut and marked
};

inline constexpr size_t kMaxLogLineBytes = 16 * 1024;

struct AgentReport {
  AgentPhase phase = AgentPhase::kPreparing;
  std::optional<int> exit_code;       // set in kExited and later
  std::optional<int> exit_signal;     // the signal that killed the process, if any
  std::string failure;                // /opt/ml/output/failure (first 1024 bytes) or agent's reason
  std::vector<LogLine> logs;
  int64_t dropped_lines = 0;          // lines dropped by the agent since the last report
  std::optional<CheckpointReport> checkpoint;  // only for jobs with a CheckpointConfig
  int attempt = 1;                    // the attempt this report belongs to
  std::optional<HealthRound> health;  // the latest round of health checks, once one ran
  std::optional<Json> collective;     // the preflight collective check's result (CollectiveResult JSON)
};

enum class AgentAction {
  kContinue,  // keep going
  kStop,      // SIGTERM the process, SIGKILL after grace_seconds
  kUpload,    // upload model/ and output/data/ to staging_prefix
  kExit,      // the job is over for this instance: exit the agent
  kRestart,   // after the program ended: run attempt `attempt` (restore, checks, program)
};

struct AgentCommand {
  AgentAction action = AgentAction::kContinue;
  int grace_seconds = 120;
  int64_t acked_seq = 0;  // log lines up to this seq are stored
  int attempt = 0;        // kRestart: the new attempt
  int master_port = 0;    // kRestart: the new attempt's MASTER_PORT
  std::string rendezvous_prefix{};  // kRestart: the new attempt's rendezvous prefix
};

std::string_view ToString(AgentPhase phase);
std::string_view ToString(AgentAction action);

Json ToJson(const Assignment& a);
Json ToJson(const AgentReport& r);
Json ToJson(const AgentCommand& c);
Json ToJson(const CheckpointReport& c);
Result<CheckpointReport> CheckpointReportFromJson(const Json& j);
Result<Assignment> AssignmentFromJson(const Json& j);    // kSerialization on bad shape
Result<AgentReport> AgentReportFromJson(const Json& j);
Result<AgentCommand> AgentCommandFromJson(const Json& j);

}  // namespace trainyard
