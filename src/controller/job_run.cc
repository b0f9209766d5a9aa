#include "controller/job_run.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "common/crypto.h"
#include "common/log.h"
#include "controller/job_run_instance.h"

namespace trainyard {

namespace {

std::vector<std::string> HostNames(int count) {
  std::vector<std::string> hosts;
  for (int i = 1; i <= count; ++i) hosts.push_back("algo-" + std::to_string(i));
  std::sort(hosts.begin(), hosts.end());  // SageMaker lists hosts sorted lexicographically
  return hosts;
}

}  // namespace

// A free TCP port on loopback for the job's rendezvous (MASTER_PORT).
int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 29500;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 29500;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

JobRun::JobRun(std::string job_name, JobRunDeps deps, JobRunOptions options)
    : name_(std::move(job_name)), deps_(deps), options_(std::move(options)) {}

JobRun::~JobRun() { Shutdown(); }

void JobRun::Start() { thread_ = std::thread([this] { Loop(); }); }

void JobRun::RequestStop() {
  std::lock_guard lock(mu_);
  stop_requested_ = true;
  wake_.notify_all();
}

bool JobRun::Done() const {
  std::lock_guard lock(mu_);
  return phase_ == Phase::kDone;
}

void JobRun::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void JobRun::Loop() {
  std::unique_lock lock(mu_);
  if (Status s = Setup(lock); !s.ok()) {
    LogError("job " + name_ + ": " + s.error().ToString());
    (void)Apply(JobEventKind::kInternalError, s.error().message);
    phase_ = Phase::kDone;
    return;
  }
  while (!shutdown_ && phase_ != Phase::kDone) {
    if (phase_ == Phase::kRestarting) ContinueRestart(lock);
    Reconcile();
    if (phase_ == Phase::kDone) break;
    wake_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms));
  }
}

// Loads the job, then either launches its instances or adopts the ones an
// earlier server process launched.
Status JobRun::Setup(std::unique_lock<std::mutex>& lock) {
  TY_ASSIGN_OR_RETURN(job_, deps_.store.GetJob(name_));
  TY_ASSIGN_OR_RETURN(MetricParser parser, MetricParser::Create(
      job_.request.value("AlgorithmSpecification", Json::object()).value("MetricDefinitions", Json::array())));
  metrics_ = std::move(parser);
  TY_ASSIGN_OR_RETURN(staging_uri_, deps_.packer.StagingUri(job_));
  TY_ASSIGN_OR_RETURN(log_bytes_, deps_.logs.LogBytes(name_));
  if (IsTerminal(job_.state.status)) {
    phase_ = Phase::kDone;
    return Ok();
  }
  stop_requested_ = stop_requested_ || job_.state.status == TrainingJobStatus::kStopping;
  const Json& recorded = job_.details.value("instances", Json::array());
  if (recorded.empty()) return Launch(lock);

  // Adopt: agents keep training while the server is away and report again.
  for (const Json& hash : job_.details.value("agent_token_sha256s", Json::array())) {
    if (hash.is_string()) token_sha256s_.push_back(hash.get<std::string>());
  }
  if (std::string legacy = GetString(job_.details, "agent_token_sha256"); !legacy.empty()) {
    token_sha256s_.push_back(legacy);
  }
  master_port_ = static_cast<int>(GetInt(job_.details, "master_port").value_or(0));
  attempt_ = static_cast<int>(GetInt(job_.details, "attempt").value_or(1));
  restarts_ = job_.details.value("restarts", Json::array());
  retired_billable_ms_ = GetInt(job_.details, "retired_billable_ms").value_or(0);
  restarts_before_retry_ = static_cast<int>(GetInt(job_.details, "restarts_before_retry").value_or(0));
  int64_t now_mono = deps_.clock.MonotonicMs();
  for (const Json& r : recorded) {
    auto state = std::make_unique<InstanceState>();
    state->host = GetString(r, "host");
    state->instance_id = GetString(r, "instance_id");
    state->attempt = attempt_;
    state->launched_at = GetInt(r, "launched_ms").value_or(job_.creation_time);
    state->ended_at = GetInt(r, "ended_ms").value_or(0);
    state->instance = deps_.backend.Adopt(GetString(r, "backend_id"), state->host);
    state->registered = true;
    state->last_report_ms = now_mono;
    state->awaiting_reconnect = true;
    state->launched_mono_ms = now_mono;
    if (!state->instance) {
      state->lost = true;
      state->lost_reason = "its agent was gone when the server restarted";
      events_.push_back({FaultKind::kAgentDied, state->host, now_mono, std::nullopt, std::nullopt,
                         state->lost_reason});
    }
    instances_[state->host] = std::move(state);
  }
  switch (job_.state.secondary) {
    case SecondaryStatus::kUploading: phase_ = Phase::kUploading; break;
    case SecondaryStatus::kStopping: phase_ = Phase::kStopping; break;
    default: phase_ = Phase::kRunning;
  }
  LogInfo("job " + name_ + ": adopted " + std::to_string(instances_.size()) + " instance(s)");
  return Ok();
}

