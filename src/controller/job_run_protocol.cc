// JobRun's side of the agent protocol (model/agent_protocol.h): who may
// call, what an instance is assigned, what its reports change, and the
// command each reply carries. See job_run.h.
#include "common/crypto.h"
#include "common/log.h"
#include "controller/job_run_instance.h"

namespace trainyard {

bool JobRun::Admits(const std::string& host, const std::string& token) const {
  std::lock_guard lock(mu_);
  return instances_.count(host) > 0 && CheckToken(token);
}

std::string JobRun::RendezvousPrefix() const {
  std::lock_guard lock(mu_);
  return "attempt-" + std::to_string(attempt_) + "/";
}

Result<Assignment> JobRun::Register(const std::string& host, const std::string& token) {
  std::lock_guard lock(mu_);
  InstanceState* s = Find(host);
  if (!s || !CheckToken(token)) {
    return MakeError(ErrorCode::kUnrecognizedClient, "unknown instance or token for job " + name_);
  }
  if (phase_ == Phase::kDone || phase_ == Phase::kFinishing) {
    return MakeError(ErrorCode::kFailedPrecondition, "job " + name_ + " is over");
  }
  s->registered = true;
  s->last_report_ms = deps_.clock.MonotonicMs();
  if (s->attempt != attempt_) {
    s->ResetAttempt();
    s->attempt = attempt_;
  }
  wake_.notify_all();
  std::vector<std::string> hosts;
  for (const auto& [h, unused] : instances_) hosts.push_back(h);
  Json request = job_.request;
  Json& algorithm = request["AlgorithmSpecification"];
  if (auto image = options_.images.find(GetString(algorithm, "TrainingImage")); image != options_.images.end()) {
    algorithm["TrainingImage"] = image->second;
  }
  Assignment assignment;
  assignment.job_name = name_;
  assignment.job_arn = job_.arn;
  assignment.host = host;
  assignment.hosts = std::move(hosts);
  assignment.region = options_.region;
  assignment.request = std::move(request);
  assignment.master_port = master_port_;
  assignment.grace_period_seconds = options_.grace_period_seconds;
  assignment.report_interval_ms = options_.report_interval_ms;
  assignment.staging_prefix = staging_uri_;
  assignment.checkpoint_keep_last = options_.checkpoint_keep_last;
  assignment.checkpoint_flush_timeout_seconds = options_.checkpoint_flush_timeout_seconds;
  assignment.attempt = attempt_;
  assignment.instance_id = s->instance_id;
  assignment.rendezvous_prefix = "attempt-" + std::to_string(attempt_) + "/";
  assignment.health = options_.health;
  return assignment;
}

void JobRun::IngestLogs(InstanceState& s, const AgentReport& report) {
  std::vector<LogLine> fresh;
  for (const LogLine& line : report.logs) {
    if (line.seq > s.acked_seq) fresh.push_back(line);
  }
  if (report.dropped_lines > 0) {
    fresh.push_back({0, deps_.clock.NowMs(), "agent",
                     "[trainyard: the agent dropped " + std::to_string(report.dropped_lines) +
                         " lines of output here: its buffer was full]"});
  }
  std::vector<LogLine> kept;
  std::vector<MetricDatum> points;
  for (LogLine& line : fresh) {
    if (line.seq > s.acked_seq) s.acked_seq = line.seq;
    if (line.stream != "agent" && report.attempt == attempt_) last_progress_mono_ms_ = deps_.clock.MonotonicMs();
    if (metrics_ && line.stream != "agent") {
      for (MetricDatum& m : metrics_->Parse(line.text, line.time_ms)) points.push_back(std::move(m));
    }
    if (log_bytes_ + static_cast<int64_t>(line.text.size()) > options_.max_log_bytes) {
      if (!log_limit_noted_) {
        kept.push_back({0, line.time_ms, "agent",
                        "[trainyard: log storage limit of " + std::to_string(options_.max_log_bytes >> 20) +
                            " MiB reached for this job; further output is not stored]"});
        log_limit_noted_ = true;
      }
      continue;
    }
    log_bytes_ += static_cast<int64_t>(line.text.size());
    kept.push_back(std::move(line));
  }
  if (Status s2 = deps_.logs.AppendLogs(name_, s.host, kept); !s2.ok()) {
    LogError("job " + name_ + ": storing logs: " + s2.error().ToString());
  }
  if (points.empty()) return;
  std::vector<MetricPoint> stored;
  for (const MetricDatum& m : points) stored.push_back({s.host, m});
  (void)deps_.logs.AppendMetrics(name_, stored);
  Result<TrainingJob> updated = deps_.store.UpdateJob(name_, [&](TrainingJob& job) -> Status {
    MergeFinalMetrics(job.final_metrics, points);
    return Ok();
  });
  if (updated.ok()) job_ = std::move(updated).value();
}

std::string JobRun::CheckpointUri() const {
  return GetString(job_.request.value("CheckpointConfig", Json::object()), "S3Uri");
}

// Keeps the instance's checkpoint state, writes it to the job record (at once
// when its stage changes, else at most every checkpoint_persist_interval_ms),
// and tells DescribeTrainingJob what the first completed restore brought back.
void JobRun::IngestCheckpoint(InstanceState& s, const AgentReport& report) {
  if (!report.checkpoint) return;
  const CheckpointReport& now = *report.checkpoint;
  bool stage_changed = !s.checkpoint || s.checkpoint->stage != now.stage;
  s.checkpoint = now;
  if (!restore_noted_ && report.attempt == attempt_ && now.stage != "restoring" && now.stage != "failed" &&
      job_.state.secondary == SecondaryStatus::kDownloading) {
    restore_noted_ = true;
    std::string message = now.restored_files == 0
        ? "Downloading input data; no checkpoints to restore from " + CheckpointUri()
        : "Downloading input data; restored " + std::to_string(now.restored_files) + " checkpoint files (" +
              std::to_string(now.restored_bytes) + " bytes) from " + CheckpointUri() +
              (now.restored_point.empty() ? "" : " as of sync point " + now.restored_point);
    (void)Apply(JobEventKind::kStatusMessage, message);
  }
  int64_t mono = deps_.clock.MonotonicMs();
  if (stage_changed || mono - s.checkpoint_persisted_ms >= options_.checkpoint_persist_interval_ms) {
    s.checkpoint_persisted_ms = mono;
    if (Status updated = UpdateDetails(); !updated.ok()) {
      LogWarning("job " + name_ + ": recording checkpoint state: " + updated.error().ToString());
    }
  }
}

Result<AgentCommand> JobRun::Report(const std::string& host, const std::string& token,
                                    const AgentReport& report) {
  std::lock_guard lock(mu_);
  InstanceState* s = Find(host);
  if (!s || !CheckToken(token)) {
    return MakeError(ErrorCode::kUnrecognizedClient, "unknown instance or token for job " + name_);
  }
  s->registered = true;
  s->awaiting_reconnect = false;
  s->last_report_ms = deps_.clock.MonotonicMs();
  IngestLogs(*s, report);
  IngestCheckpoint(*s, report);
  if (report.attempt < attempt_ && !s->lost) {
    AgentCommand command = OldAttemptCommand(*s, report);
    command.acked_seq = s->acked_seq;
    return command;
  }
  if (report.attempt > s->attempt) {
    s->ResetAttempt();
    s->attempt = report.attempt;
  }
  bool phase_changed = !s->lost && report.phase != s->phase;
  if (!s->lost) {
    s->phase = report.phase;
    if (report.phase == AgentPhase::kExited || report.phase == AgentPhase::kFailed) {
      s->exit_code = report.exit_code;
      s->exit_signal = report.exit_signal;
      s->failure = report.failure;
      if (phase_changed) s->exited_mono_ms = s->last_report_ms;
    }
    IngestHealth(*s, report);
    if (phase_changed && report.phase == AgentPhase::kExited && phase_ == Phase::kRunning && !stop_requested_ &&
        (report.exit_code.value_or(0) != 0 || report.exit_signal)) {
      NoteFault({FaultKind::kProcessExited, host, s->last_report_ms, report.exit_code, report.exit_signal,
                 report.failure});
    }
  }
  // A phase change decides at once (e.g. the last exit starts the upload), so
  // the reply carries the next command instead of the next heartbeat.
  if (phase_changed) Reconcile();
  AgentCommand command = s->attempt < attempt_ && !s->lost ? OldAttemptCommand(*s, report) : CommandFor(*s);
  command.acked_seq = s->acked_seq;
  return command;
}

// An agent still in an earlier attempt: stop its program, then restart it.
AgentCommand JobRun::OldAttemptCommand(InstanceState& s, const AgentReport& report) {
  AgentCommand command;
  const bool ended = report.phase == AgentPhase::kExited || report.phase == AgentPhase::kFailed ||
                     report.phase == AgentPhase::kUploaded;
  s.phase = report.phase;
  if (phase_ == Phase::kFinishing || phase_ == Phase::kDone) {
    command.action = AgentAction::kExit;
  } else if (!ended || phase_ == Phase::kStopping) {
    command.action = ended ? AgentAction::kContinue : AgentAction::kStop;
    command.grace_seconds = phase_ == Phase::kStopping ? options_.grace_period_seconds
                                                        : options_.restart_grace_seconds;
  } else {
    command.action = AgentAction::kRestart;
    command.attempt = attempt_;
    command.master_port = master_port_;
    command.rendezvous_prefix = "attempt-" + std::to_string(attempt_) + "/";
  }
  return command;
}

AgentCommand JobRun::CommandFor(InstanceState& s) const {
  AgentCommand command;
  command.grace_seconds = options_.grace_period_seconds;
  if (s.lost || phase_ == Phase::kFinishing || phase_ == Phase::kDone) {
    command.action = AgentAction::kExit;
  } else if (phase_ == Phase::kUploading && s.phase == AgentPhase::kExited) {
    command.action = AgentAction::kUpload;
  } else if (phase_ == Phase::kStopping && !s.exited()) {
    command.action = AgentAction::kStop;
  } else if (phase_ == Phase::kStopping && s.exited()) {
    command.action = AgentAction::kContinue;  // wait for the others
  }
  return command;
}

}  // namespace trainyard
