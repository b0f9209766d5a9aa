#include "agent/checkpoint_sync.h"

#include <filesystem>
#include <thread>

#include "checkpoint/checkpoint_restore.h"
#include "checkpoint/checkpoint_retention.h"
#include "common/log.h"

namespace trainyard {

CheckpointSync::CheckpointSync(std::unique_ptr<ObjectStore> store, const Clock& clock,
                               CheckpointSyncOptions options)
    : store_(std::move(store)), clock_(clock), options_(std::move(options)) {}

CheckpointSync::~CheckpointSync() { Stop(); }

void CheckpointSync::SetStage(std::string stage) {
  std::lock_guard lock(mu_);
  restored_.stage = std::move(stage);
}

Status CheckpointSync::RestoreWithRetries() {
  std::chrono::milliseconds backoff = options_.first_restore_backoff;
  for (int attempt = 1;; ++attempt) {
    Result<RestoreSummary> summary = RestoreCheckpoint(*store_, options_.local_dir, RestoreOptions{});
    if (summary.ok()) {
      std::lock_guard lock(mu_);
      restored_.restored_files = summary->files;
      restored_.restored_bytes = summary->bytes;
      restored_.restored_point = summary->point_ids.empty() ? "" : summary->point_ids.back();
      for (const SkippedPoint& skipped : summary->skipped_points) {
        LogWarning("checkpoint sync point " + skipped.point_id + " skipped: " + skipped.reason);
      }
      // The mirror starts out knowing what the store already holds.
      std::vector<KnownFile> known;
      for (const RestoredFile& file : summary->restored) {
        if (file.live_verified) known.push_back({file.file, file.identity});
      }
      known_ = std::move(known);
      return Ok();
    }
    const Error& error = summary.error();
    if (error.code != ErrorCode::kUnavailable || attempt >= options_.restore_attempts) {
      if (error.code == ErrorCode::kUnavailable) {
        return MakeError(error.code, error.message + " (gave up after " + std::to_string(attempt) + " attempts)");
      }
      return error;
    }
    LogWarning("restoring checkpoints (attempt " + std::to_string(attempt) + ", will retry): " + error.ToString());
    if (options_.sleep) options_.sleep(backoff);
    backoff *= 2;
  }
}

Status CheckpointSync::RestoreAndStart() {
  SetStage("restoring");
  std::error_code ec;
  std::filesystem::create_directories(options_.local_dir, ec);
  Status restored = ec ? Status(MakeError(ErrorCode::kFailedPrecondition,
                                          "creating the checkpoint directory " + options_.local_dir + ": " +
                                              ec.message()))
                       : RestoreWithRetries();
  if (restored.ok()) restored = StartMirror();
  if (!restored.ok()) {
    const Error& error = restored.error();
    std::lock_guard lock(mu_);
    restored_.stage = "failed";
    error_ = error.message;
    error_ms_ = clock_.NowMs();
    return error;
  }
  SetStage("mirroring");
  return Ok();
}

Status CheckpointSync::StartMirror() {
  DirectoryWatcherOptions watch;
  watch.excluded_dirs = {std::string(kCheckpointControlDir)};
  Result<std::unique_ptr<DirectoryWatcher>> watcher = NewInotifyDirectoryWatcher(options_.local_dir, watch);
  if (!watcher.ok()) return watcher.error().WithContext("watching " + options_.local_dir + " for checkpoints");
  watcher_ = std::move(watcher).value();
  CheckpointMirrorOptions mirror;
  mirror.local_dir = options_.local_dir;
  mirror.staging_dir = options_.staging_dir;
  mirror.host = options_.host;
  mirror.job_name = options_.job_name;
  mirror.protected_points = std::max(options_.keep_last, 1);
  // Training scripts checkpoint every few seconds to every few hours: a sync
  // point once a checkpoint's files are all durable and a quarter second
  // passed without another change, and at least every 10 s while changes
  // never pause. A temp file renamed into place within 100 ms is never sent.
  mirror.point_quiet_period = std::chrono::milliseconds(250);
  mirror.point_max_interval = std::chrono::seconds(10);
  mirror.close_delay = std::chrono::milliseconds(100);
  mirror.random_seed = static_cast<uint64_t>(clock_.NowMs());
  ObjectStore* store = store_.get();
  const int keep_last = options_.keep_last;
  mirror.collect_garbage = [store, keep_last](EpochMs now_ms) -> Status {
    RetentionOptions retention;
    retention.keep_last = keep_last;
    Result<GarbageReport> collected = CollectCheckpointGarbage(*store, retention, now_ms);
    return collected.ok() ? Ok() : Status(collected.error());
  };
  auto started = std::make_unique<CheckpointMirror>(*store_, *watcher_, clock_, std::move(mirror));
  Status status = started->Start(known_);
  if (!status.ok()) return status.error().WithContext("mirroring checkpoints to " + store_->Uri());
  std::lock_guard lock(mu_);
  mirror_ = std::move(started);  // Report() may read it from now on
  return Ok();
}

Status CheckpointSync::Flush(std::chrono::milliseconds timeout) {
  if (!Mirror()) return Ok();
  SetStage("flushing");
  Status flushed = Mirror()->Flush(clock_.MonotonicMs() + timeout.count());
  SetStage(flushed.ok() ? "flushed" : "mirroring");
  if (!flushed.ok()) return flushed.error().WithContext("flushing checkpoints to " + store_->Uri());
  return Ok();
}

void CheckpointSync::Stop() {
  if (CheckpointMirror* mirror = Mirror()) mirror->Stop();
}

CheckpointMirror* CheckpointSync::Mirror() const {
  std::lock_guard lock(mu_);
  return mirror_.get();
}

CheckpointReport CheckpointSync::Report() const {
  CheckpointReport report;
  {
    std::lock_guard lock(mu_);
    report = restored_;
    report.last_error = error_;
    report.last_error_ms = error_ms_;
  }
  CheckpointMirror* mirror = Mirror();
  if (mirror == nullptr) return report;
  CheckpointSyncStatus status = mirror->SyncStatus();
  report.files = status.files_mirrored;
  report.bytes = status.bytes_mirrored;
  report.last_sync_ms = status.last_sync_ms;
  report.lag_ms = status.lag_ms;
  report.backlog_files = status.backlog_files;
  report.backlog_bytes = status.backlog_bytes;
  report.retries = status.retries;
  if (!status.last_error.empty()) {
    report.last_error = status.last_error;
    report.last_error_ms = status.last_error_ms;
  }
  report.last_point = status.last_point_id;
  return report;
}

}  // namespace trainyard