// Every instance is known (and can register) before any is started; the
// lock is released while each agent is forked, so early agents register
// while later ones start. Reconcile waits until all are launched.
Status JobRun::Launch(std::unique_lock<std::mutex>& lock) {
  const Json& resources = job_.request.value("ResourceConfig", Json::object());
  int count = static_cast<int>(GetInt(resources, "InstanceCount").value_or(1));
  std::vector<std::string> hosts = HostNames(std::max(count, 1));
  token_ = deps_.ids.NewHex(32);
  token_sha256s_ = {Sha256Hex(token_)};
  master_port_ = PickFreePort();
  if (Status launching = Apply(JobEventKind::kLaunchingInstances); !launching.ok()) {
    // StopTrainingJob came before any instance existed: nothing to stop.
    TY_ASSIGN_OR_RETURN(job_, deps_.store.GetJob(name_));
    if (job_.state.status != TrainingJobStatus::kStopping) return launching;
    TY_RETURN_IF_ERROR(Apply(JobEventKind::kStopCompleted));
    phase_ = Phase::kDone;
    return Ok();
  }
  for (const std::string& host : hosts) {
    auto state = std::make_unique<InstanceState>();
    state->host = host;
    instances_[host] = std::move(state);
  }
  for (const std::string& host : hosts) TY_RETURN_IF_ERROR(LaunchInstance(lock, host));
  TY_RETURN_IF_ERROR(UpdateDetails());
  phase_ = Phase::kRunning;
  return Ok();
}

// Starts `host`'s instance (a new id, a fresh directory); the lock is
// released while the backend starts it.
Status JobRun::LaunchInstance(std::unique_lock<std::mutex>& lock, const std::string& host) {
  const Json& resources = job_.request.value("ResourceConfig", Json::object());
  std::vector<std::string> hosts;
  for (const auto& [h, unused] : instances_) hosts.push_back(h);
  std::string instance_id = "i-" + deps_.ids.NewHex(12);
  std::string dir = options_.instances_dir + "/" + name_ + "/" + host;
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kInternal, "creating " + dir + ": " + ec.message());
  if (token_.empty()) {
    // Adopted after a server restart: only the hashes of earlier tokens are
    // known, so the job's new instances get a token of their own.
    token_ = deps_.ids.NewHex(32);
    token_sha256s_.push_back(Sha256Hex(token_));
  }
  InstanceLaunch launch{name_, host, hosts, GetString(resources, "InstanceType"), dir, options_.server_url,
                        token_, instance_id};
  {
    InstanceState& state = *instances_[host];
    state.needs_launch = false;
    state.instance_id = instance_id;
  }
  lock.unlock();
  Result<std::unique_ptr<Instance>> instance = deps_.backend.Launch(launch);
  lock.lock();
  if (!instance.ok()) return instance.error();
  InstanceState& state = *instances_[host];
  state.instance = std::move(instance).value();
  state.launched_at = deps_.clock.NowMs();
  state.launched_mono_ms = deps_.clock.MonotonicMs();
  return Ok();
}

Status JobRun::Apply(JobEventKind kind, const std::string& detail) {
  Result<TrainingJob> updated = deps_.store.UpdateJob(name_, [&](TrainingJob& job) -> Status {
    EpochMs now = deps_.clock.NowMs();
    TY_ASSIGN_OR_RETURN(job.state, ApplyEvent(job.state, {kind, detail}, now));
    job.last_modified_time = now;
    return Ok();
  });
  if (!updated.ok()) return updated.error().WithContext("job " + name_);
  job_ = std::move(updated).value();
  return Ok();
}

