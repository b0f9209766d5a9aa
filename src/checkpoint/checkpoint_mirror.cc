#include "checkpoint/checkpoint_mirror.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "checkpoint/local_tree.h"
#include "checkpoint/mirror_tasks.h"
#include "checkpoint/sync_point.h"
#include "common/log.h"
#include "storage/local_fs.h"

namespace trainyard {
namespace {

constexpr int64_t kRepeatErrorLogMs = 60'000;  // the same error is logged at most this often

enum class PathClass { kMirrored, kIgnored, kInvalid };

// Which local paths the store mirrors: not ".trainyard/...", not our temp
// files, and only names that are valid object keys.
PathClass ClassifyPath(std::string_view path) {
  if (path.empty() || IsCheckpointControlKey(path)) return PathClass::kIgnored;
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find('/', start), path.size());
    if (IsPartialFileName(path.substr(start, end - start))) return PathClass::kIgnored;
    start = end + 1;
  }
  return ValidateObjectKey(path).ok() ? PathClass::kMirrored : PathClass::kInvalid;
}

MirrorLedgerOptions LedgerOptionsFrom(const CheckpointMirrorOptions& options) {
  MirrorLedgerOptions ledger;
  ledger.host = options.host;
  ledger.job_name = options.job_name;
  ledger.settle_ms = options.settle_period.count();
  ledger.close_delay_ms = options.close_delay.count();
  ledger.quiet_ms = options.point_quiet_period.count();
  ledger.max_point_interval_ms = options.point_max_interval.count();
  ledger.backoff = options.backoff;
  ledger.random_seed = options.random_seed;
  ledger.protected_points = options.protected_points;
  return ledger;
}

CheckpointMirrorOptions WithDefaults(CheckpointMirrorOptions options) {
  while (options.local_dir.size() > 1 && options.local_dir.back() == '/') options.local_dir.pop_back();
  if (options.staging_dir.empty()) options.staging_dir = options.local_dir + "/.trainyard/staging";
  return options;
}

Status ValidateOptions(const CheckpointMirrorOptions& options) {
  auto invalid = [](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument, "checkpoint mirror: " + why);
  };
  if (options.local_dir.empty() || options.local_dir.front() != '/') return invalid("local_dir must be absolute");
  if (options.workers < 1) return invalid("workers must be at least 1");
  if (!ValidateObjectKey(options.host).ok() || options.host.find('/') != std::string::npos) {
    return invalid("host \"" + options.host + "\" is not a single key segment");
  }
  const std::string inside = options.local_dir + "/";
  if (options.staging_dir.starts_with(inside) &&
      !IsCheckpointControlKey(options.staging_dir.substr(inside.size()))) {
    return invalid("staging_dir inside local_dir must be under .trainyard");
  }
  return Ok();
}

// Removes snapshots left by an earlier run.
void ClearStaging(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::filesystem::remove(entry.path(), ec);
  }
}

}  // namespace

struct CheckpointMirror::Observation {
  enum class Kind { kCompleted, kFound, kRemoved, kTreeRemoved, kOverflow, kInvalid };
  Kind kind = Kind::kOverflow;
  std::string path;
  FileIdentity identity;
  Observation(Kind k, std::string p = "", FileIdentity i = {}) : kind(k), path(std::move(p)), identity(i) {}
};

CheckpointMirror::CheckpointMirror(ObjectStore& store, DirectoryWatcher& watcher, const Clock& clock,
                                   CheckpointMirrorOptions options)
    : store_(store),
      watcher_(watcher),
      clock_(clock),
      options_(WithDefaults(std::move(options))),
      history_(store, clock, options_.history_refresh_age),
      ledger_(LedgerOptionsFrom(options_), clock.MonotonicMs()) {}

CheckpointMirror::~CheckpointMirror() { Stop(); }

