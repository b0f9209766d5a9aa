#include "agent/agent_runner.h"

#include <algorithm>
#include <future>
#include <thread>

#include "agent/channel_download.h"
#include "agent/contract_files.h"
#include "agent/failure_file.h"
#include "agent/submit_directory.h"
#include "agent/utf8_cut.h"
#include "common/log.h"
#include "storage/transfer.h"

namespace trainyard {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kFirstRegisterBackoff{500};
constexpr int kMaxFlushReports = 1000;

std::string Joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

}  // namespace

AgentRunner::AgentRunner(AgentRunnerDeps deps, AgentRunnerOptions options)
    : deps_(deps), options_(std::move(options)) {}

AgentRunner::~AgentRunner() = default;

milliseconds AgentRunner::Interval() const {
  return backoff_.count() > 0 ? backoff_ : milliseconds(std::max(assignment_.report_interval_ms, 1));
}

void AgentRunner::Note(const std::string& text) {
  LogInfo(text);
  if (logs_) logs_->Append("agent", "[trainyard] " + text);
}

Status AgentRunner::RegisterWithRetry() {
  const int64_t deadline = deps_.clock.MonotonicMs() + options_.register_timeout.count();
  milliseconds backoff = kFirstRegisterBackoff;
  while (true) {
    Result<Assignment> assignment = deps_.transport.Register();
    if (assignment.ok()) {
      assignment_ = std::move(assignment).value();
      return Ok();
    }
    if (assignment.error().code != ErrorCode::kUnavailable ||
        deps_.clock.MonotonicMs() >= deadline) {
      return assignment.error().WithContext("registering with the server");
    }
    LogWarning("registering with the server (will retry): " + assignment.error().ToString());
    deps_.sleeper.SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

Status AgentRunner::Run() {
  TY_RETURN_IF_ERROR(RegisterWithRetry());
  logs_ = std::make_unique<LogBuffer>(deps_.clock, options_.log_buffer);
  last_ok_report_ms_ = deps_.clock.MonotonicMs();
  Note("preparing " + assignment_.host + " for training job " + assignment_.job_name);

  Status prepared;
  TY_ASSIGN_OR_RETURN(bool exit, RunWhileReporting([this] { return PrepareInstance(); }, &prepared));
  if (exit) return Ok();
  if (!prepared.ok()) {
    Fail(prepared.error());
  } else {
    TY_ASSIGN_OR_RETURN(exit, BeginAttempt());
    if (exit) return Ok();
  }

  while (true) {
    if (restart_) {
      TY_ASSIGN_OR_RETURN(exit, Restart());
      if (exit) return Ok();
    }
    if (phase_ == AgentPhase::kExited && upload_requested_) {
      phase_ = AgentPhase::kUploading;
      report_now_ = true;
      Note("uploading model/ and output/data/ to " + assignment_.staging_prefix);
      Status uploaded;
      TY_ASSIGN_OR_RETURN(exit, RunWhileReporting([this] { return Upload(); }, &uploaded));
      if (exit) return Ok();
      if (uploaded.ok()) {
        phase_ = AgentPhase::kUploaded;
        Note("upload complete");
      } else {
        Fail(uploaded.error().WithContext("uploading artifacts"));
      }
      report_now_ = true;
    }
    if (!report_now_) {
      if (phase_ == AgentPhase::kTraining) {
        if (auto status = process_->WaitFor(Interval())) {
          TY_ASSIGN_OR_RETURN(exit, FinishProgram(*status));
          if (exit) return Ok();
        } else if (assignment_.health.interval_ms > 0 && deps_.clock.MonotonicMs() >= next_periodic_ms_) {
          next_periodic_ms_ = deps_.clock.MonotonicMs() + assignment_.health.interval_ms;
          StartHealthRound("periodic");
        }
      } else {
        deps_.sleeper.SleepFor(Interval());
      }
    }
    CollectHealthRound(/*wait=*/false);
    report_now_ = false;
    TY_ASSIGN_OR_RETURN(exit, ReportAndObey());
    if (exit) return Ok();
  }
}

// What every attempt does before the program starts: restore, preflight.
Result<bool> AgentRunner::BeginAttempt() {
  Status step;
  TY_ASSIGN_OR_RETURN(bool exit, RunWhileReporting([this] { return PrepareAttempt(); }, &step));
  if (exit) return true;
  if (!step.ok()) {
    Fail(step.error());
    return false;
  }
  if (!stop_requested_) {
    phase_ = AgentPhase::kChecking;
    report_now_ = true;
    TY_ASSIGN_OR_RETURN(exit, RunWhileReporting([this] { return Preflight(); }, &step));
    if (exit) return true;
    if (!step.ok()) {
      Fail(step.error());
      return false;
    }
  }
  if (stop_requested_) {
    phase_ = AgentPhase::kExited;
    failure_ = "stopped before the training program started";
    report_now_ = true;
    Note(failure_);
    return false;
  }
  StartProgram();
  next_periodic_ms_ = deps_.clock.MonotonicMs() + assignment_.health.interval_ms;
  return false;
}

// The server's "restart": the program has ended (or never started); run
// the next attempt on this instance.
Result<bool> AgentRunner::Restart() {
  AgentCommand command = *restart_;
  restart_.reset();
  CollectHealthRound(/*wait=*/true);  // a round still running belongs to the old attempt
  assignment_.attempt = command.attempt;
  assignment_.master_port = command.master_port;
  assignment_.rendezvous_prefix = command.rendezvous_prefix;
  exit_.reset();
  failure_.clear();
  stop_requested_ = stop_sent_ = upload_requested_ = post_exit_wanted_ = false;
  client_fault_ = false;
  process_.reset();
  phase_ = AgentPhase::kPreparing;
  report_now_ = true;
  {
    std::lock_guard lock(health_mu_);
    health_.reset();
    collective_.reset();
  }
  std::unique_ptr<CheckpointSync> previous;  // flushed when the program ended; reports drop it now
  {
    std::lock_guard lock(checkpoints_mu_);
    previous = std::move(checkpoints_);
  }
  previous.reset();
  Note("restarting for attempt " + std::to_string(assignment_.attempt) + " of training job " +
       assignment_.job_name);
  if (!layout_) {  // the first preparation failed: nothing to restart from
    Fail(MakeError(ErrorCode::kInternal, "cannot restart: the instance was never prepared"));
    return false;
  }
  return BeginAttempt();
}

// Once per instance: the layout, contract files, channels, submit directory.
Status AgentRunner::PrepareInstance() {
  const Json& request = assignment_.request;
  std::string local_path;
  if (auto it = request.find("CheckpointConfig"); it != request.end()) {
    local_path = GetString(*it, "LocalPath");
  }
  TY_ASSIGN_OR_RETURN(InstanceLayout layout, InstanceLayout::Make(options_.ml_root, local_path));
  TY_RETURN_IF_ERROR(WriteContractFiles(assignment_, layout));
  TY_RETURN_IF_ERROR(DownloadChannels(assignment_, layout, deps_.opener));
  TY_RETURN_IF_ERROR(StageSubmitDirectory(request, layout, deps_.opener));
  layout_ = std::move(layout);
  return Ok();
}

// Every attempt: checkpoints restored, command and environment (MASTER_PORT
// changes from one attempt to the next).
Status AgentRunner::PrepareAttempt() {
  std::error_code ec;
  fs::remove(layout_->failure_file(), ec);  // an earlier attempt's, never this one's
  std::unique_ptr<CheckpointSync> previous;
  {
    std::lock_guard lock(checkpoints_mu_);
    previous = std::move(checkpoints_);
  }
  previous.reset();  // stops its mirror; it was flushed when the program ended
  TY_RETURN_IF_ERROR(StartCheckpointSync(*layout_));
  TY_ASSIGN_OR_RETURN(LaunchSpec spec, BuildCommand(assignment_.request, *layout_, options_.command));
  TY_ASSIGN_OR_RETURN(std::vector<std::string> env,
                      BuildEnvironment(assignment_, *layout_, options_.environment));
  ProcessOptions launch;
  launch.argv = std::move(spec.argv);
  launch.working_dir = std::move(spec.working_dir);
  launch.env = std::move(env);
  launch_ = std::move(launch);
  return Ok();
}

// Node checks and the collective check at once (the node checks wait on
// disks, the collective check on peers; a host failing its node checks still
// shows up for its peers instead of leaving them to time out); an error names
// what was unhealthy, node checks first.
Status AgentRunner::Preflight() {
  if (!deps_.health) return Ok();
  const HealthSettings& settings = assignment_.health;
  if (settings.node_checks) StartHealthRound("preflight");
  std::optional<CollectiveOutcome> collective;
  if (settings.collective_check && assignment_.hosts.size() > 1) {
    Note("collective check with " + std::to_string(assignment_.hosts.size() - 1) + " other instance(s)");
    collective = deps_.health->CollectiveCheck(assignment_);
    {
      std::lock_guard lock(health_mu_);
      if (!collective->result.is_null()) collective_ = collective->result;
    }
    Note("collective check: " + collective->detail);
  }
  if (settings.node_checks) {
    CollectHealthRound(/*wait=*/true);
    std::lock_guard lock(health_mu_);
    if (health_ && health_->unhealthy()) {
      return MakeError(ErrorCode::kUnavailable, "health check failed on " + assignment_.host + ": " +
                                                    health_->Summary());
    }
  }
  if (collective && !collective->ok) {
    return MakeError(ErrorCode::kUnavailable, "collective check failed on " + assignment_.host + ": " +
                                                  collective->detail);
  }
  return Ok();
}

// Starts a round of node checks on a worker thread unless one is running.
void AgentRunner::StartHealthRound(std::string when) {
  if (!deps_.health || !layout_ || health_running_.valid()) return;
  Assignment assignment = assignment_;
  const InstanceLayout& layout = *layout_;
  int64_t seq = ++health_seq_;
  health_running_ = std::async(std::launch::async, [this, assignment, &layout, seq, when] {
    HealthRound round;
    round.seq = seq;
    round.when = when;
    if (assignment.health.node_checks) round.outcomes = deps_.health->NodeChecks(assignment, layout);
    round.time_ms = deps_.clock.NowMs();
    return round;
  });
}

// Keeps a finished round for the reports (and logs what was unhealthy);
// with `wait`, waits for a running one first.
void AgentRunner::CollectHealthRound(bool wait) {
  if (!health_running_.valid()) return;
  if (!wait && health_running_.wait_for(milliseconds(0)) != std::future_status::ready) return;
  HealthRound round = health_running_.get();
  for (const HealthOutcomeReport& o : round.outcomes) {
    if (o.state != "healthy") Note(round.when + " check " + o.check + " " + o.state + ": " + o.detail);
  }
  {
    std::lock_guard lock(health_mu_);
    health_ = std::move(round);
  }
  report_now_ = true;
  if (post_exit_wanted_) {
    post_exit_wanted_ = false;
    StartHealthRound("post-exit");
  }
}

// CheckpointConfig.S3Uri: restore the checkpoint directory, then mirror it.
Status AgentRunner::StartCheckpointSync(const InstanceLayout& layout) {
  auto config = assignment_.request.find("CheckpointConfig");
  if (config == assignment_.request.end()) return Ok();
  std::string uri_text = GetString(*config, "S3Uri");
  if (uri_text.empty()) return Ok();
  client_fault_ = true;  // what fails from here on is the job's store or settings
  TY_ASSIGN_OR_RETURN(StorageUri uri, ParseStorageUri(uri_text));
  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, deps_.opener.Open(uri));
  CheckpointSyncOptions options;
  options.local_dir = layout.checkpoint_dir.string();
  options.staging_dir = (layout.ml_root / ".trainyard" / "checkpoint-staging").string();
  options.host = assignment_.host;
  options.job_name = assignment_.job_name;
  options.keep_last = assignment_.checkpoint_keep_last;
  options.sleep = [this](milliseconds duration) { deps_.sleeper.SleepFor(duration); };
  auto sync = std::make_unique<CheckpointSync>(std::move(store), deps_.clock, std::move(options));
  Note("restoring checkpoints from " + sync->Uri() + " into " + layout.checkpoint_dir.string());
  {
    std::lock_guard lock(checkpoints_mu_);  // reports are made on another thread meanwhile
    checkpoints_ = std::move(sync);
  }
  TY_RETURN_IF_ERROR(checkpoints_->RestoreAndStart());
  CheckpointReport restored = checkpoints_->Report();
  Note("restored " + std::to_string(restored.restored_files) + " checkpoint files (" +
       std::to_string(restored.restored_bytes) + " bytes)" +
       (restored.restored_point.empty() ? "" : " as of sync point " + restored.restored_point) +
       "; mirroring " + layout.checkpoint_dir.string() + " to " + checkpoints_->Uri());
  client_fault_ = false;
  return Ok();
}

// The program ended: flush the checkpoint mirror before saying so, so the
// server never moves on (upload, release, restart) with checkpoints owed.
Result<bool> AgentRunner::FinishProgram(const ExitStatus& status) {
  // The exit is reported at once (a fault is decided on now), with the
  // checkpoint stage "flushing": the server moves on (upload, restart) only
  // once the flush is over, and this agent obeys nothing before that.
  flushing_ = checkpoints_ != nullptr;
  OnExited(status);
  if (!checkpoints_) return false;
  Note("flushing checkpoints to " + checkpoints_->Uri() + " before the instance moves on");
  const milliseconds timeout = std::chrono::seconds(std::max(assignment_.checkpoint_flush_timeout_seconds, 1));
  Status flushed;
  Result<bool> exit = RunWhileReporting([&] { return checkpoints_->Flush(timeout); }, &flushed);
  flushing_ = false;
  report_now_ = true;
  if (!exit.ok() || *exit) return exit;
  if (flushed.ok()) {
    Note("checkpoints flushed");
  } else if (status.exit_code == 0 && !stop_requested_) {
    client_fault_ = true;
    Fail(flushed.error());
  } else {
    Note(flushed.error().message);
  }
  return false;
}

void AgentRunner::StartProgram() {
  Result<std::unique_ptr<TrainingProcess>> started = TrainingProcess::Start(*launch_, *logs_);
  if (!started.ok()) {
    Fail(started.error());
    return;
  }
  process_ = std::move(started).value();
  phase_ = AgentPhase::kTraining;
  report_now_ = true;
  Note("started " + Joined(launch_->argv) + " in " + launch_->working_dir.string());
}

void AgentRunner::Fail(const Error& error) {
  const bool client = client_fault_ || error.code == ErrorCode::kInvalidArgument;
  std::string reason = (client ? "ClientError: " : "InternalServerError: ") + error.message;
  reason.resize(Utf8PrefixLength(reason, kMaxFailureBytes));
  phase_ = AgentPhase::kFailed;
  failure_ = reason;
  report_now_ = true;
  LogError(reason);
  if (logs_) logs_->Append("agent", "[trainyard] " + reason);
}

void AgentRunner::OnExited(const ExitStatus& status) {
  exit_ = status;
  phase_ = AgentPhase::kExited;
  report_now_ = true;
  Result<std::string> failure = ReadFailureFile(layout_->failure_file());
  if (failure.ok()) {
    failure_ = *failure;
  } else {
    Note("cannot read the failure file: " + failure.error().message);
  }
  Note("the training program ended: " + status.ToString());
  const bool failed = status.signal.has_value() || status.exit_code != 0;
  if (failed && !stop_requested_ && deps_.health) {
    if (health_running_.valid()) {
      post_exit_wanted_ = true;  // after the round that is running
    } else {
      StartHealthRound("post-exit");
    }
  }
}

Status AgentRunner::Upload() {
  TY_ASSIGN_OR_RETURN(StorageUri uri, ParseStorageUri(assignment_.staging_prefix));
  TY_ASSIGN_OR_RETURN(std::unique_ptr<ObjectStore> store, deps_.opener.Open(uri));
  const std::pair<fs::path, const char*> dirs[] = {{layout_->model_dir(), "model"},
                                                   {layout_->output_data_dir(), "data"}};
  for (const auto& [dir, prefix] : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;  // removed by the program: nothing to keep
    TY_RETURN_IF_ERROR(UploadDirectory(*store, dir.string(), prefix));
  }
  return Ok();
}

Result<bool> AgentRunner::RunWhileReporting(const std::function<Status()>& work, Status* result) {
  std::future<Status> done = std::async(std::launch::async, work);
  while (true) {
    if (!report_now_ && done.wait_for(Interval()) == std::future_status::ready) break;
    report_now_ = false;
    Result<bool> exit = ReportAndObey();
    if (!exit.ok() || *exit) {
      done.wait();  // cannot be cancelled; its result no longer matters
      if (!exit.ok()) return exit.error();
      return true;
    }
  }
  *result = done.get();
  return false;
}

AgentReport AgentRunner::MakeReport() {
  AgentReport report;
  report.phase = phase_;
  if (exit_) {
    report.exit_code = exit_->exit_code;
    report.exit_signal = exit_->signal;
  }
  report.failure = failure_;
  report.attempt = assignment_.attempt;
  {
    std::lock_guard lock(health_mu_);
    report.health = health_;
    report.collective = collective_;
  }
  LogBuffer::Batch batch = logs_->Take(options_.max_lines_per_report);
  report.logs = std::move(batch.lines);
  report.dropped_lines = batch.dropped_lines;
  {
    std::lock_guard lock(checkpoints_mu_);
    if (checkpoints_) report.checkpoint = checkpoints_->Report();
    if (report.checkpoint && flushing_) report.checkpoint->stage = "flushing";
  }
  return report;
}

Result<bool> AgentRunner::ReportAndObey() {
  AgentReport report = MakeReport();
  Result<AgentCommand> reply = deps_.transport.Report(report);
  const int64_t now = deps_.clock.MonotonicMs();
  if (!reply.ok()) {
    const Error& error = reply.error();
    bool transient = error.code == ErrorCode::kUnavailable || error.code == ErrorCode::kSerialization;
    if (!transient) return GiveUp(error);
    if (now - last_ok_report_ms_ >= options_.server_lost_timeout.count()) {
      return GiveUp(error.WithContext("no report accepted for " +
                                      std::to_string((now - last_ok_report_ms_) / 1000) + " s"));
    }
    milliseconds base(std::max(assignment_.report_interval_ms, 1));
    backoff_ = std::min(std::max(backoff_ * 2, base * 2), options_.max_backoff);
    LogWarning("reporting to the server (will retry): " + error.ToString());
    return false;
  }
  last_ok_report_ms_ = now;
  backoff_ = milliseconds(0);
  logs_->Ack(reply->acked_seq);
  return Obey(*reply);
}

Result<bool> AgentRunner::Obey(const AgentCommand& command) {
  switch (command.action) {
    case AgentAction::kContinue:
      return false;
    case AgentAction::kStop:
      stop_requested_ = true;
      if (phase_ == AgentPhase::kTraining && !stop_sent_) {
        stop_sent_ = true;
        Note("stopping the training program: SIGTERM, SIGKILL after " +
             std::to_string(command.grace_seconds) + " s");
        process_->Terminate(std::chrono::seconds(std::max(command.grace_seconds, 0)));
      }
      return false;
    case AgentAction::kUpload:
      if (phase_ == AgentPhase::kExited) upload_requested_ = true;
      return false;
    case AgentAction::kRestart:
      if ((phase_ == AgentPhase::kExited || phase_ == AgentPhase::kFailed) &&
          command.attempt > assignment_.attempt) {
        restart_ = command;
      }
      return false;
    case AgentAction::kExit:
      if (phase_ == AgentPhase::kTraining) {
        process_->Kill();
        OnExited(process_->Wait());
      }
      FlushLogs();
      LogInfo("the server released " + assignment_.host + "; exiting");
      return true;
  }
  return false;
}

// The server decides when to release an instance without knowing how many
// lines are still buffered here: send them before going.
void AgentRunner::FlushLogs() {
  for (int i = 0; i < kMaxFlushReports && logs_->buffered_lines() > 0; ++i) {
    AgentReport report = MakeReport();
    int64_t before = logs_->last_acked();
    Result<AgentCommand> reply = deps_.transport.Report(report);
    if (!reply.ok()) {
      LogWarning("sending the last log lines: " + reply.error().ToString());
      return;
    }
    logs_->Ack(reply->acked_seq);
    if (logs_->last_acked() == before) return;  // the server takes no more
  }
}

Error AgentRunner::GiveUp(const Error& error) {
  LogError("giving up on the server: " + error.ToString());
  if (phase_ == AgentPhase::kTraining) {
    process_->Terminate(std::chrono::seconds(std::max(assignment_.grace_period_seconds, 0)));
    OnExited(process_->Wait());
  }
  return error.WithContext("lost the server");
}

}  // namespace trainyard