// Records the instances (for adoption after a restart) and billing.
Status JobRun::UpdateDetails() {
  Json instances = Json::array();
  Json checkpoints = Json::object();
  for (const auto& [host, s] : instances_) {
    if (s->checkpoint) checkpoints[host] = ToJson(*s->checkpoint);
    Json r = {{"host", host}, {"backend_id", s->instance ? s->instance->Describe() : ""},
              {"instance_id", s->instance_id}, {"launched_ms", s->launched_at}};
    if (s->instance && !s->instance->Address().empty()) r["address"] = s->instance->Address();
    if (s->instance && !s->instance->NetworkLink().empty()) r["network_link"] = s->instance->NetworkLink();
    if (s->health) r["health"] = ToJson(*s->health);
    if (s->collective) r["collective"] = *s->collective;
    if (s->ended_at) r["ended_ms"] = s->ended_at;
    if (s->exit_code) r["exit_code"] = *s->exit_code;
    if (s->lost) r["lost"] = s->lost_reason;
    instances.push_back(std::move(r));
  }
  Result<TrainingJob> updated = deps_.store.UpdateJob(name_, [&](TrainingJob& job) -> Status {
    job.details["instances"] = instances;
    job.details["agent_token_sha256s"] = token_sha256s_;
    job.details.erase("agent_token_sha256");
    job.details["master_port"] = master_port_;
    job.details["attempt"] = attempt_;
    job.details["restarts"] = restarts_;
    job.details["retired_billable_ms"] = retired_billable_ms_;
    job.details["restarts_before_retry"] = restarts_before_retry_;
    if (!checkpoints.empty()) job.details["checkpoints"] = checkpoints;
    return Ok();
  });
  if (!updated.ok()) return updated.error();
  job_ = std::move(updated).value();
  return Ok();
}

void JobRun::RecordBilling() {
  EpochMs now = deps_.clock.NowMs();
  int64_t billable_ms = retired_billable_ms_;
  for (const auto& [host, s] : instances_) {
    if (s->launched_at == 0) continue;  // a replacement that never started
    if (!s->ended_at) s->ended_at = now;
    billable_ms += std::max<int64_t>(0, s->ended_at - s->launched_at);
  }
  Result<TrainingJob> updated = deps_.store.UpdateJob(name_, [&](TrainingJob& job) -> Status {
    EpochMs end = job.state.training_end_time.value_or(now);
    if (job.state.training_start_time) {
      job.training_time_seconds = std::max<int64_t>(1, (end - *job.state.training_start_time + 999) / 1000);
    }
    job.billable_time_seconds = std::max<int64_t>(1, (billable_ms + 999) / 1000);
    return Ok();
  });
  if (updated.ok()) job_ = std::move(updated).value();
  (void)UpdateDetails();
}

void JobRun::Reconcile() {
  if (phase_ == Phase::kLaunching || phase_ == Phase::kDone) return;
  if (stop_requested_ && (phase_ == Phase::kRunning || phase_ == Phase::kRestarting)) {
    phase_ = Phase::kStopping;
    upload_after_stop_ = true;
  }
  DetectLostInstances();
  if (phase_ == Phase::kFinishing) {
    bool all_gone = true;
    for (auto& [host, s] : instances_) {
      if (s->instance && !s->instance->Poll()) all_gone = false;
    }
    // Agents exit on their own after the Exit command; stragglers are killed.
    if (all_gone || deps_.clock.MonotonicMs() - finishing_since_ms_ > 10'000) {
      for (auto& [host, s] : instances_) {
        if (s->instance) s->instance->Kill();
      }
      phase_ = Phase::kDone;
    }
    return;
  }
  if (phase_ == Phase::kRunning) {
    EscalateStuckRestarts();
    JudgeCollectiveCheck();
    DetectHang();
  }
  DecideOutcome();
}