Status CheckpointMirror::Start(const std::vector<KnownFile>& restored) {
  TY_RETURN_IF_ERROR(ValidateOptions(options_));
  std::unique_lock lock(mu_);
  if (started_) return MakeError(ErrorCode::kFailedPrecondition, "checkpoint mirror already started");
  struct stat local;
  if (stat(options_.local_dir.c_str(), &local) != 0 || !S_ISDIR(local.st_mode)) {
    return MakeError(ErrorCode::kNotFound, "checkpoint mirror: " + options_.local_dir + " is not a directory");
  }
  TY_RETURN_IF_ERROR(CreateDirectories(options_.staging_dir));
  ClearStaging(options_.staging_dir);
  std::vector<KnownFile> known;
  for (const KnownFile& file : restored) {
    if (ClassifyPath(file.file.path) == PathClass::kMirrored) known.push_back(file);
  }
  ledger_.Seed(known);
  Result<std::map<std::string, FileIdentity>> files =
      ScanRegularFiles(options_.local_dir, [](std::string_view dir) { return IsCheckpointControlKey(dir); });
  if (!files.ok()) return files.error().WithContext("checkpoint mirror: scanning " + options_.local_dir);
  std::erase_if(*files, [](const auto& entry) { return ClassifyPath(entry.first) != PathClass::kMirrored; });
  const int64_t now = clock_.MonotonicMs();
  ledger_.ApplyScan(*files, now, /*immediate=*/false);
  next_rescan_ms_ = now + options_.rescan_interval.count();
  started_ = true;
  threads_.emplace_back([this] { ControlLoop(); });
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this, i] { WorkerLoop(i); });
  return Ok();
}

void CheckpointMirror::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  watcher_.Wake();
  work_cv_.notify_all();
  flush_cv_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

Status CheckpointMirror::Flush(int64_t deadline_ms) {
  std::unique_lock lock(mu_);
  if (!started_ || stopping_) return MakeError(ErrorCode::kFailedPrecondition, "checkpoint mirror is not running");
  const int64_t ticket = ++flush_requested_;
  auto deadline = flush_deadlines_.insert(deadline_ms);
  watcher_.Wake();
  flush_cv_.wait(lock, [&] {
    return stopping_ || flush_completed_ >= ticket || clock_.MonotonicMs() >= deadline_ms;
  });
  flush_deadlines_.erase(deadline);
  if (flush_completed_ >= ticket) return Ok();
  if (stopping_) return MakeError(ErrorCode::kUnavailable, "checkpoint mirror stopped before the flush completed");
  return FlushError(deadline_ms);
}

Error CheckpointMirror::FlushError(int64_t deadline_ms) const {
  MirrorBacklog backlog = ledger_.Backlog();
  std::string message = "checkpoint sync to " + store_.Uri() + " not complete by the deadline: " +
                        std::to_string(backlog.files) + " files (" + std::to_string(backlog.bytes) +
                        " bytes) not yet durable";
  if (backlog.files == 0) message += ", sync point not yet written";
  if (last_error_.empty()) return MakeError(ErrorCode::kDeadlineExceeded, message);
  return MakeError(ErrorCode::kUnavailable, message + "; last error: " + last_error_);
}

CheckpointSyncStatus CheckpointMirror::SyncStatus() const {
  std::lock_guard lock(mu_);
  MirrorBacklog backlog = ledger_.Backlog();
  CheckpointSyncStatus status;
  status.files_mirrored = ledger_.FilesMirrored();
  status.bytes_mirrored = ledger_.BytesMirrored();
  status.last_sync_ms = last_sync_ms_;
  status.lag_ms = backlog.oldest_since_ms ? std::max<int64_t>(0, clock_.MonotonicMs() - *backlog.oldest_since_ms) : 0;
  status.backlog_files = backlog.files;
  status.backlog_bytes = backlog.bytes;
  status.retries = ledger_.Retries();
  status.last_error = last_error_;
  status.last_error_ms = last_error_ms_;
  status.last_point_id = ledger_.LastPointId();
  return status;
}

// --- control thread -------------------------------------------------------

void CheckpointMirror::ControlLoop() {
  int64_t timeout_ms = 0;
  for (;;) {
    Result<std::vector<WatchEvent>> events = watcher_.Wait(timeout_ms);
    std::vector<Observation> observations;
    if (events.ok()) observations = Observe(*events);  // stats outside the lock
    std::unique_lock lock(mu_);
    if (stopping_) return;
    if (!events.ok()) {
      RecordError(events.error().WithContext("watching " + options_.local_dir));
      rescan_needed_ = true;
    }
    Apply(observations, clock_.MonotonicMs());
    if (rescan_needed_ || clock_.MonotonicMs() >= next_rescan_ms_ || flush_scanned_ < flush_requested_) {
      Rescan(lock);
      if (stopping_) return;
    }
    CheckSettling(lock);
    const int64_t now = clock_.MonotonicMs();
    CheckFlushes(now);
    work_cv_.notify_all();
    timeout_ms = WaitTimeoutMs(now);
  }
}

