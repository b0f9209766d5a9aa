// JobRun's faults and restarts: what counts as a fault (events for the
// policy in fault_policy.h), and carrying out a restart. See job_run.h.
#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/log.h"
#include "controller/collective_verdict.h"
#include "controller/job_run_instance.h"

namespace trainyard {
namespace {

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool CollectiveOk(const Json& result) { return result.is_object() && result.value("Ok", false); }

}  // namespace

bool JobRun::InAttempt(const InstanceState& s) const {
  return s.registered && s.attempt == attempt_ && !s.needs_launch && !s.lost;
}

// Keeps one event per (kind, host) and attempt; the policy decides on the next reconcile.
void JobRun::NoteFault(FaultEvent event) {
  for (const FaultEvent& e : events_) {
    if (e.kind == event.kind && e.host == event.host) return;
  }
  LogInfo("job " + name_ + ": fault on " + (event.host.empty() ? "the job" : event.host) + ": " +
          std::string(ToString(event.kind)) + (event.detail.empty() ? "" : " (" + event.detail + ")"));
  events_.push_back(std::move(event));
  wake_.notify_all();
}

// A round that found the instance unhealthy is a platform fault; so is a
// preflight that failed for its checks (the agent then reports Failed).
void JobRun::IngestHealth(InstanceState& s, const AgentReport& report) {
  if (report.collective) s.collective = report.collective;
  if (report.health && (!s.health || s.health->seq != report.health->seq)) {
    s.health = report.health;
    (void)UpdateDetails();
  }
  if (s.health && s.health->unhealthy() && phase_ == Phase::kRunning) {
    s.check_failed = s.check_failed || report.phase == AgentPhase::kFailed;
    NoteFault({FaultKind::kHealthCheckFailed, s.host, deps_.clock.MonotonicMs(), std::nullopt, std::nullopt,
               s.health->when + " " + s.health->Summary()});
  }
  if (report.phase == AgentPhase::kFailed && s.collective && !CollectiveOk(*s.collective)) {
    s.check_failed = true;
  }
}

// The collective check is judged once every instance of the attempt has
// reported its result (collective_verdict.h): the instances it points at
// are faulty. A result nobody can be blamed for (say every pair passed but
// the full mesh failed) blames the instances whose own check failed.
void JobRun::JudgeCollectiveCheck() {
  if (collective_judged_) return;
  std::map<std::string, std::optional<CollectiveResult>> results;
  for (const auto& [host, s] : instances_) {
    if (!InAttempt(*s) || !s->collective) return;  // not every result is in
    Result<CollectiveResult> result = CollectiveResultFromJson(*s->collective);
    results[host] = result.ok() ? std::optional<CollectiveResult>(*result) : std::nullopt;
  }
  collective_judged_ = true;
  CollectiveVerdict verdict = trainyard::JudgeCollectiveCheck(results);
  if (verdict.passed) return;
  LogWarning("job " + name_ + ": collective check: " + verdict.summary);
  const int64_t now = deps_.clock.MonotonicMs();
  if (verdict.faulty.empty()) {
    for (const auto& [host, result] : results) {
      if (!result || !result->ok) verdict.faulty.push_back({host, verdict.summary});
    }
  }
  for (const FaultyInstance& f : verdict.faulty) {
    NoteFault({FaultKind::kCollectiveCheckFailed, f.host, now, std::nullopt, std::nullopt, f.reason});
  }
}

void JobRun::DetectHang() {
  if (options_.hang_timeout_ms <= 0 || hang_noted_ || job_.state.secondary != SecondaryStatus::kTraining) return;
  int64_t now = deps_.clock.MonotonicMs();
  if (last_progress_mono_ms_ == 0) last_progress_mono_ms_ = now;
  if (now - last_progress_mono_ms_ < options_.hang_timeout_ms) return;
  hang_noted_ = true;
  NoteFault({FaultKind::kHang, "", now, std::nullopt, std::nullopt,
             "no log line or metric for " + std::to_string((now - last_progress_mono_ms_) / 1000) + " s"});
}

FaultPicture JobRun::Picture() const {
  FaultPicture picture;
  picture.events = events_;
  picture.restarts_so_far = job_.state.restart_count;
  picture.now_ms = deps_.clock.MonotonicMs();
  for (const auto& [host, s] : instances_) {
    if (s->lost || s->needs_launch) continue;
    HostView view{s->last_report_ms, false};
    const bool failed_exit = s->phase == AgentPhase::kExited && (s->exit_code.value_or(0) != 0 || s->exit_signal);
    // An agent gets the check programs' timeout (and a margin) for its post-exit round.
    const int64_t checks_deadline = s->exited_mono_ms + options_.health.program_timeout_ms + 5000;
    view.checks_pending = failed_exit && options_.health.node_checks && picture.now_ms < checks_deadline &&
                          (!s->health || s->health->when != "post-exit");
    view.preflight_pending = options_.health.node_checks && !s->health &&
                             (s->phase == AgentPhase::kPreparing || s->phase == AgentPhase::kChecking);
    picture.hosts[host] = view;
  }
  return picture;
}

// Attempt n+1: the record, the Restarting transition, faulty instances
// killed (replacements are launched by ContinueRestart), the others stopped
// and then restarted through their reports (OldAttemptCommand).
void JobRun::BeginRestart(const FaultPlan& plan) {
  const int64_t now_mono = deps_.clock.MonotonicMs();
  const EpochMs now = deps_.clock.NowMs();
  const FaultEvent& root = *plan.root;
  // Detection latency: from the root instance's last report (or its launch,
  // if it never reported) to the server noticing the fault.
  int64_t last_heard = root.at_ms;
  if (InstanceState* s = Find(root.host)) {
    last_heard = std::min(last_heard, s->last_report_ms > 0 ? s->last_report_ms : s->launched_mono_ms);
  }
  Json record = {{"Attempt", attempt_ + 1},
                 {"Cause", plan.cause},
                 {"Kind", std::string(ToString(root.kind))},
                 {"Host", root.host},
                 {"Replaced", plan.replace},
                 {"Related", plan.related},
                 {"FaultTime", now},
                 {"DetectionLatencyMs", root.at_ms - last_heard},
                 {"InstanceCount", static_cast<int64_t>(instances_.size())}};
  restarts_.push_back(record);
  const int restart_number = job_.state.restart_count + 1;
  std::string message = "Restarting training (automatic restart " + std::to_string(restart_number) + " of " +
                        std::to_string(options_.max_restarts) + "): " + plan.cause;
  if (!plan.replace.empty()) message += "; replacing " + Joined(plan.replace);
  LogWarning("job " + name_ + ": " + message);
  if (Status applied = Apply(JobEventKind::kRestarting, message); !applied.ok()) {
    LogError("job " + name_ + ": " + applied.error().ToString());
    return;
  }
  ++attempt_;
  master_port_ = PickFreePort();
  events_.clear();
  hang_noted_ = false;
  collective_judged_ = false;
  last_progress_mono_ms_ = 0;
  for (const std::string& host : plan.replace) {
    InstanceState& s = *instances_[host];
    if (s.instance) s.instance->Kill();
    if (!s.ended_at) s.ended_at = now;
    if (s.launched_at > 0) retired_billable_ms_ += std::max<int64_t>(0, s.ended_at - s.launched_at);
    auto fresh = std::make_unique<InstanceState>();
    fresh->host = host;
    fresh->needs_launch = true;
    fresh->acked_seq = s.acked_seq;  // the host's log stream continues
    instances_[host] = std::move(fresh);
  }
  restart_mono_ms_ = now_mono;
  phase_ = Phase::kRestarting;
  (void)UpdateDetails();
  wake_.notify_all();
}

int JobRun::RetriesLeft() const {
  const Json& strategy = job_.request.value("RetryStrategy", Json::object());
  int64_t allowed = GetInt(strategy, "MaximumRetryAttempts").value_or(0);
  return static_cast<int>(std::max<int64_t>(0, allowed - job_.state.retry_count));
}

// RetryStrategy: the whole job again, on new instances everywhere.
void JobRun::BeginRetry(const std::string& reason) {
  const Json& strategy = job_.request.value("RetryStrategy", Json::object());
  const int64_t allowed = GetInt(strategy, "MaximumRetryAttempts").value_or(0);
  std::string message = "Retrying the training job (retry " + std::to_string(job_.state.retry_count + 1) + " of " +
                        std::to_string(allowed) + ") after an internal error: " + reason;
  LogWarning("job " + name_ + ": " + message);
  if (Status applied = Apply(JobEventKind::kRetrying, message); !applied.ok()) {
    LogError("job " + name_ + ": " + applied.error().ToString());
    return;
  }
  const EpochMs now = deps_.clock.NowMs();
  ++attempt_;
  master_port_ = PickFreePort();
  events_.clear();
  hang_noted_ = collective_judged_ = false;
  last_progress_mono_ms_ = 0;
  restarts_before_retry_ = job_.state.restart_count;
  for (auto& [host, s] : instances_) {
    if (s->instance) s->instance->Kill();
    if (!s->ended_at) s->ended_at = now;
    if (s->launched_at > 0) retired_billable_ms_ += std::max<int64_t>(0, s->ended_at - s->launched_at);
    auto fresh = std::make_unique<InstanceState>();
    fresh->host = host;
    fresh->needs_launch = true;
    fresh->acked_seq = s->acked_seq;
    s = std::move(fresh);
  }
  restart_mono_ms_ = 0;
  phase_ = Phase::kRestarting;
  (void)UpdateDetails();
  wake_.notify_all();
}

// Launches the replacements, then lets the attempt start like the first.
void JobRun::ContinueRestart(std::unique_lock<std::mutex>& lock) {
  for (auto& [host, s] : instances_) {
    if (!s->needs_launch) continue;
    std::string h = host;  // the map entry may be replaced while unlocked
    if (Status launched = LaunchInstance(lock, h); !launched.ok()) {
      LogError("job " + name_ + ": launching a replacement for " + h + ": " + launched.error().ToString());
      (void)Apply(JobEventKind::kInternalError, "launching a replacement for " + h + ": " + launched.error().message);
      phase_ = Phase::kStopping;
      upload_after_stop_ = false;
      return;
    }
    if (phase_ != Phase::kRestarting) return;  // stopped meanwhile
  }
  // After a retry the job is Starting already, with the retry's message.
  if (job_.state.secondary == SecondaryStatus::kRestarting) (void)Apply(JobEventKind::kLaunchingInstances);
  (void)UpdateDetails();
  phase_ = Phase::kRunning;
}

// An instance of the old attempt whose program outlived the restart grace
// (and a margin for its SIGKILL and flush) is replaced too.
void JobRun::EscalateStuckRestarts() {
  if (restart_mono_ms_ == 0) return;
  const int64_t deadline = restart_mono_ms_ + (options_.restart_grace_seconds + 10) * 1000;
  if (deps_.clock.MonotonicMs() < deadline) return;
  for (auto& [host, s] : instances_) {
    if (s->lost || s->needs_launch || s->attempt == attempt_ || !s->registered) continue;
    NoteFault({FaultKind::kHeartbeatLost, host, deps_.clock.MonotonicMs(), std::nullopt, std::nullopt,
               "still running the previous attempt " + std::to_string(options_.restart_grace_seconds + 10) +
                   " s after the restart began"});
  }
}

// Training runs again on every instance: the restart's record gets its cost.
void JobRun::NoteResumed() {
  if (restarts_.empty() || restarts_.back().contains("ResumedTime")) return;
  Json& record = restarts_.back();
  const EpochMs now = deps_.clock.NowMs();
  const int64_t to_resume = now - GetInt(record, "FaultTime").value_or(now);
  record["ResumedTime"] = now;
  record["TimeToResumeMs"] = to_resume;
  record["InstanceSeconds"] = std::llround(to_resume * GetInt(record, "InstanceCount").value_or(1) / 1000.0);
  for (const auto& [host, s] : instances_) {
    if (s->checkpoint && !s->checkpoint->restored_point.empty()) {
      // A sync point's id starts with its epoch ms: the work since then was lost.
      const std::string& point = s->checkpoint->restored_point;
      record["RestoredSyncPoint"] = point;
      const int64_t point_ms = std::strtoll(point.c_str(), nullptr, 10);
      const int64_t fault_ms = GetInt(record, "FaultTime").value_or(0);
      if (point_ms > 0 && fault_ms >= point_ms) record["WorkLostMs"] = fault_ms - point_ms;
      break;
    }
  }
  restart_mono_ms_ = 0;
  LogInfo("job " + name_ + ": training resumed " + std::to_string(to_resume) + " ms after the fault");
  (void)UpdateDetails();
}

}  // namespace trainyard