void JobRun::DetectLostInstances() {
  int64_t now = deps_.clock.MonotonicMs();
  for (auto& [host, s] : instances_) {
    // No instance yet: a replacement the backend is starting (the lock is released meanwhile).
    if (s->lost || s->agent_gone || s->needs_launch || !s->instance) continue;
    std::optional<int> agent_exit = s->instance->Poll();
    FaultKind kind = FaultKind::kAgentDied;
    if (agent_exit) {
      s->agent_gone = true;
      if (phase_ == Phase::kFinishing || s->phase == AgentPhase::kUploaded) continue;
      s->lost = true;
      s->lost_reason = "its agent exited with status " + std::to_string(*agent_exit);
    } else if (s->registered && now - s->last_report_ms > (s->awaiting_reconnect ? options_.reconnect_timeout_ms
                                                                                : options_.heartbeat_timeout_ms)) {
      s->lost = true;
      s->lost_reason = "no heartbeat for " + std::to_string(now - s->last_report_ms) + " ms";
      kind = FaultKind::kHeartbeatLost;
    } else if (!s->registered && now - s->launched_mono_ms > options_.register_timeout_ms) {
      s->lost = true;
      s->lost_reason = "its agent never registered";
      kind = FaultKind::kNeverRegistered;
    }
    if (s->lost) {
      if (!s->ended_at) s->ended_at = deps_.clock.NowMs();
      LogWarning("job " + name_ + ": instance " + host + " lost: " + s->lost_reason);
      NoteFault({kind, host, now, std::nullopt, std::nullopt, s->lost_reason});
    }
  }
}

void JobRun::DecideOutcome() {
  bool all_registered = true, all_training = true, all_exited = true, all_ok = true, flushing = false;
  InstanceState* broken = nullptr;   // an agent that could not prepare
  InstanceState* lost = nullptr;
  for (auto& [host, s] : instances_) {
    const bool current = InAttempt(*s);
    all_registered &= current;
    all_training &= current && s->phase != AgentPhase::kPreparing && s->phase != AgentPhase::kChecking;
    all_exited &= s->exited() || s->needs_launch;
    if (s->lost && !lost) lost = s.get();
    if (current && s->phase == AgentPhase::kFailed && !s->check_failed && !broken) broken = s.get();
    bool ok = !s->lost && s->exit_code == 0 && !s->exit_signal;
    if (s->exited() && !ok) all_ok = false;
    // An agent flushes checkpoints after it reports the exit: nothing moves on before that.
    if (!s->lost && s->checkpoint && s->checkpoint->stage == "flushing") flushing = true;
  }
  const SecondaryStatus secondary = job_.state.secondary;
  if (phase_ == Phase::kRunning) {
    if (secondary == SecondaryStatus::kStarting && all_registered) {
      restore_noted_ = false;
      (void)Apply(JobEventKind::kPreparingInstances);
      (void)Apply(JobEventKind::kDownloadingData,
                  CheckpointUri().empty() ? "" : "Downloading input data and restoring checkpoints from " + CheckpointUri());
    }
    if (job_.state.secondary == SecondaryStatus::kDownloading && all_training) {
      (void)Apply(JobEventKind::kTrainingStarted);
      NoteResumed();
    }
    FaultPicture picture = Picture();
    picture.restarts_so_far -= restarts_before_retry_;  // each retry gets the full restart budget
    FaultPlan plan = DecideFault(picture, {options_.max_restarts, options_.correlation_window_ms, options_.settle_ms});
    if (plan.decision == FaultDecision::kRestart) {
      BeginRestart(plan);
      return;
    }
    if (plan.decision == FaultDecision::kGiveUp) {
      if (RetriesLeft() > 0) {
        BeginRetry(plan.failure);
        return;
      }
      (void)Apply(JobEventKind::kInternalError, plan.failure);
    } else if (plan.decision == FaultDecision::kUserError) {
      (void)Apply(JobEventKind::kAlgorithmFailed, plan.failure);
    } else if (broken && plan.decision == FaultDecision::kNone) {
      // The agent says whose fault it was: "ClientError: ..." or "InternalServerError: ...".
      constexpr std::string_view kInternal = "InternalServerError: ", kClient = "ClientError: ";
      std::string_view reason = broken->failure;
      bool internal = reason.substr(0, kInternal.size()) == kInternal;
      if (internal) reason.remove_prefix(kInternal.size());
      else if (reason.substr(0, kClient.size()) == kClient) reason.remove_prefix(kClient.size());
      if (internal && RetriesLeft() > 0) {
        BeginRetry(std::string(reason));
        return;
      }
      (void)Apply(internal ? JobEventKind::kInternalError : JobEventKind::kClientError, std::string(reason));
    }
    if (IsTerminal(job_.state.status)) {
      phase_ = Phase::kStopping;  // SIGTERM the rest; no upload
      upload_after_stop_ = false;
    } else if (plan.decision == FaultDecision::kNone && all_exited && all_ok && all_registered && !flushing) {
      (void)Apply(JobEventKind::kTrainingSucceeded,
                  CheckpointUri().empty() ? "" : "Uploading generated training model; checkpoints were flushed to " + CheckpointUri());
      phase_ = Phase::kUploading;
    } else {
      const Json& sc = job_.request.value("StoppingCondition", Json::object());
      int64_t max_runtime_ms = GetInt(sc, "MaxRuntimeInSeconds").value_or(86400) * 1000;
      EpochMs since = job_.state.training_start_time.value_or(job_.creation_time);
      if (deps_.clock.NowMs() - since > max_runtime_ms) {
        (void)Apply(JobEventKind::kMaxRuntimeExceeded);
        phase_ = Phase::kStopping;
        upload_after_stop_ = true;
      }
    }
  }
  if (phase_ == Phase::kStopping && all_exited && !flushing) {
    if (upload_after_stop_ && !IsTerminal(job_.state.status) && !lost) {
      phase_ = Phase::kUploading;
    } else {
      if (!IsTerminal(job_.state.status)) {
        (void)Apply(lost ? JobEventKind::kInternalError : JobEventKind::kStopCompleted,
                    lost ? "instance " + lost->host + " was lost: " + lost->lost_reason : "");
      }
      RecordBilling();
      phase_ = Phase::kFinishing;
      finishing_since_ms_ = deps_.clock.MonotonicMs();
    }
  }
  if (phase_ == Phase::kUploading) FinishUpload();
}