std::vector<CheckpointMirror::Observation> CheckpointMirror::Observe(const std::vector<WatchEvent>& events) const {
  using Kind = Observation::Kind;
  std::vector<Observation> observations;
  for (const WatchEvent& event : events) {
    if (event.kind == WatchEventKind::kOverflow) {
      observations.push_back({Kind::kOverflow});
      continue;
    }
    PathClass path_class = ClassifyPath(event.path);
    if (path_class == PathClass::kIgnored) continue;
    if (path_class == PathClass::kInvalid) {
      observations.push_back({Kind::kInvalid, event.path});
      continue;
    }
    if (event.kind == WatchEventKind::kRemoved) {
      observations.push_back({event.is_directory ? Kind::kTreeRemoved : Kind::kRemoved, event.path});
      continue;
    }
    Result<FileIdentity> identity = StatFileIdentity(options_.local_dir + "/" + event.path);
    if (!identity.ok()) {
      ErrorCode code = identity.error().code;
      // Gone again, or not a regular file (a symlink renamed into place): not mirrored.
      if (code == ErrorCode::kNotFound || code == ErrorCode::kInvalidArgument) {
        observations.push_back({Kind::kRemoved, event.path});
      } else {
        observations.push_back({Kind::kOverflow});  // cannot tell: the rescan will
      }
      continue;
    }
    Kind kind = event.kind == WatchEventKind::kFileClosed ? Kind::kCompleted : Kind::kFound;
    observations.push_back({kind, event.path, *identity});
  }
  return observations;
}

void CheckpointMirror::Apply(const std::vector<Observation>& observations, int64_t now) {
  using Kind = Observation::Kind;
  for (const Observation& seen : observations) {
    switch (seen.kind) {
      case Kind::kCompleted: ledger_.FileCompleted(seen.path, seen.identity.size, now); break;
      case Kind::kFound: ledger_.FileFound(seen.path, seen.identity, now, Flushing()); break;
      case Kind::kRemoved: ledger_.FileRemoved(seen.path, now); break;
      case Kind::kTreeRemoved: ledger_.TreeRemoved(seen.path, now); break;
      case Kind::kOverflow: rescan_needed_ = true; break;
      case Kind::kInvalid:
        RecordError(MakeError(ErrorCode::kInvalidArgument,
                              "not mirrored: \"" + seen.path + "\" is not a valid object key"));
        break;
    }
  }
}

void CheckpointMirror::Rescan(std::unique_lock<std::mutex>& lock) {
  const bool immediate = Flushing();
  const int64_t covers = flush_requested_;
  lock.unlock();
  Result<std::map<std::string, FileIdentity>> files =
      ScanRegularFiles(options_.local_dir, [](std::string_view dir) { return IsCheckpointControlKey(dir); });
  std::vector<std::string> invalid;
  if (files.ok()) {
    std::erase_if(*files, [&](const auto& entry) {
      PathClass path_class = ClassifyPath(entry.first);
      if (path_class == PathClass::kInvalid) invalid.push_back(entry.first);
      return path_class != PathClass::kMirrored;
    });
  }
  lock.lock();
  const int64_t now = clock_.MonotonicMs();
  rescan_needed_ = false;
  next_rescan_ms_ = now + options_.rescan_interval.count();
  if (!files.ok()) {
    RecordError(files.error().WithContext("rescanning " + options_.local_dir));
    return;  // a flush waits for a rescan that works
  }
  for (const std::string& path : invalid) {
    RecordError(MakeError(ErrorCode::kInvalidArgument, "not mirrored: \"" + path + "\" is not a valid object key"));
  }
  ledger_.ApplyScan(*files, now, immediate);
  flush_scanned_ = std::max(flush_scanned_, covers);
}

void CheckpointMirror::CheckSettling(std::unique_lock<std::mutex>& lock) {
  std::vector<std::string> due = ledger_.SettleChecksDue(clock_.MonotonicMs());
  if (due.empty()) return;
  lock.unlock();
  std::vector<std::pair<std::string, Result<FileIdentity>>> seen;
  for (const std::string& path : due) seen.emplace_back(path, StatFileIdentity(options_.local_dir + "/" + path));
  lock.lock();
  const int64_t now = clock_.MonotonicMs();
  for (const auto& [path, identity] : seen) {
    if (identity.ok()) {
      ledger_.FileFound(path, *identity, now, Flushing());
    } else if (identity.error().code == ErrorCode::kNotFound ||
               identity.error().code == ErrorCode::kInvalidArgument) {
      ledger_.FileRemoved(path, now);
    }
  }
}

