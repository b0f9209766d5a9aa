#include "checkpoint/mirror_ledger.h"

#include <algorithm>

namespace trainyard {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// Failures that concern one path, not the store as a whole.
bool IsPathFailure(ErrorCode code) {
  return code == ErrorCode::kInvalidArgument || code == ErrorCode::kFailedPrecondition ||
         code == ErrorCode::kNotFound || code == ErrorCode::kAlreadyExists;
}

bool UnderDirectory(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

MirrorTask PointTask(SyncPoint point) {
  MirrorTask task;
  task.kind = MirrorTaskKind::kWritePoint;
  task.point = std::move(point);
  return task;
}

}  // namespace

MirrorLedger::Change MirrorLedger::NewChange(MirrorTaskKind kind, int64_t since_ms, int64_t size) {
  Change change;
  change.kind = kind;
  change.since_ms = since_ms;
  change.size = size;
  return change;
}

MirrorLedger::MirrorLedger(MirrorLedgerOptions options, int64_t now)
    : options_(std::move(options)), random_(options_.random_seed), last_change_ms_(now), last_point_made_ms_(now) {}

void MirrorLedger::Seed(const std::vector<KnownFile>& files) {
  for (const KnownFile& known : files) {
    live_[known.file.path] = LiveObject{known.file.size, known.file.sha256, known.identity};
  }
  last_point_files_ = CurrentFiles();
  Protect(last_point_files_);
}

void MirrorLedger::FileCompleted(const std::string& path, int64_t size, int64_t now) {
  Change change = NewChange(MirrorTaskKind::kUpload, now, size);
  change.retry_at_ms = now + options_.close_delay_ms;  // a temp file renamed at once is never sent
  Queue(path, change, now);
}

void MirrorLedger::FileFound(const std::string& path, const FileIdentity& identity, int64_t now, bool immediate) {
  PathWork& work = work_[path];
  if (work.queued && work.queued->kind == MirrorTaskKind::kUpload) {
    Change& queued = *work.queued;
    if (!queued.settle) return;  // ready already
    auto live = live_.find(path);
    if (!work.running && live != live_.end() && !live->second.sha256.empty() && live->second.identity == identity) {
      work.queued.reset();  // back to the version the store has
      Tidy(path);
      return;
    }
    if (immediate || (queued.observed == identity && now - queued.observed_ms >= options_.settle_ms)) {
      queued.settle = false;
    } else if (queued.observed != identity) {
      queued.observed = identity;
      queued.observed_ms = now;
    }
    queued.size = identity.size;
    return;
  }
  auto live = live_.find(path);
  if (!work.queued && !work.running && live != live_.end() && !live->second.sha256.empty() &&
      live->second.identity == identity) {
    Tidy(path);
    return;  // the store has this version
  }
  Change change = NewChange(MirrorTaskKind::kUpload, now, identity.size);
  change.settle = !immediate;
  change.observed = identity;
  change.observed_ms = now;
  Queue(path, change, now);
}

void MirrorLedger::FileRemoved(const std::string& path, int64_t now) {
  PathWork& work = work_[path];
  const bool deleting = work.queued ? work.queued->kind == MirrorTaskKind::kDelete
                                    : work.running && work.running->kind == MirrorTaskKind::kDelete;
  if (deleting) return;  // already owed
  if (live_.count(path) == 0 && !work.running) {
    work.queued.reset();  // never reached the store
    Tidy(path);
    return;
  }
  Queue(path, NewChange(MirrorTaskKind::kDelete, now), now);
}

void MirrorLedger::TreeRemoved(const std::string& dir, int64_t now) {
  std::set<std::string> paths;
  for (auto it = live_.upper_bound(dir); it != live_.end() && it->first.starts_with(dir); ++it) {
    if (UnderDirectory(it->first, dir)) paths.insert(it->first);
  }
  for (auto it = work_.upper_bound(dir); it != work_.end() && it->first.starts_with(dir); ++it) {
    if (UnderDirectory(it->first, dir)) paths.insert(it->first);
  }
  for (const std::string& path : paths) FileRemoved(path, now);
}

void MirrorLedger::ApplyScan(const std::map<std::string, FileIdentity>& files, int64_t now, bool immediate) {
  std::set<std::string> missing;
  for (const auto& [path, object] : live_) {
    if (!files.count(path)) missing.insert(path);
  }
  for (const auto& [path, work] : work_) {
    if (!files.count(path)) missing.insert(path);
  }
  for (const std::string& path : missing) FileRemoved(path, now);
  for (const auto& [path, identity] : files) FileFound(path, identity, now, immediate);
}

void MirrorLedger::Queue(const std::string& path, Change change, int64_t now) {
  PathWork& work = work_[path];
  if (work.queued) {
    Change& queued = *work.queued;
    change.since_ms = std::min(change.since_ms, queued.since_ms);
    change.attempts = queued.attempts;
    change.retry_at_ms = queued.retry_at_ms;
    if (change.kind == MirrorTaskKind::kUpload && change.settle && queued.kind == MirrorTaskKind::kUpload) {
      change.settle = queued.settle;  // a scan does not delay a completed file
    }
  }
  work.queued = change;
  last_change_ms_ = now;
}

std::vector<std::string> MirrorLedger::SettleChecksDue(int64_t now) const {
  std::vector<std::string> due;
  for (const auto& [path, work] : work_) {
    if (work.queued && work.queued->settle && now >= work.queued->observed_ms + options_.settle_ms) {
      due.push_back(path);
    }
  }
  return due;
}

bool MirrorLedger::StoreOpen(int64_t now) const {
  if (now < store_retry_at_ms_) return false;
  return store_failures_ == 0 || running_ == 0;  // after failures, one probe at a time
}

bool MirrorLedger::ChangeReady(const Change& change, int64_t now) const {
  return !change.settle && now >= change.retry_at_ms;
}

std::optional<MirrorTask> MirrorLedger::StartNext(int64_t now, EpochMs wall_now, bool flushing) {
  if (!StoreOpen(now)) return std::nullopt;
  for (;;) {
    PathWork* best = nullptr;
    const std::string* best_path = nullptr;
    for (auto& [path, work] : work_) {
      if (work.running || !work.queued || !ChangeReady(*work.queued, now)) continue;
      if (!best || work.queued->since_ms < best->queued->since_ms) {
        best = &work;
        best_path = &path;
      }
    }
    if (!best) break;
    const std::string path = *best_path;
    auto live = live_.find(path);
    if (best->queued->kind == MirrorTaskKind::kDelete && live == live_.end()) {
      best->queued.reset();  // nothing at the live key
      Tidy(path);
      continue;
    }
    best->running = best->queued;
    best->queued.reset();
    ++running_;
    MirrorTask task;
    task.kind = best->running->kind;
    task.path = path;
    if (live != live_.end()) task.live = live->second;
    return task;
  }
  if (PointDue(now, flushing)) {
    if (!pending_point_) return MakePoint(now, wall_now);
    point_running_ = true;
    ++running_;
    return PointTask(*pending_point_);
  }
  return std::nullopt;
}

MirrorTask MirrorLedger::MakePoint(int64_t now, EpochMs wall_now) {
  SyncPoint point;
  point.time_ms = std::max(wall_now, last_point_time_ms_ + 1);  // ids strictly increase
  point.host = options_.host;
  point.id = SyncPointId(point.time_ms, point.host);
  point.job_name = options_.job_name;
  point.files = CurrentFiles();
  last_point_time_ms_ = point.time_ms;
  last_point_files_ = point.files;
  last_point_made_ms_ = now;
  Protect(point.files);  // before any later change can replace what it lists
  pending_point_ = point;
  point_attempts_ = 0;
  point_retry_at_ms_ = 0;
  point_running_ = true;
  ++running_;
  return PointTask(std::move(point));
}

MirrorLedger::Finished MirrorLedger::Finish(const MirrorTask& task, const TaskOutcome& outcome, int64_t now) {
  --running_;
  if (task.kind == MirrorTaskKind::kWritePoint) return FinishPoint(outcome, now);
  PathWork& work = work_[task.path];
  Change ran = work.running.value_or(NewChange(task.kind, now));
  work.running.reset();
  Finished finished;
  switch (outcome.kind) {
    case TaskOutcomeKind::kDurable:
    case TaskOutcomeKind::kUnchanged:
      if (task.kind == MirrorTaskKind::kUpload) {
        live_[task.path] = outcome.uploaded;
        finished = {true, now - ran.since_ms};
      } else {
        live_.erase(task.path);
      }
      if (outcome.kind == TaskOutcomeKind::kDurable) NoteStoreSuccess();
      break;
    case TaskOutcomeKind::kSourceChanged:
      ran.settle = true;  // look again at once, then let it settle
      ran.observed = FileIdentity{};
      ran.observed_ms = now - options_.settle_ms;
      Requeue(work, ran);
      break;
    case TaskOutcomeKind::kSourceGone:
      if (live_.count(task.path)) Requeue(work, NewChange(MirrorTaskKind::kDelete, ran.since_ms));
      break;
    case TaskOutcomeKind::kFailed:
      Failed(work, ran, task, outcome, now);
      break;
  }
  Tidy(task.path);
  return finished;
}

void MirrorLedger::Failed(PathWork& work, Change ran, const MirrorTask& task, const TaskOutcome& outcome,
                          int64_t now) {
  ++retries_;
  if (outcome.live_uncertain) {
    LiveObject& live = live_[task.path];  // may now hold something else, or nothing
    live.sha256.clear();
  }
  ++ran.attempts;
  NoteStoreFailure(outcome.error, now, ran.attempts, &ran.retry_at_ms);
  Requeue(work, ran);
}

void MirrorLedger::Requeue(PathWork& work, Change ran) {
  if (!work.queued) {
    work.queued = ran;
    return;
  }
  // A newer change arrived meanwhile: it wins, but keeps the older age and the backoff.
  Change& queued = *work.queued;
  queued.since_ms = std::min(queued.since_ms, ran.since_ms);
  queued.attempts = std::max(queued.attempts, ran.attempts);
  queued.retry_at_ms = std::max(queued.retry_at_ms, ran.retry_at_ms);
}

void MirrorLedger::NoteStoreFailure(const Error& error, int64_t now, int attempts, int64_t* retry_at_ms) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (IsPathFailure(error.code)) {
    NoteStoreSuccess();  // the store answered
    *retry_at_ms = now + BackoffDelayMs(options_.backoff, attempts, unit(random_));
    return;
  }
  ++store_failures_;
  store_retry_at_ms_ = now + BackoffDelayMs(options_.backoff, store_failures_, unit(random_));
}

