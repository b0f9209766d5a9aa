// JobRun's view of one instance (private to job_run*.cc): what its agent
// last said in the current attempt, and how the instance is billed.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "backend/instance_backend.h"
#include "common/clock.h"
#include "controller/job_run.h"
#include "model/agent_protocol.h"

namespace trainyard {

// A free TCP port on loopback for an attempt's rendezvous (MASTER_PORT).
int PickFreePort();

struct JobRun::InstanceState {
  std::string host;
  std::string instance_id;     // "i-..." for this launch; a replacement gets a new one
  std::unique_ptr<Instance> instance;
  bool registered = false;
  int attempt = 0;             // the attempt the agent last reported in (0: none yet)
  AgentPhase phase = AgentPhase::kPreparing;  // in `attempt`
  int64_t last_report_ms = 0;  // monotonic
  int64_t launched_mono_ms = 0;
  EpochMs launched_at = 0;
  EpochMs ended_at = 0;        // when it was lost, replaced or released at the end of the job
  std::optional<int> exit_code;
  std::optional<int> exit_signal;
  std::string failure;
  int64_t exited_mono_ms = 0;  // when the exit of this attempt's program was reported
  int64_t acked_seq = 0;
  bool lost = false;
  std::string lost_reason;
  bool agent_gone = false;
  bool awaiting_reconnect = false;  // adopted after a server restart, not heard from yet
  bool needs_launch = false;        // a replacement not started yet
  std::optional<CheckpointReport> checkpoint;  // the latest from the agent
  int64_t checkpoint_persisted_ms = 0;         // monotonic; when it was last written to details
  std::optional<HealthRound> health;           // the latest round of this attempt
  std::optional<Json> collective;              // this attempt's collective check result
  bool check_failed = false;        // Failed because of its own checks (a platform fault)

  bool exited() const {
    return lost || phase == AgentPhase::kExited || phase == AgentPhase::kUploading ||
           phase == AgentPhase::kUploaded || phase == AgentPhase::kFailed;
  }
  // Clears what the agent said in the previous attempt.
  void ResetAttempt() {
    phase = AgentPhase::kPreparing;
    exit_code.reset();
    exit_signal.reset();
    exited_mono_ms = 0;
    failure.clear();
    health.reset();
    collective.reset();
    check_failed = false;
  }
};

}  // namespace trainyard
