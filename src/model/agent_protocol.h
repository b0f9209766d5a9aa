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
//
// An agent reports every `report_interval_ms` (its heartbeat) and at once when
// its phase changes or the process exits; each report carries the log lines
// produced since the last acknowledged one (seq numbers make resends
// idempotent). The command in the reply says what to do next.
//
// Phases of one attempt on one instance, in order:
//   kPreparing    writing /opt/ml, downloading channels
//   kTraining     the training process is running
//   kExited       the process ended (exit code, signal, failure text)
//   kUploading    copying model/ and output/data/ to the staging prefix
//   kUploaded     done; waiting for the "exit" command
//   kFailed       the agent could not prepare or upload (ClientError/InternalError)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

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
};

enum class AgentPhase { kPreparing, kTraining, kExited, kUploading, kUploaded, kFailed };

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
};

enum class AgentAction {
  kContinue,  // keep going
  kStop,      // SIGTERM the process, SIGKILL after grace_seconds
  kUpload,    // upload model/ and output/data/ to staging_prefix
  kExit,      // the job is over for this instance: exit the agent
};

struct AgentCommand {
  AgentAction action = AgentAction::kContinue;
  int grace_seconds = 120;
  int64_t acked_seq = 0;  // log lines up to this seq are stored
};

std::string_view ToString(AgentPhase phase);
std::string_view ToString(AgentAction action);

Json ToJson(const Assignment& a);
Json ToJson(const AgentReport& r);
Json ToJson(const AgentCommand& c);
Result<Assignment> AssignmentFromJson(const Json& j);    // kSerialization on bad shape
Result<AgentReport> AgentReportFromJson(const Json& j);
Result<AgentCommand> AgentCommandFromJson(const Json& j);

}  // namespace trainyard