void MirrorLedger::NoteStoreSuccess() {
  store_failures_ = 0;
  store_retry_at_ms_ = 0;
}

MirrorLedger::Finished MirrorLedger::FinishPoint(const TaskOutcome& outcome, int64_t now) {
  point_running_ = false;
  if (outcome.kind == TaskOutcomeKind::kDurable) {
    NoteStoreSuccess();
    last_point_id_ = pending_point_ ? pending_point_->id : last_point_id_;
    pending_point_.reset();
    return {};
  }
  ++retries_;
  ++point_attempts_;
  NoteStoreFailure(outcome.error, now, point_attempts_, &point_retry_at_ms_);
  return {};
}

bool MirrorLedger::Drained() const {
  return std::all_of(work_.begin(), work_.end(),
                     [](const auto& entry) { return !entry.second.queued && !entry.second.running; });
}

std::vector<ManifestFile> MirrorLedger::CurrentFiles() const {
  std::vector<ManifestFile> files;
  for (const auto& [path, object] : live_) {
    if (!object.sha256.empty()) files.push_back({path, object.size, object.sha256});
  }
  return files;  // sorted by path: std::map orders bytewise
}

bool MirrorLedger::PointDue(int64_t now, bool flushing) const {
  if (point_running_) return false;
  if (pending_point_) return now >= point_retry_at_ms_;
  if (!Drained() || CurrentFiles() == last_point_files_) return false;
  return flushing || now - last_change_ms_ >= options_.quiet_ms ||
         now - last_point_made_ms_ >= options_.max_point_interval_ms;
}

