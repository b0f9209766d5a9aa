// FaultPolicy: whose fault an ended or broken instance is, and what follows.
// Pure: the JobRun gathers what it saw during one attempt into a
// FaultPicture; DecideFault classifies and plans. No clock, no I/O.
//
// Classification (DESIGN.md, "Fault model"):
//   platform   an agent that died, a lost heartbeat (host or link down), an
//              agent that never registered, a failed node health check or
//              collective check, a hang, or a training process killed by
//              SIGKILL that the agent did not send (the OOM killer or a
//              hand on the host)                         -> restart
//   user       a training process that exited non-zero (or by another
//              signal) with no platform fault near it    -> Failed, AlgorithmError
//
// One fault, one restart: exits of other instances within
// `correlation_window_ms` of a platform fault (peers' connection resets,
// Gloo/NCCL errors) are attributed to it and named as related.
//
// Before blaming the user, the policy waits (kWait) until every instance has
// been heard from at least `settle_ms` after the first exit and every
// exited instance has reported its post-exit health checks: a dead peer or a
// bad node shows up in that time, and is then the root cause.
//
// A preflight health check failure waits (kWait) until every instance has
// reported its own preflight round. When every instance failed with the same
// evidence (say "ml.p3.2xlarge promises 1 GPU; this host has none"), the
// fault is the cluster's, not an instance's: replacing instances cannot help,
// so the job gives up at once (kGiveUp) naming the check.
//
// Which instances are replaced: those whose agent died, went silent, never
// registered, or failed a check. A killed training process or a hang
// restarts every instance in place (their checks run again before training).
// After `max_restarts` automatic restarts the next platform fault gives up
// (kGiveUp): the job fails with an InternalServerError naming the cause.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainyard {

enum class FaultKind {
  kProcessExited,    // the training process ended without being asked to
  kAgentDied,        // the instance's agent process ended
  kHeartbeatLost,    // no report for the heartbeat timeout
  kNeverRegistered,  // the agent did not register in time
  kHealthCheckFailed,
  kCollectiveCheckFailed,
  kHang,             // no log line or metric for the hang timeout (host may be "")
};

std::string_view ToString(FaultKind kind);

struct FaultEvent {
  FaultKind kind = FaultKind::kProcessExited;
  std::string host;              // "algo-2"
  int64_t at_ms = 0;             // when the server noticed it (monotonic)
  std::optional<int> exit_code;  // kProcessExited
  std::optional<int> signal;     // kProcessExited: the signal that killed it
  std::string detail;            // evidence: failure file, check output, "no heartbeat for 3012 ms"
};

// What the server knows of one instance still in the attempt.
struct HostView {
  int64_t last_heard_ms = 0;   // monotonic time of its last report
  bool checks_pending = false; // its program exited and its post-exit checks are not reported yet
  bool preflight_pending = false;  // its preflight node checks are not reported yet in this attempt
};

struct FaultPicture {
  std::vector<FaultEvent> events;        // this attempt's, in the order noticed
  std::map<std::string, HostView> hosts; // every instance not lost
  int restarts_so_far = 0;
  int64_t now_ms = 0;
};

struct FaultPolicyOptions {
  int max_restarts = 10;
  int64_t correlation_window_ms = 10'000;
  int64_t settle_ms = 500;
};

enum class FaultDecision {
  kNone,       // nothing wrong
  kWait,       // an exit that may yet turn out to be a platform fault's effect
  kUserError,  // Failed, "AlgorithmError: <failure>"
  kRestart,    // platform fault: restart, replacing `replace`
  kGiveUp,     // platform fault past the restart limit: Failed, "InternalServerError: <failure>"
};

std::string_view ToString(FaultDecision decision);

struct FaultPlan {
  FaultDecision decision = FaultDecision::kNone;
  std::optional<FaultEvent> root;     // the root cause (kUserError: the first exit)
  std::string cause;                  // one line naming the root cause, e.g.
                                      // "algo-2's agent died (exit status 137)"
  std::vector<std::string> replace;   // hosts that get new instances, sorted
  std::vector<std::string> related;   // other hosts whose exits belong to the same fault, sorted
  std::string failure;                // kUserError / kGiveUp: the FailureReason text after the prefix
};

// True for the kinds (and exits) that are the platform's fault.
bool IsPlatformFault(const FaultEvent& event);

FaultPlan DecideFault(const FaultPicture& picture, const FaultPolicyOptions& options = {});

}  // namespace trainyard