void JobRun::FinishUpload() {
  bool all_uploaded = true;
  InstanceState* lost = nullptr;
  InstanceState* failed = nullptr;  // its upload failed
  for (auto& [host, s] : instances_) {
    if (s->lost && !lost) lost = s.get();
    if (s->phase == AgentPhase::kFailed && !failed) failed = s.get();
    if (s->phase != AgentPhase::kUploaded) all_uploaded = false;
  }
  if (lost) {
    (void)Apply(JobEventKind::kInternalError, "instance " + lost->host + " was lost while uploading: " +
                                                  lost->lost_reason);
  } else if (failed) {
    constexpr std::string_view kClient = "ClientError: ", kInternal = "InternalServerError: ";
    std::string_view reason = failed->failure;
    const bool client = reason.substr(0, kClient.size()) == kClient;
    reason.remove_prefix(client ? kClient.size()
                                : (reason.substr(0, kInternal.size()) == kInternal ? kInternal.size() : 0));
    (void)Apply(client ? JobEventKind::kClientError : JobEventKind::kInternalError,
                "instance " + failed->host + ": " + std::string(reason));
  } else if (!all_uploaded) {
    return;
  } else if (Result<std::string> artifacts = deps_.packer.Pack(job_); !artifacts.ok()) {
    (void)Apply(JobEventKind::kInternalError, "packing model artifacts: " + artifacts.error().message);
  } else {
    Result<TrainingJob> updated = deps_.store.UpdateJob(name_, [&](TrainingJob& job) -> Status {
      job.model_artifacts = *artifacts;
      return Ok();
    });
    if (updated.ok()) job_ = std::move(updated).value();
    bool stopping = job_.state.status == TrainingJobStatus::kStopping;
    (void)Apply(stopping ? JobEventKind::kStopCompleted : JobEventKind::kUploadCompleted);
  }
  RecordBilling();
  phase_ = Phase::kFinishing;
  finishing_since_ms_ = deps_.clock.MonotonicMs();
}

JobRun::InstanceState* JobRun::Find(const std::string& host) {
  auto it = instances_.find(host);
  return it == instances_.end() ? nullptr : it->second.get();
}

bool JobRun::CheckToken(const std::string& token) const {
  const std::string presented = Sha256Hex(token);
  bool known = false;
  for (const std::string& hash : token_sha256s_) known |= ConstantTimeEquals(presented, hash);
  return known;
}

}  // namespace trainyard