void CheckpointMirror::CheckFlushes(int64_t now) {
  if (flush_completed_ < flush_scanned_ && ledger_.Idle()) flush_completed_ = flush_scanned_;
  bool expired = !flush_deadlines_.empty() && *flush_deadlines_.begin() <= now;
  if (expired || flush_completed_ == flush_requested_) flush_cv_.notify_all();
}

int64_t CheckpointMirror::WaitTimeoutMs(int64_t now) const {
  int64_t next = std::min(ledger_.NextDueMs(now, Flushing()), next_rescan_ms_);
  if (rescan_needed_ || flush_scanned_ < flush_requested_) next = now;
  for (int64_t deadline : flush_deadlines_) {
    if (deadline > now) {
      next = std::min(next, deadline);
      break;
    }
  }
  return std::max<int64_t>(0, next - now);
}

// --- workers ----------------------------------------------------------------

void CheckpointMirror::WorkerLoop(int index) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    std::optional<MirrorTask> task = ledger_.StartNext(clock_.MonotonicMs(), clock_.NowMs(), Flushing());
    if (!task) {
      work_cv_.wait(lock);
      continue;
    }
    lock.unlock();
    TaskOutcome outcome = Run(*task, index);
    lock.lock();
    MirrorLedger::Finished finished = ledger_.Finish(*task, outcome, clock_.MonotonicMs());
    Record(*task, outcome);
    work_cv_.notify_all();
    watcher_.Wake();  // the control thread checks flushes and timers
    if (finished.file_durable && options_.on_durable) {
      DurableFile durable{task->path, outcome.uploaded.size, finished.lag_ms};
      lock.unlock();
      options_.on_durable(durable);
      lock.lock();
    }
  }
}

TaskOutcome CheckpointMirror::Run(const MirrorTask& task, int index) {
  const std::string scratch = options_.staging_dir + "/" +
                              (task.kind == MirrorTaskKind::kWritePoint ? "point-" : "snapshot-") +
                              std::to_string(index);
  MirrorTaskContext context{store_, history_, options_.local_dir, scratch, [this](const std::string& sha256) {
                              std::lock_guard lock(mu_);
                              return ledger_.IsProtected(sha256);
                            }};
  switch (task.kind) {
    case MirrorTaskKind::kUpload: return RunUpload(task, context);
    case MirrorTaskKind::kDelete: return RunDelete(task, context);
    case MirrorTaskKind::kWritePoint: break;
  }
  TaskOutcome outcome = RunWritePoint(task, context);
  // Collect before the point counts as done, so no newer point is made
  // while retention looks at the store.
  if (outcome.kind == TaskOutcomeKind::kDurable && options_.collect_garbage) {
    Status collected = options_.collect_garbage(clock_.NowMs());
    if (!collected.ok()) {
      std::lock_guard lock(mu_);
      RecordError(collected.error().WithContext("collecting checkpoint garbage after " + task.point.id));
    }
  }
  return outcome;
}

void CheckpointMirror::Record(const MirrorTask& task, const TaskOutcome& outcome) {
  if (outcome.kind == TaskOutcomeKind::kDurable) {
    last_sync_ms_ = clock_.NowMs();
    if (!last_logged_error_.empty() && ledger_.Retries() > 0 && ledger_.Backlog().files == 0) {
      LogInfo("checkpoint sync to " + store_.Uri() + " caught up after errors");
      last_logged_error_.clear();
    }
  } else if (outcome.kind == TaskOutcomeKind::kFailed) {
    RecordError(outcome.error);
  }
}

void CheckpointMirror::RecordError(const Error& error) {
  const EpochMs now = clock_.NowMs();
  last_error_ = error.ToString();
  last_error_ms_ = now;
  if (last_error_ == last_logged_error_ && now - last_logged_error_ms_ < kRepeatErrorLogMs) return;
  LogWarning("checkpoint sync to " + store_.Uri() + " (will retry): " + last_error_);
  last_logged_error_ = last_error_;
  last_logged_error_ms_ = now;
}

}  // namespace trainyard
