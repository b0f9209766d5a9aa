#include "controller/fault_policy.h"

#include <signal.h>

#include <algorithm>
#include <cstdlib>

namespace trainyard {
namespace {

bool Replaces(FaultKind kind) {
  switch (kind) {
    case FaultKind::kAgentDied:
    case FaultKind::kHeartbeatLost:
    case FaultKind::kNeverRegistered:
    case FaultKind::kHealthCheckFailed:
    case FaultKind::kCollectiveCheckFailed:
      return true;
    case FaultKind::kProcessExited:
    case FaultKind::kHang:
      return false;
  }
  return false;
}

std::string ExitText(const FaultEvent& e) {
  if (e.signal) return "killed by signal " + std::to_string(*e.signal);
  return "exit code: " + std::to_string(e.exit_code.value_or(-1));
}

std::string Describe(const FaultEvent& e) {
  const std::string evidence = e.detail.empty() ? "" : ": " + e.detail;
  switch (e.kind) {
    case FaultKind::kProcessExited:
      return "the training process on " + e.host + " was " +
             (e.signal == SIGKILL ? "killed by SIGKILL from outside the job (out of memory, or killed on the host)"
                                  : "ended (" + ExitText(e) + ")");
    case FaultKind::kAgentDied: return "the agent of " + e.host + " died" + evidence;
    case FaultKind::kHeartbeatLost: return e.host + " stopped reporting" + evidence;
    case FaultKind::kNeverRegistered: return "the agent of " + e.host + " never registered" + evidence;
    case FaultKind::kHealthCheckFailed: return e.host + " failed a health check" + evidence;
    case FaultKind::kCollectiveCheckFailed: return e.host + " failed the collective check" + evidence;
    case FaultKind::kHang:
      return (e.host.empty() ? std::string("the job") : e.host) + " made no progress" + evidence;
  }
  return e.host;
}

// SageMaker's AlgorithmError text: the failure file, else the exit status.
std::string UserFailure(const FaultEvent& e) {
  if (!e.detail.empty()) return e.detail;
  return ", " + ExitText(e) + " (on " + e.host + ")";
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Waits while any instance may still reveal a platform cause for `exit`.
bool Settled(const FaultPicture& picture, const FaultEvent& exit, int64_t settle_ms) {
  for (const auto& [host, view] : picture.hosts) {
    if (view.checks_pending) return false;
    if (view.last_heard_ms < exit.at_ms + settle_ms) return false;
  }
  return true;
}

constexpr std::string_view kPreflight = "preflight ";

bool IsPreflightFailure(const FaultEvent& e) {
  return e.kind == FaultKind::kHealthCheckFailed && e.detail.rfind(kPreflight, 0) == 0;
}

// Every instance failed the same preflight check the same way.
bool SameFailureEverywhere(const FaultPicture& picture) {
  const FaultEvent* first = nullptr;
  size_t hosts = 0;
  for (const FaultEvent& e : picture.events) {
    if (!IsPreflightFailure(e)) return false;
    if (first && e.detail != first->detail) return false;
    if (!first) first = &e;
    ++hosts;
  }
  return first && hosts == picture.hosts.size();
}

}  // namespace

std::string_view ToString(FaultKind kind) {
  switch (kind) {
    case FaultKind::kProcessExited: return "ProcessExited";
    case FaultKind::kAgentDied: return "AgentDied";
    case FaultKind::kHeartbeatLost: return "HeartbeatLost";
    case FaultKind::kNeverRegistered: return "NeverRegistered";
    case FaultKind::kHealthCheckFailed: return "HealthCheckFailed";
    case FaultKind::kCollectiveCheckFailed: return "CollectiveCheckFailed";
    case FaultKind::kHang: return "Hang";
  }
  return "Unknown";
}

std::string_view ToString(FaultDecision decision) {
  switch (decision) {
    case FaultDecision::kNone: return "None";
    case FaultDecision::kWait: return "Wait";
    case FaultDecision::kUserError: return "UserError";
    case FaultDecision::kRestart: return "Restart";
    case FaultDecision::kGiveUp: return "GiveUp";
  }
  return "Unknown";
}

bool IsPlatformFault(const FaultEvent& event) {
  if (event.kind != FaultKind::kProcessExited) return true;
  return event.signal == SIGKILL;
}

FaultPlan DecideFault(const FaultPicture& picture, const FaultPolicyOptions& options) {
  FaultPlan plan;
  const FaultEvent* root = nullptr;        // earliest platform fault
  const FaultEvent* first_exit = nullptr;  // earliest exit that is not one
  for (const FaultEvent& e : picture.events) {
    const FaultEvent*& slot = IsPlatformFault(e) ? root : first_exit;
    if (!slot || e.at_ms < slot->at_ms) slot = &e;
  }
  if (!root && !first_exit) return plan;

  // A user's exit long before any platform fault stands on its own.
  const bool user_first = first_exit && (!root || root->at_ms - first_exit->at_ms > options.correlation_window_ms);
  if (user_first) {
    plan.root = *first_exit;
    plan.cause = Describe(*first_exit);
    if (!root && !Settled(picture, *first_exit, options.settle_ms)) {
      plan.decision = FaultDecision::kWait;
      return plan;
    }
    plan.decision = FaultDecision::kUserError;
    plan.failure = UserFailure(*first_exit);
    return plan;
  }

  plan.root = *root;
  plan.cause = Describe(*root);
  if (IsPreflightFailure(*root)) {
    for (const auto& [host, view] : picture.hosts) {
      if (view.preflight_pending) {
        plan.decision = FaultDecision::kWait;
        return plan;
      }
    }
    if (SameFailureEverywhere(picture)) {
      plan.decision = FaultDecision::kGiveUp;
      plan.replace.clear();
      plan.failure = "every instance failed the same " + root->detail +
                     " (replacing instances cannot help)";
      return plan;
    }
  }
  for (const FaultEvent& e : picture.events) {
    if (IsPlatformFault(e)) {
      if (Replaces(e.kind)) plan.replace.push_back(e.host);
      if (e.host != root->host && !e.host.empty()) plan.related.push_back(e.host);
    } else if (std::llabs(e.at_ms - root->at_ms) <= options.correlation_window_ms && e.host != root->host) {
      plan.related.push_back(e.host);
    }
  }
  SortUnique(plan.replace);
  SortUnique(plan.related);
  std::erase_if(plan.related, [&](const std::string& h) {
    return std::binary_search(plan.replace.begin(), plan.replace.end(), h);
  });
  if (picture.restarts_so_far >= options.max_restarts) {
    plan.decision = FaultDecision::kGiveUp;
    plan.failure = plan.cause + "; gave up after " + std::to_string(picture.restarts_so_far) +
                   " automatic restart" + (picture.restarts_so_far == 1 ? "" : "s");
    return plan;
  }
  plan.decision = FaultDecision::kRestart;
  return plan;
}

}  // namespace trainyard