void MirrorLedger::Protect(const std::vector<ManifestFile>& files) {
  std::set<std::string> shas;
  for (const ManifestFile& file : files) shas.insert(file.sha256);
  for (const std::string& sha : shas) ++protected_refs_[sha];
  protected_sets_.push_back(std::move(shas));
  while (static_cast<int>(protected_sets_.size()) > std::max(options_.protected_points, 1)) {
    for (const std::string& sha : protected_sets_.front()) {
      if (--protected_refs_[sha] == 0) protected_refs_.erase(sha);
    }
    protected_sets_.pop_front();
  }
}

bool MirrorLedger::IsProtected(const std::string& sha256) const { return protected_refs_.count(sha256) > 0; }

bool MirrorLedger::Idle() const {
  return Drained() && !point_running_ && !pending_point_ && CurrentFiles() == last_point_files_;
}

int64_t MirrorLedger::NextDueMs(int64_t now, bool flushing) const {
  int64_t next = kNever;
  auto consider = [&](int64_t due) {
    if (due > now) next = std::min(next, due);  // what is due already waits on a worker, not on time
  };
  for (const auto& [path, work] : work_) {
    if (!work.queued || work.running) continue;
    const Change& change = *work.queued;
    consider(change.settle ? change.observed_ms + options_.settle_ms
                           : std::max(change.retry_at_ms, store_retry_at_ms_));
  }
  if (!point_running_) {
    if (pending_point_) {
      consider(std::max(point_retry_at_ms_, store_retry_at_ms_));
    } else if (!flushing && Drained() && CurrentFiles() != last_point_files_) {
      consider(std::max(std::min(last_change_ms_ + options_.quiet_ms,
                                 last_point_made_ms_ + options_.max_point_interval_ms),
                        store_retry_at_ms_));
    }
  }
  return next;
}

MirrorBacklog MirrorLedger::Backlog() const {
  MirrorBacklog backlog;
  for (const auto& [path, work] : work_) {
    if (!work.queued && !work.running) continue;
    ++backlog.files;
    const Change& next = work.queued ? *work.queued : *work.running;  // what the path still owes
    if (next.kind == MirrorTaskKind::kUpload) backlog.bytes += next.size;
    int64_t since = next.since_ms;
    if (work.running) since = std::min(since, work.running->since_ms);
    backlog.oldest_since_ms = std::min(backlog.oldest_since_ms.value_or(kNever), since);
  }
  return backlog;
}

int64_t MirrorLedger::FilesMirrored() const { return static_cast<int64_t>(CurrentFiles().size()); }

int64_t MirrorLedger::BytesMirrored() const {
  int64_t bytes = 0;
  for (const auto& [path, object] : live_) {
    if (!object.sha256.empty()) bytes += object.size;
  }
  return bytes;
}

void MirrorLedger::Tidy(const std::string& path) {
  auto it = work_.find(path);
  if (it != work_.end() && !it->second.queued && !it->second.running) work_.erase(it);
}

}  // namespace trainyard
